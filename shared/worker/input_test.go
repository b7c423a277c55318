package worker

import (
	"maps"
	"strings"
	"testing"
)

func TestInputValidate(t *testing.T) {
	ok := Input{Name: "Ada Lovelace", Email: "ada@example.com", Role: "engineer"}
	long := strings.Repeat("é", MaxFieldLength+1)
	tests := []struct {
		name string
		in   Input
		want []string // the bad fields
	}{
		{"valid", ok, nil},
		{"every dummy", Dummies()[3].input(), nil},
		{"name at the limit", Input{strings.Repeat("é", MaxFieldLength), ok.Email, ok.Role}, nil},
		{"empty", Input{}, []string{"email", "name", "role"}},
		{"blank name", Input{" \t", ok.Email, ok.Role}, []string{"name"}},
		{"name too long", Input{long, ok.Email, ok.Role}, []string{"name"}},
		{"role too long", Input{ok.Name, ok.Email, long}, []string{"role"}},
		{"email without @", Input{ok.Name, "ada.example.com", ok.Role}, []string{"email"}},
		{"email with a display name", Input{ok.Name, "Ada <ada@example.com>", ok.Role}, []string{"email"}},
		{"email with spaces around", Input{ok.Name, " ada@example.com", ok.Role}, []string{"email"}},
		{"email too long", Input{ok.Name, strings.Repeat("a", MaxFieldLength) + "@example.com", ok.Role}, []string{"email"}},
		{"blank role and bad email", Input{ok.Name, "ada@", ""}, []string{"email", "role"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := tt.in.Validate()
			got := []string{}
			for _, f := range []string{"email", "name", "role"} {
				if _, ok := bad[f]; ok {
					got = append(got, f)
				}
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") || len(bad) != len(tt.want) {
				t.Errorf("Validate(%+v) = %v, want problems with %v", tt.in, bad, tt.want)
			}
			if tt.want == nil && bad != nil {
				t.Errorf("Validate(%+v) = %v, want nil", tt.in, bad)
			}
			for f, problem := range maps.All(bad) {
				if problem == "" {
					t.Errorf("field %s: no word of what is wrong", f)
				}
			}
		})
	}
}

func (w Worker) input() Input { return Input{Name: w.Name, Email: w.Email, Role: w.Role} }
