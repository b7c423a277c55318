package database_test

import (
	"strings"
	"testing"

	"base-docker-and-compose/shared/database"
)

// FuzzParseURL feeds ParseURL arbitrary strings. Whatever comes in, it must not panic; an
// error must name DATABASE_URL and never show a password; a result must name a driver.
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
			if pw := password(raw); len(pw) >= 4 && strings.Contains(err.Error(), pw) && !strings.Contains(database.Redact(raw), pw) {
				t.Errorf("ParseURL(%q): error %q shows the password %q", raw, err, pw)
			}
			return
		}
		if src.Driver != "sqlite3" && src.Driver != "postgres" {
			t.Errorf("ParseURL(%q) = driver %q", raw, src.Driver)
		}
	})
}

// password is what sits between "user:" and "@" in a URL-looking string, if anything.
func password(raw string) string {
	_, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return ""
	}
	userinfo, _, ok := strings.Cut(rest, "@")
	if !ok {
		return ""
	}
	_, pw, _ := strings.Cut(userinfo, ":")
	return pw
}
