package database_test

import (
	"strings"
	"testing"

	"base-docker-and-compose/shared/database"
)

// FuzzParseURL feeds ParseURL arbitrary strings. Whatever comes in, it must not panic; an
// error must name DATABASE_URL; a result must name a driver.
// `go test` runs the seeds below; `go test -fuzz=FuzzParseURL` explores further.
func FuzzParseURL(f *testing.F) {
	for _, seed := range []string{
		"", "sqlite://", "sqlite:///", "sqlite:///rel.db", "sqlite:////abs/path.db", "sqlite:///:memory:",
		"postgres://u:pw@h:5432/db?sslmode=disable", "postgresql://u@h/db", "mysql://u:pw@h/db",
		"postgres://u:p/w@h", "sqlite://host/x.db", "http://", "::::", "postgres://u:pw@h:badport/db",
		"postgres://u:%zz@h/db", "sqlite:///x.db?mode=ro", "SQLITE://", " postgres://u:pw@h/db",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		src, err := database.ParseURL(raw)
		if err != nil {
			if !strings.Contains(err.Error(), "DATABASE_URL") {
				t.Errorf("ParseURL(%q): error %q does not name DATABASE_URL", raw, err)
			}
			return
		}
		if src.Driver != "sqlite3" && src.Driver != "postgres" {
			t.Errorf("ParseURL(%q) = driver %q", raw, src.Driver)
		}
	})
}

// secret starts every password FuzzPasswordNeverShows puts in a URL: letters and digits
// only, so that no encoding changes them, and a word no message of the package holds.
const secret = "Zq7Secret"

// FuzzPasswordNeverShows builds DATABASE_URLs around a password it knows, in the user part or
// in a password query parameter, with the rest of the URL fuzzed: the password may itself
// hold any character, including those that make the URL unparseable. Wherever it is, it
// must not appear in ParseURL's error or in Redact's result: the oracle is the password
// itself, not what Redact masks.
func FuzzPasswordNeverShows(f *testing.F) {
	for _, seed := range []struct {
		scheme, user, rest, host, tail string
		inQuery                        bool
	}{
		{"postgres", "app", "", "db:5432", "/app?sslmode=disable", false},
		{"postgres", "app", "/w", "db", "/app", false},          // an unencoded slash: unparseable
		{"postgres", "app", "%zz", "db", "/app", false},         // a bad escape
		{"postgres", "app", "", "db:bad port", "/app", false},   // a bad port
		{"mysql", "app", "", "db", "/app", false},               // an unsupported scheme
		{"sqlite", "app", "", "host", "/x.db", false},           // a sqlite URL with a host
		{"postgres", "a/b", "", "db", "/app", false},            // a slash in the user
		{"postgres", "app", "", "db", "/app", true},             // ?password=
		{"postgres", "app", "%zz", "db", "/app", true},          // ?password= with a bad escape
		{"postgres", "app", "&sslmode=disable", "db", "", true}, // more parameters after it
		{"sqlite", "", "", "", "/x.db", true},                   // a sqlite URL with a query
		{"postgres", "app", "#frag", "db", "/app?x=1", true},    // a fragment after it
	} {
		f.Add(seed.scheme, seed.user, seed.rest, seed.host, seed.tail, seed.inQuery)
	}
	f.Fuzz(func(t *testing.T, scheme, user, rest, host, tail string, inQuery bool) {
		for _, part := range []string{scheme, user, host, tail} {
			if strings.Contains(strings.ToLower(part), strings.ToLower(secret)) {
				t.Skip("the secret stands outside the password too")
			}
		}
		password := secret + rest
		raw := scheme + "://" + user + ":" + password + "@" + host + tail
		if inQuery {
			raw = scheme + "://" + user + "@" + host + tail + "?password=" + password
		}
		if redacted := database.Redact(raw); strings.Contains(strings.ToLower(redacted), strings.ToLower(secret)) {
			t.Errorf("Redact(%q) = %q shows the password", raw, redacted)
		}
		if _, err := database.ParseURL(raw); err != nil && strings.Contains(strings.ToLower(err.Error()), strings.ToLower(secret)) {
			t.Errorf("ParseURL(%q): error %q shows the password", raw, err)
		}
	})
}
