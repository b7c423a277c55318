package database_test

import (
	"strings"
	"testing"

	"base-docker-and-compose/shared/database"
)

func TestParseURL(t *testing.T) {
	const memory = ":memory:?_busy_timeout=5000&_foreign_keys=on"
	tests := []struct {
		raw  string
		want database.Source
	}{
		{"sqlite://", database.Source{Driver: "sqlite3", DSN: memory, Memory: true}},
		{"sqlite:///", database.Source{Driver: "sqlite3", DSN: memory, Memory: true}},
		{"sqlite:///:memory:", database.Source{Driver: "sqlite3", DSN: memory, Memory: true}},
		{"sqlite:///workers.db", database.Source{Driver: "sqlite3", DSN: "workers.db?_busy_timeout=5000&_foreign_keys=on"}},
		{"sqlite:///data/workers.db", database.Source{Driver: "sqlite3", DSN: "data/workers.db?_busy_timeout=5000&_foreign_keys=on"}},
		{"sqlite:////var/lib/app/workers.db", database.Source{Driver: "sqlite3", DSN: "/var/lib/app/workers.db?_busy_timeout=5000&_foreign_keys=on"}},
		{"postgres://app:secret@db:5432/app?sslmode=disable", database.Source{Driver: "postgres", DSN: "postgres://app:secret@db:5432/app?binary_parameters=yes&connect_timeout=3&sslmode=disable"}},
		{"postgresql://app@localhost/app", database.Source{Driver: "postgres", DSN: "postgresql://app@localhost/app?binary_parameters=yes&connect_timeout=3"}},
		// What the URL sets itself is kept.
		{"postgres://app@db/app?connect_timeout=10", database.Source{Driver: "postgres", DSN: "postgres://app@db/app?binary_parameters=yes&connect_timeout=10"}},
		{"postgres://app@db/app?binary_parameters=no", database.Source{Driver: "postgres", DSN: "postgres://app@db/app?binary_parameters=no&connect_timeout=3"}},
	}
	for _, tt := range tests {
		got, err := database.ParseURL(tt.raw)
		if err != nil || got != tt.want {
			t.Errorf("ParseURL(%q):\ngot  %+v, %v\nwant %+v, nil", tt.raw, got, err, tt.want)
		}
	}
}

func TestParseURLErrors(t *testing.T) {
	tests := []struct {
		raw    string
		reason string // what the error must say, besides naming DATABASE_URL
	}{
		{"", `DATABASE_URL "": not set`},
		{"mysql://u:secret@h/db", `DATABASE_URL "mysql://u:xxxxx@h/db": unsupported scheme "mysql"`},
		{"http://", `unsupported scheme "http"`},
		{"sqlite://host/x.db", "a sqlite URL has no host"},
		{"sqlite://workers.db", "a sqlite URL has no host"},
		{"sqlite:///workers.db?mode=ro", "a sqlite URL takes no query"},
		{"postgres://u:secret@h:bad port", `DATABASE_URL "postgres://xxxxx": not a valid URL`},
		{"postgres://u:sec/ret@h/db", `DATABASE_URL "postgres://xxxxx": not a valid URL`},
		{"host=db password=secret", `DATABASE_URL "xxxxx": not a valid URL`},
		{"postgres:u:secret@h", `DATABASE_URL "xxxxx": not a valid URL`},
	}
	for _, tt := range tests {
		_, err := database.ParseURL(tt.raw)
		if err == nil {
			t.Errorf("ParseURL(%q): got no error", tt.raw)
			continue
		}
		msg := err.Error()
		for _, want := range []string{"DATABASE_URL", tt.reason, "accepted: sqlite:// (in memory), sqlite:///relative.db, sqlite:////absolute/path.db, postgres://"} {
			if !strings.Contains(msg, want) {
				t.Errorf("ParseURL(%q): error %q does not contain %q", tt.raw, msg, want)
			}
		}
		if strings.Contains(msg, "secret") || strings.Contains(msg, "sec/ret") {
			t.Errorf("ParseURL(%q): error %q shows the password", tt.raw, msg)
		}
	}
}

func TestRedact(t *testing.T) {
	tests := []struct{ raw, want string }{
		{"", ""},
		{"sqlite://", "sqlite://"},
		{"sqlite:////var/lib/app/workers.db", "sqlite:////var/lib/app/workers.db"},
		{"postgres://app@db/app?sslmode=disable&connect_timeout=5", "postgres://app@db/app?sslmode=disable&connect_timeout=5"},
		{"postgres://app:secret@db:5432/app?sslmode=disable", "postgres://app:xxxxx@db:5432/app?sslmode=disable"},
		{"postgres://app@db/app?password=secret&sslmode=disable", "postgres://app@db/app?password=xxxxx&sslmode=disable"},
		{"postgres://app:secret@db/app?sslpassword=secret", "postgres://app:xxxxx@db/app?sslpassword=xxxxx"},
		{"postgres://u:secret@h:bad port", "postgres://xxxxx"},
		{"postgres://u:sec/ret@h/db", "postgres://xxxxx"},
		{"postgres:u:secret@h", "xxxxx"},
		{"host=db password=secret", "xxxxx"},
		// What FuzzPasswordNeverShows found: a user:password@ after a slash, a password
		// parameter that does not decode, one inside another parameter's value, in a fragment.
		{"postgres://a/b:secret@db/app", "postgres://xxxxx"},
		{"postgres://app@db/app?password=secret%zz&sslmode=disable", "postgres://app@db/app?password=xxxxx&sslmode=disable"},
		{"postgres://app@db/app?x=1?password=secret", "postgres://app@db/app?x=xxxxx"},
		{"postgres://app@db/app#password=secret", "postgres://app@db/app#xxxxx"},
		// An @ in a path, with no colon before it, is no password.
		{"sqlite:////data/a@b.db", "sqlite:////data/a@b.db"},
	}
	for _, tt := range tests {
		if got := database.Redact(tt.raw); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.raw, got, tt.want)
		}
	}
}
