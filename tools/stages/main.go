// Command stages knows the course's stages and checks that they stay consistent:
//
//	go run ./tools/stages check
//
// fails when two consecutive stages differ in a file the later one does not declare as
// part of its lesson (go.mod's module line aside).
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "stages: %v\n", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	if len(args) != 1 || args[0] != "check" {
		return errors.New("usage: stages check")
	}
	root, err := gitOutput(".", "rev-parse", "--show-toplevel")
	if err != nil {
		return err
	}
	problems, err := check(strings.TrimSpace(root), stages, gitFiles)
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		return fmt.Errorf("%d stage differences that no stage declares:\n  %s", len(problems), strings.Join(problems, "\n  "))
	}
	for i, s := range stages {
		if i == 0 {
			fmt.Fprintf(stdout, "ok %s\n", s.Dir)
			continue
		}
		fmt.Fprintf(stdout, "ok %s: differs from %s only in %s\n", s.Dir, stages[i-1].Dir, strings.Join(s.Changes, ", "))
	}
	return nil
}

// gitFiles lists what git tracks in dir, or would track (new files not ignored), that is
// still there: no .env, secrets or build output.
func gitFiles(dir string) ([]string, error) {
	out, err := gitOutput(dir, "ls-files", "--cached", "--others", "--exclude-standard", ".")
	if err != nil {
		return nil, err
	}
	var files []string
	for _, f := range strings.Split(strings.TrimSpace(out), "\n") {
		if _, err := os.Stat(filepath.Join(dir, f)); f != "" && err == nil {
			files = append(files, f)
		}
	}
	return files, nil
}

func gitOutput(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("git %s: %w", strings.Join(args, " "), err)
	}
	return string(out), nil
}
