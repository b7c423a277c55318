package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"
)

// Generated sections of a stage README sit between markers:
//
//	<!-- stages:files -->        the stage's files, each marked new or changed
//	<!-- stages:diff -->         the unified diff against the previous stage
//	<!-- stages:capture NAME --> a command's output captured by the e2e tests
//	                             (docs/captured/<stage>/NAME.txt)
//	<!-- stages:nav -->          links to the previous and the next stage
//
// each closed by <!-- /stages -->. What is between them is rewritten; the rest is prose.
var section = regexp.MustCompile(`(?s)(<!-- stages:(files|diff|capture|nav) ?([a-z0-9_-]*) -->\n).*?(<!-- /stages -->)`)

// anyMarker finds every opening marker, well formed or not (to the end of its line when it
// is not closed), for the check that each is filled.
var anyMarker = regexp.MustCompile(`(?m)<!-- stages:.*?(?:-->|$)`)

// capturedDir holds the captured outputs, one folder per stage, relative to the root.
// Its floor/ folder holds, in the same layout, what the floor Docker printed where that
// differs from the current Docker's output (e2e/capture_test.go).
const capturedDir = "docs/captured"

// olderDocker names the floor toolchain (.ci/docker-toolchains.env) as a learner knows it:
// by its versions. The pages never call it the floor.
const olderDocker = "Docker Engine 26.1, Compose 2.26 and buildx 0.13"

// pages are the course's other pages with captured output: path, and the folder of
// docs/captured their captures are in.
var pages = map[string]string{
	"docs/troubleshooting.md": "troubleshooting",
	"docs/profiling.md":       "profiling",
	"docs/cleanup.md":         "cleanup",
}

// docs returns each stage README, and each page, as it should be, keyed by path relative
// to root, with every generated section filled in.
func docs(root string, course []stage, list listFiles) (map[string][]byte, error) {
	out := map[string][]byte{}
	for i, s := range course {
		var prev, next *stage
		if i > 0 {
			prev = &course[i-1]
		}
		if i+1 < len(course) {
			next = &course[i+1]
		}
		path := filepath.Join(s.Dir, "README.md")
		text, err := fill(root, path, s, prev, next, list)
		if err != nil {
			return nil, err
		}
		out[path] = text
	}
	for path, captures := range pages {
		if _, err := os.Stat(filepath.Join(root, path)); errors.Is(err, os.ErrNotExist) {
			continue // a course without this page (the tests' trees)
		}
		text, err := fill(root, path, stage{Dir: captures}, nil, nil, list)
		if err != nil {
			return nil, err
		}
		out[path] = text
	}
	return out, nil
}

// fill fills the generated sections of the file at path for stage s.
func fill(root, path string, s stage, prev, next *stage, list listFiles) ([]byte, error) {
	text, err := os.ReadFile(filepath.Join(root, path))
	if err != nil {
		return nil, err
	}
	var fillErr error
	filled := section.ReplaceAllFunc(text, func(m []byte) []byte {
		parts := section.FindSubmatch(m)
		body, err := generate(root, s, prev, next, string(parts[2]), string(parts[3]), list)
		if err != nil && fillErr == nil {
			fillErr = fmt.Errorf("%s: %w", path, err)
		}
		return slices.Concat(parts[1], body, parts[4])
	})
	return filled, fillErr
}

// generate makes the body of one section.
func generate(root string, s stage, prev, next *stage, kind, name string, list listFiles) ([]byte, error) {
	switch kind {
	case "nav":
		return navigation(prev, next), nil
	case "files":
		return fileList(root, s, prev, list)
	case "diff":
		if prev == nil {
			return nil, errors.New("the first stage has no previous stage to diff against")
		}
		return stageDiff(root, *prev, s, list)
	default: // capture
		data, err := os.ReadFile(filepath.Join(root, capturedDir, s.Dir, name+".txt"))
		if err != nil {
			return nil, fmt.Errorf("<!-- stages:capture %s --> names no capture: %w (the e2e tests write it: make docs; or fix the name)", name, err)
		}
		body := fmt.Appendf(nil, "```console\n%s```\n", data)
		floor, err := os.ReadFile(filepath.Join(root, capturedDir, "floor", s.Dir, name+".txt"))
		if err == nil {
			// What an older Docker prints differently is a note the learner opens if it is
			// theirs, not a second block to read through.
			body = fmt.Appendf(body, "\n<details>\n<summary>On an older Docker (%s), this prints</summary>\n\n```console\n%s```\n\n</details>\n", olderDocker, floor)
		} else if !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		return body, nil
	}
}

// fileList is the first stage's files, or the files a later stage's lesson added, changed or
// removed (its README aside), each marked with what the lesson did to it.
func fileList(root string, s stage, prev *stage, list listFiles) ([]byte, error) {
	files, err := list(filepath.Join(root, s.Dir))
	if err != nil {
		return nil, err
	}
	var prevFiles []string
	if prev != nil {
		if prevFiles, err = list(filepath.Join(root, prev.Dir)); err != nil {
			return nil, err
		}
	}
	sort.Strings(files)
	var b bytes.Buffer
	b.WriteString("```tree\n" + s.Dir + "/\n")
	for _, f := range files {
		note := ""
		switch {
		case prev == nil:
		case !slices.Contains(prevFiles, f):
			note = "  (new)"
		case slices.Contains(s.Changes, f) && f != "README.md":
			if same, _ := sameFile(filepath.Join(root, prev.Dir, f), filepath.Join(root, s.Dir, f)); !same {
				note = "  (changed)"
			}
		}
		if prev != nil && note == "" {
			continue // the same as in the previous stage
		}
		fmt.Fprintf(&b, "  %s%s\n", f, note)
	}
	if prev != nil {
		for _, f := range prevFiles {
			if !slices.Contains(files, f) {
				fmt.Fprintf(&b, "  %s  (removed)\n", f)
			}
		}
	}
	b.WriteString("```\n")
	return b.Bytes(), nil
}

// stageDiff is `diff -u` of every file but README.md between two stages, in a diff block.
func stageDiff(root string, prev, next stage, list listFiles) ([]byte, error) {
	prevFiles, nextFiles, all, err := pairFiles(root, prev, next, list)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString("```diff\n")
	for _, f := range all {
		if f == "README.md" {
			continue
		}
		a, z := filepath.Join(root, prev.Dir, f), filepath.Join(root, next.Dir, f)
		aLabel, zLabel := prev.Dir+"/"+f, next.Dir+"/"+f
		if !slices.Contains(prevFiles, f) {
			a, aLabel = os.DevNull, os.DevNull
		}
		if !slices.Contains(nextFiles, f) {
			z, zLabel = os.DevNull, os.DevNull
		}
		cmd := exec.Command("diff", "-u", "--label", aLabel, "--label", zLabel, a, z)
		out, err := cmd.Output()
		var exit *exec.ExitError
		if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 1) { // 1: the files differ
			return nil, fmt.Errorf("diff %s: %w", f, err)
		}
		b.Write(out)
	}
	b.WriteString("```\n")
	return b.Bytes(), nil
}

// staleDocs returns the READMEs whose generated sections are not what docs makes.
func staleDocs(root string, want map[string][]byte) ([]string, error) {
	var stale []string
	for path, text := range want {
		have, err := os.ReadFile(filepath.Join(root, path))
		if err != nil {
			return nil, err
		}
		if !bytes.Equal(have, text) {
			stale = append(stale, path)
		}
	}
	sort.Strings(stale)
	return stale, nil
}

// writeDocs writes the READMEs that changed and returns their paths.
func writeDocs(root string, want map[string][]byte) ([]string, error) {
	stale, err := staleDocs(root, want)
	if err != nil {
		return nil, err
	}
	for _, path := range stale {
		if err := os.WriteFile(filepath.Join(root, path), want[path], 0o644); err != nil {
			return nil, err
		}
	}
	return stale, nil
}

// describe is for messages: "a, b and c".
func describe(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// navigation links the previous and the next stage, and says what the next one adds.
func navigation(prev, next *stage) []byte {
	var parts []string
	if prev != nil {
		parts = append(parts, fmt.Sprintf("**Previous:** [%s](../%s/README.md)", prev.Title, prev.Dir))
	}
	if next != nil {
		parts = append(parts, fmt.Sprintf("**Next:** [%s](../%s/README.md) adds %s.", next.Title, next.Dir, next.Adds))
	} else {
		parts = append(parts, "This is the last stage: [the course](../README.md) lists them all.")
	}
	// Every stage leaves containers, volumes and images behind; the way out is one link away.
	parts = append(parts, "**Done for now?** [Clean up](../docs/cleanup.md) what the course made.")
	for i := range parts {
		parts[i] = wrap(parts[i], pageWidth)
	}
	return []byte(strings.Join(parts, " ·\n") + "\n")
}

// pageWidth is how wide the pages' lines are (the markdown lint's MD013, .markdownlint-cli2.jsonc).
const pageWidth = 98 // and " ·" after a part

// wrap breaks s into lines of at most width characters, between words.
func wrap(s string, width int) string {
	var b strings.Builder
	line := 0
	for i, w := range strings.Fields(s) {
		switch {
		case i == 0:
		case line+1+utf8.RuneCountInString(w) > width:
			b.WriteString("\n")
			line = 0
		default:
			b.WriteString(" ")
			line++
		}
		b.WriteString(w)
		line += utf8.RuneCountInString(w)
	}
	return b.String()
}
