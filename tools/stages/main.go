// Command stages knows the course's stages and keeps them and their lessons consistent:
//
//	go run ./tools/stages check   fail when two consecutive stages differ in a file the later
//	                              one does not declare (go.mod's module line aside), when a
//	                              page shows what no test recorded (truth.go), when a stage
//	                              page is not lesson first (structure.go), or when a
//	                              stage README's generated sections are stale
//	go run ./tools/stages docs    rewrite the generated sections of the stage READMEs: the
//	                              file list, the diff against the previous stage, and the
//	                              output the e2e tests captured
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
	if len(args) != 1 || (args[0] != "check" && args[0] != "docs") {
		return errors.New("usage: stages check|docs")
	}
	top, err := gitOutput(".", "rev-parse", "--show-toplevel")
	if err != nil {
		return err
	}
	root := strings.TrimSpace(top)
	want, err := docs(root, stages, gitFiles)
	if err != nil {
		return err
	}
	if args[0] == "docs" {
		written, err := writeDocs(root, want)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "rewrote %d stage READMEs %s\n", len(written), describe(written))
		return nil
	}

	problems, err := check(root, stages, gitFiles)
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		return fmt.Errorf("%d stage differences that no stage declares:\n  %s", len(problems), strings.Join(problems, "\n  "))
	}
	misordered, err := structure(root, stages)
	if err != nil {
		return err
	}
	if len(misordered) > 0 {
		return fmt.Errorf("%d places where a stage page is not lesson first:\n  %s", len(misordered), strings.Join(misordered, "\n  "))
	}
	untrue, err := truth(root, stages, gitFiles)
	if err != nil {
		return err
	}
	if len(untrue) > 0 {
		return fmt.Errorf("%d places where a page or comment shows what no test recorded:\n  %s", len(untrue), strings.Join(untrue, "\n  "))
	}
	stale, err := staleDocs(root, want)
	if err != nil {
		return err
	}
	if len(stale) > 0 {
		return fmt.Errorf("stale generated sections in %s: run `make docs`", describe(stale))
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
