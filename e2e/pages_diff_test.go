package e2e

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"base-docker-and-compose/e2e/harness"
)

// diffCommand finds a command the pages give for comparing two stages.
var diffCommand = regexp.MustCompile("diff -[^`\n]*")

// stageName is how a stage folder is named: 01-starting-point, …
var stageName = regexp.MustCompile(`^0[1-9]-[a-z-]+$`)

// The one diff command of the root README and docs/README.md, taken from the pages as they
// write it and run in a copy of the stages after init-env.sh has made their .env, its backup
// and secrets/, and a build has left bin/: every file a stage adds is shown in full, and no
// password and no build output is.
func TestPagesDiffShowsNewFilesAndNoSecret(t *testing.T) {
	t.Parallel()
	options := pagesDiffOptions(t, "../README.md", "../docs/README.md")

	stages := []string{"04-entrypoint", "05-env-vars", "06-profiles"}
	first := copyStage(t, stages[0])
	root := filepath.Dir(first)
	for _, stage := range stages[1:] {
		if err := os.Rename(copyStage(t, stage), filepath.Join(root, stage)); err != nil {
			t.Fatal(err)
		}
	}

	// What a learner's own runs leave in a stage folder: init-env.sh twice (the second time
	// with --force, which keeps the first files as backups), and a build in bin/.
	const built = "build output that no diff of the pages may show"
	var secrets []string
	for _, stage := range stages[1:] {
		dir := filepath.Join(root, stage)
		for _, args := range [][]string{nil, {"--force"}} {
			if r := (harness.Cmd{Dir: dir, Name: "./init-env.sh", Args: args}).Run(); r.Err != nil {
				t.Fatalf("%s/init-env.sh %v: %v\n%s", stage, args, r.Err, r.Output())
			}
			secret := stagePassword(t, dir)
			if !strongPassword.MatchString(secret) {
				t.Fatalf("%s/init-env.sh %v made the password %q, want 32 letters and digits", stage, args, secret)
			}
			secrets = append(secrets, secret)
		}
		if err := os.MkdirAll(filepath.Join(dir, "bin"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "bin", "app"), []byte(built+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}

	for _, pair := range [][2]string{{"04-entrypoint", "05-env-vars"}, {"05-env-vars", "06-profiles"}} {
		t.Run(pair[0]+"_to_"+pair[1], func(t *testing.T) {
			command := options + " " + pair[0] + " " + pair[1]
			r := harness.Cmd{Dir: root, Name: "sh", Args: []string{"-c", command}}.Run()
			// diff exits 1 when the folders differ, and 2 when it is in trouble.
			var exit *exec.ExitError
			if !errors.As(r.Err, &exit) || exit.ExitCode() != 1 {
				t.Fatalf("%s: %v, want exit status 1 (differences found)\n%s", command, r.Err, r.Stderr)
			}
			out := r.Stdout + r.Stderr
			for _, secret := range secrets {
				if strings.Contains(out, secret) {
					t.Errorf("%s prints a password that init-env.sh generated", command)
				}
			}
			if strings.Contains(out, built) {
				t.Errorf("%s prints the build output in bin/", command)
			}
			added := addedFiles(t, pair[0], pair[1])
			if len(added) == 0 {
				t.Fatalf("%s adds no file to %s; the test wants one to check -N", pair[1], pair[0])
			}
			for _, file := range added {
				data, err := os.ReadFile(filepath.Join(root, pair[1], file))
				if err != nil {
					t.Fatal(err)
				}
				for _, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
					if !strings.Contains(out, "\n+"+line+"\n") {
						t.Errorf("%s does not show the new file %s in full: no line %q", command, file, "+"+line)
						break
					}
				}
			}
		})
	}
}

// pagesDiffOptions returns the diff command the pages give, without its two folders, and
// fails unless each page gives one and every page the same.
func pagesDiffOptions(t *testing.T, pages ...string) string {
	t.Helper()
	var options string
	for _, page := range pages {
		data, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		found := diffCommand.FindAllString(string(data), -1)
		if len(found) == 0 {
			t.Fatalf("%s gives no `diff -…` command for comparing two stages", page)
		}
		for _, command := range found {
			words := strings.Fields(command)
			if len(words) < 4 || !isStage(words[len(words)-2]) || !isStage(words[len(words)-1]) {
				t.Fatalf("%s: %q does not end with two stage folders", page, command)
			}
			these := strings.Join(words[:len(words)-2], " ")
			if options == "" {
				options = these
			} else if these != options {
				t.Errorf("%s gives %q; another page gives %q: one diff command everywhere", page, these, options)
			}
		}
	}
	return options
}

// isStage says whether name is a stage folder of the course.
func isStage(name string) bool {
	info, err := os.Stat(filepath.Join("..", name, "go.mod"))
	return err == nil && !info.IsDir() && stageName.MatchString(name)
}

// stagePassword is the database password init-env.sh made last in the stage folder dir:
// the secret file where the stage has one (06), else POSTGRES_PASSWORD in .env (05).
func stagePassword(t *testing.T, dir string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "secrets", "db_password"))
	if errors.Is(err, os.ErrNotExist) {
		return envValue(t, filepath.Join(dir, ".env"), "POSTGRES_PASSWORD")
	} else if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// addedFiles lists the files, relative to the stage folder, that stage to has and stage from
// has not, among those git tracks or would track, README.md aside.
func addedFiles(t *testing.T, from, to string) []string {
	t.Helper()
	list := func(stage string) map[string]bool {
		r := harness.Cmd{Dir: "..", Name: "git", Args: []string{"ls-files", "--cached", "--others", "--exclude-standard", "--", stage}}.Run()
		if r.Err != nil {
			t.Fatalf("%v\n%s", r.Err, r.Output())
		}
		files := map[string]bool{}
		for _, file := range strings.Fields(r.Stdout) {
			if _, err := os.Stat(filepath.Join("..", file)); err == nil {
				files[strings.TrimPrefix(file, stage+"/")] = true
			}
		}
		return files
	}
	old := list(from)
	var added []string
	for file := range list(to) {
		if !old[file] && file != "README.md" {
			added = append(added, file)
		}
	}
	return added
}
