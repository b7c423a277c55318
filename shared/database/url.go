package database

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// accepted ends every ParseURL error, so that a learner who got DATABASE_URL wrong sees what
// would be right.
const accepted = "accepted: sqlite:// (in memory), sqlite:///relative.db, sqlite:////absolute/path.db, postgres://user:password@host:5432/dbname"

// mask replaces a password, as it does in url.URL.Redacted.
const mask = "xxxxx"

// Source is what a DATABASE_URL resolves to: a database/sql driver and what to hand it.
type Source struct {
	Driver string // database/sql driver name: "sqlite3" or "postgres"
	DSN    string // the driver's data source name
	Memory bool   // an in-memory SQLite database, which exists only inside its one connection
}

// ParseURL resolves a DATABASE_URL.
//
// SQLite URLs follow SQLAlchemy's convention, which learners of the Python seed know: after
// "sqlite://" comes an empty host, then a slash, then the file's path, so
//
//	sqlite://                  an in-memory database (as are sqlite:/// and sqlite:///:memory:)
//	sqlite:///data/app.db      data/app.db, relative to the working directory
//	sqlite:////var/lib/app.db  /var/lib/app.db, an absolute path
//
// postgres:// and postgresql:// URLs go to lib/pq as they are, query parameters (sslmode, …)
// included, with connect_timeout and binary_parameters added when they do not set them.
// Anything else is an error that names DATABASE_URL, shows the value with its password
// masked, and lists the accepted forms.
func ParseURL(raw string) (Source, error) {
	u, ok := parse(raw)
	switch {
	case raw == "":
		return Source{}, invalid(raw, "not set")
	case !ok:
		return Source{}, invalid(raw, "not a valid URL (percent-encode special characters in the password)")
	}
	switch u.Scheme {
	case "postgres", "postgresql":
		return Source{Driver: driverPostgres, DSN: withPostgresDefaults(u)}, nil
	case "sqlite":
		return parseSQLite(raw, u)
	default:
		return Source{}, invalid(raw, fmt.Sprintf("unsupported scheme %q", u.Scheme))
	}
}

func parseSQLite(raw string, u *url.URL) (Source, error) {
	switch {
	case u.Host != "" || u.User != nil:
		return Source{}, invalid(raw, "a sqlite URL has no host: put three slashes before a relative path, four before an absolute one")
	case u.RawQuery != "" || u.Fragment != "":
		return Source{}, invalid(raw, "a sqlite URL takes no query or fragment")
	}
	// The path keeps the slash that ends "sqlite://" and the empty host; the rest is the file's.
	path := strings.TrimPrefix(u.Path, "/")
	if path == "" || path == ":memory:" {
		return Source{Driver: driverSQLite, DSN: ":memory:?" + sqliteOptions, Memory: true}, nil
	}
	return Source{Driver: driverSQLite, DSN: path + "?" + sqliteOptions}, nil
}

func invalid(raw, reason string) error {
	return fmt.Errorf("DATABASE_URL %q: %s; %s", Redact(raw), reason, accepted)
}

// parse returns raw as a URL when it is one of the scheme://… form that ParseURL and Redact
// understand, and false otherwise.
func parse(raw string) (*url.URL, bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Opaque != "" {
		return nil, false
	}
	return u, true
}

// schemePrefix matches the "scheme://" that starts a URL (RFC 3986, section 3.1).
var schemePrefix = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*://`)

// Redact returns raw with its passwords masked, for logs and error messages: the password in
// the user part, as url.URL.Redacted masks it, and the value of any query parameter in which
// the word password appears (lib/pq reads password and sslpassword from the query too), in
// its name or its value, escaped or not. A URL without a password comes back unchanged.
//
// When raw is not a scheme://… URL, or holds a user:password@ that the URL's grammar puts
// elsewhere than in the user part (after a slash, say), Redact cannot tell where a password
// would end, so it keeps only the scheme, if there is one, and masks the rest:
// "postgres://u:p/w@db/app", whose unencoded slash makes it unparseable, comes back as
// "postgres://xxxxx".
func Redact(raw string) string {
	u, ok := parse(raw)
	if !ok || (u.User == nil && strayUserinfo(raw)) {
		if raw == "" {
			return ""
		}
		return schemePrefix.FindString(raw) + mask
	}
	_, masked := u.User.Password()
	if query, changed := redactQuery(u.RawQuery); changed {
		u.RawQuery = query
		masked = true
	}
	if strings.Contains(strings.ToLower(u.Fragment), "password") {
		u.Fragment, u.RawFragment = mask, ""
		masked = true
	}
	if !masked {
		// As written: u.String would turn sqlite:// into sqlite:.
		return raw
	}
	return u.Redacted()
}

// strayUserinfo reports whether raw, after its scheme, holds a colon and then an @: a
// user:password@ that the URL parser did not read as the user part.
func strayUserinfo(raw string) bool {
	_, rest, _ := strings.Cut(raw, "://")
	at := strings.LastIndex(rest, "@")
	return at >= 0 && strings.Contains(rest[:at], ":")
}

// redactQuery masks the value of each parameter of a raw query in which the word password
// appears, decoded or as written, and reports whether it masked any. The parameters keep
// their order and their encoding, and one it cannot decode is looked at as written.
func redactQuery(rawQuery string) (string, bool) {
	params := strings.Split(rawQuery, "&")
	changed := false
	for i, param := range params {
		text := strings.ToLower(param)
		if decoded, err := url.QueryUnescape(param); err == nil {
			text += " " + strings.ToLower(decoded)
		}
		if !strings.Contains(text, "password") {
			continue
		}
		params[i] = mask
		if name, _, hasValue := strings.Cut(param, "="); hasValue {
			params[i] = name + "=" + mask
		}
		changed = true
	}
	return strings.Join(params, "&"), changed
}

// postgresDefaults are the lib/pq parameters a DATABASE_URL gets unless it sets them itself.
var postgresDefaults = map[string]string{
	// A connection attempt, handshake included, gives up after this many seconds. Without it
	// lib/pq waits as long as the server does: a server that accepts a connection while it is
	// still starting could hold it for good.
	"connect_timeout": "3",
	// A query with arguments (GetWorker's id) goes to the server in one round trip. Without it,
	// lib/pq first asks the server to describe the statement, waits for the answer, then sends
	// the arguments: two round trips, and twice the system calls on both sides.
	"binary_parameters": "yes",
}

// withPostgresDefaults returns the URL with postgresDefaults added where it sets none.
func withPostgresDefaults(u *url.URL) string {
	q := u.Query()
	for name, value := range postgresDefaults {
		if !q.Has(name) {
			q.Set(name, value)
		}
	}
	withDefaults := *u
	withDefaults.RawQuery = q.Encode()
	return withDefaults.String()
}
