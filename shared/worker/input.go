package worker

import (
	"fmt"
	"net/mail"
	"strings"
	"unicode/utf8"
)

// MaxFieldLength is the most characters a name, an email or a role may have.
const MaxFieldLength = 200

// Input is what a client sends to add a worker: the fields it may set. The database assigns
// ID and CreatedAt, so a client that sends them sends unknown fields.
type Input struct {
	Name  string `json:"name"`
	Email string `json:"email"`
	Role  string `json:"role"`
}

// Validate returns what is wrong with each bad field, keyed by its JSON name, or nil when in
// can be stored: a name and a role that are not blank, and an email that is one address
// (ada@example.com, not "Ada <ada@example.com>"), none of them over MaxFieldLength.
func (in Input) Validate() map[string]string {
	bad := map[string]string{}
	for field, value := range map[string]string{"name": in.Name, "email": in.Email, "role": in.Role} {
		switch {
		case strings.TrimSpace(value) == "":
			bad[field] = "required, and not blank"
		case utf8.RuneCountInString(value) > MaxFieldLength:
			bad[field] = fmt.Sprintf("longer than %d characters", MaxFieldLength)
		}
	}
	if _, said := bad["email"]; !said {
		if addr, err := mail.ParseAddress(in.Email); err != nil || addr.Address != in.Email {
			bad["email"] = "not an email address, such as ada@example.com"
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return bad
}
