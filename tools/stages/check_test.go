package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tree writes files (path: content) under a temporary root.
func tree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for path, content := range files {
		full := filepath.Join(root, path)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// walk lists a stage's files, for the tests' trees (main asks git).
func walk(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, path)
			files = append(files, rel)
		}
		return err
	})
	return files, err
}

func TestCheck(t *testing.T) {
	course := []stage{
		{Dir: "a"},
		{Dir: "b", Changes: []string{"Dockerfile", "README.md"}},
		{Dir: "c", Changes: []string{"compose.yaml"}},
	}
	base := map[string]string{
		"a/main.go": "package main\n", "a/go.mod": "module x/a\n\ngo 1.26\n", "a/README.md": "a",
		"b/main.go": "package main\n", "b/go.mod": "module x/b\n\ngo 1.26\n", "b/README.md": "b", "b/Dockerfile": "FROM x",
		"c/main.go": "package main\n", "c/go.mod": "module x/c\n\ngo 1.26\n", "c/README.md": "b", "c/Dockerfile": "FROM x", "c/compose.yaml": "services: {}",
	}
	tests := []struct {
		name   string
		change map[string]string // added to or replacing base; "" deletes
		want   []string          // each in one problem; none means no problems
	}{
		{name: "consistent", change: nil},
		{name: "fix not carried forward", change: map[string]string{"a/main.go": "package main // fixed\n", "b/main.go": "package main // fixed\n"},
			want: []string{"c/main.go differs from b/main.go"}},
		{name: "undeclared change", change: map[string]string{"c/README.md": "c"}, want: []string{"c/README.md differs from b/README.md"}},
		{name: "undeclared new file", change: map[string]string{"b/extra.go": "package main\n"}, want: []string{"b/extra.go is new", "b/extra.go is gone from c"}},
		{name: "go.mod differs beyond the module line", change: map[string]string{"c/go.mod": "module x/c\n\ngo 1.27\n"}, want: []string{"c/go.mod differs"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{}
			for k, v := range base {
				files[k] = v
			}
			for k, v := range tt.change {
				files[k] = v
			}
			problems, err := check(tree(t, files), course, walk)
			if err != nil {
				t.Fatal(err)
			}
			if len(problems) != len(tt.want) {
				t.Fatalf("problems = %q, want %d matching %q", problems, len(tt.want), tt.want)
			}
			for i, want := range tt.want {
				if !strings.Contains(problems[i], want) {
					t.Errorf("problem %d = %q, want it to contain %q", i, problems[i], want)
				}
			}
		})
	}
}
