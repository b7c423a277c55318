package database

import (
	"fmt"
	"net/url"
	"os"
	"strings"
)

// WithPasswordFile returns a postgres:// DATABASE_URL with the password that file holds (its
// last line break dropped) in place of any the URL has. A Compose or Swarm secret is such a
// file: unlike an environment variable, it shows in neither `docker inspect` nor the
// process's environment. The error says what is wrong, for the caller to name the variable.
func WithPasswordFile(rawURL, file string) (string, error) {
	u, ok := parse(rawURL)
	if !ok || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return rawURL, fmt.Errorf("needs a postgres:// DATABASE_URL to put the password in")
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return rawURL, fmt.Errorf("cannot read the password: %w", err)
	}
	password := strings.TrimRight(string(data), "\r\n")
	if password == "" {
		return rawURL, fmt.Errorf("the file is empty")
	}
	u.User = url.UserPassword(u.User.Username(), password)
	return u.String(), nil
}
