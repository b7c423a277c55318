package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// The course shows only what its tests recorded. truth finds what would break that promise
// in the pages and in the comments of the stages and the shared module:
//
//   - a marker that is not filled (no closing marker, or a name it cannot read);
//   - a capture that no page shows, or a floor capture with no current one;
//   - a block of command output (```console, ```text, ```output) outside a capture marker;
//   - a quoted error message (a `code span` or "quote" with a word such as error, failed,
//     denied, not found) that is in no capture: quote a capture, or show one;
//   - an approximate figure ("about 840 MB", "~5 s") that neither docs/benchmarks.md nor
//     a capture gives;
//   - on a learner's page (a stage README, a lesson doc), a word of how the course is tested:
//     the learner reads what to type and what they see; contributors read docs/testing.md.
//
// Each problem is "file:line: what is wrong; what to do".

// benchmarksPage is where measured figures come from; the truth check reads it as a source.
const benchmarksPage = "docs/benchmarks.md"

var (
	// errorWords mark a quote as an error message or a command's complaint.
	errorWords = regexp.MustCompile(`(?i)\b(error|errors|fail|fails|failed|failure|denied|not found|no such|refused|cannot|can't|unknown|invalid|undefined|incompatible|unable|timed out|did not answer|not allowed|exited|panic|does not exist|not exist|permission|warning|exit code|exit status|killed|is missing|required)\b`)
	// quoted is a code span or a double-quoted text, straight or curly.
	quoted = regexp.MustCompile("`([^`\n]+)`|\"([^\"\n]+)\"|“([^”\n]+)”")
	// outputFence opens a fenced block that shows a command's output.
	outputFence = regexp.MustCompile("^```(console|text|output|shell-session)\\s*$")
	// approximate is a figure given as about so much: it must be a measured one.
	approximate = regexp.MustCompile(`(?i)\b(about|around|roughly|nearly|approximately|almost|~)\s*(\d[\d.,]*)\s*(MB|MiB|GB|GiB|KB|KiB|kB|ms|s|seconds?|minutes?|min|req/s|%)`)
	// ellipsis separates the parts of a shortened quote.
	ellipsis = regexp.MustCompile(`\s*(…|\.\.\.)\s*`)
	// testerTalk is how the course's tests and test machines are spoken of: "the seed" is the
	// Python tutorial the course is ported from (`seed_db`, the command, is the learner's).
	testerTalk = regexp.MustCompile(`(?i)\bfloor\b|\bthe seed\b|\bseed's\b|\bstand-ins?\b|\be2e\b|\bend-to-end\b|\b(the|our|these|its|their) tests\b|\brecorded by\b|\btest log\b|\bmake test\b|^#+ Tests\s*$`)
)

// lessonDocs are the pages besides the stage READMEs that a learner reads.
var lessonDocs = []string{"docs/README.md", "docs/troubleshooting.md", "docs/profiling.md",
	"docs/waiting-for-the-database.md", "docs/cleanup.md"}

func truth(root string, course []stage, list listFiles) ([]string, error) {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	captures, err := readCaptures(root)
	if err != nil {
		return nil, err
	}
	benchmarks, err := os.ReadFile(filepath.Join(root, benchmarksPage))
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	var evidence strings.Builder
	for _, text := range captures {
		evidence.WriteString(squash(text) + "\n")
	}
	figures := squash(string(benchmarks))

	// Markers, and the captures each page shows.
	shows := map[string]string{} // capture folder -> the page that shows it
	for _, s := range course {
		shows[s.Dir] = filepath.Join(s.Dir, "README.md")
	}
	for page, dir := range pages {
		shows[dir] = page
	}
	shown := map[string]bool{} // "<folder>/<name>"
	for dir, page := range shows {
		text, err := os.ReadFile(filepath.Join(root, page))
		if os.IsNotExist(err) {
			continue
		} else if err != nil {
			return nil, err
		}
		filled := section.FindAllSubmatchIndex(text, -1)
		for _, m := range anyMarker.FindAllIndex(text, -1) {
			ok := slices.ContainsFunc(filled, func(f []int) bool { return f[0] == m[0] })
			if !ok {
				add("%s:%d: %s is never filled: it needs a closing <!-- /stages --> and a name of a-z, 0-9, _ and -",
					page, lineAt(text, m[0]), text[m[0]:m[1]])
			}
		}
		for _, f := range filled {
			if string(text[f[4]:f[5]]) == "capture" {
				shown[dir+"/"+string(text[f[6]:f[7]])] = true
			}
		}
	}
	for name := range captures {
		dir, file := filepath.Split(name)
		key := strings.TrimSuffix(filepath.Join(dir, file), ".txt")
		if rest, isFloor := strings.CutPrefix(key, "floor/"); isFloor {
			if _, ok := captures[rest+".txt"]; !ok {
				add("%s/%s: a floor capture with no current one (%s/%s.txt): delete it, or run make docs", capturedDir, name, capturedDir, rest)
			}
			continue
		}
		page, known := shows[filepath.Dir(key)]
		switch {
		case !known:
			add("%s/%s: no stage or page has the folder %s: move it, or delete it", capturedDir, name, filepath.Dir(key))
		case !shown[key]:
			add("%s/%s: no page shows it: add <!-- stages:capture %s --><!-- /stages --> to %s, or delete the capture and its test",
				capturedDir, name, filepath.Base(key), page)
		}
	}

	// Quotes, output blocks and figures in every page; quotes in comments.
	files, err := list(root)
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		path := filepath.Join(root, f)
		switch {
		case strings.HasSuffix(f, ".md") && f != benchmarksPage:
			text, err := os.ReadFile(path)
			if err != nil {
				return nil, err
			}
			for _, p := range checkPage(text, evidence.String(), figures) {
				add("%s:%s", f, p)
			}
			if slices.Contains(lessonDocs, f) || (isStageFile(f, course) && filepath.Base(f) == "README.md") {
				for _, p := range testerTalkIn(text) {
					add("%s:%s", f, p)
				}
			}
		case commentStyle(f) != "" && (isStageFile(f, course) || strings.HasPrefix(f, "shared/")):
			style := commentStyle(f)
			text, err := os.ReadFile(path)
			if err != nil {
				return nil, err
			}
			for i, line := range strings.Split(string(text), "\n") {
				_, comment, ok := strings.Cut(line, style)
				if !ok {
					continue
				}
				for _, q := range unfoundQuotes(comment, evidence.String()) {
					add("%s:%d: the comment quotes %q, which no capture shows: quote a capture, or say it without quoting", f, i+1, q)
				}
			}
		}
	}
	slices.Sort(problems)
	return problems, nil
}

// checkPage returns the problems of one page as "line: problem".
func checkPage(text []byte, evidence, benchmarks string) []string {
	var problems []string
	inFence := false
	for i, line := range written(text) {
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(trimmed, "```"):
			if !inFence && outputFence.MatchString(trimmed) {
				problems = append(problems, fmt.Sprintf("%d: a block of output outside a capture marker: show a capture (<!-- stages:capture NAME -->)", i+1))
			}
			inFence = !inFence
			continue
		case inFence:
			continue
		}
		for _, q := range unfoundQuotes(line, evidence) {
			problems = append(problems, fmt.Sprintf("%d: %q is quoted as an error or output, and no capture shows it: quote a capture, or show one", i+1, q))
		}
		for _, m := range approximate.FindAllStringSubmatch(line, -1) {
			figure := m[2] + " " + m[3]
			if !strings.Contains(benchmarks, figure) && !strings.Contains(evidence, figure) {
				problems = append(problems, fmt.Sprintf("%d: %q is a figure that neither %s nor a capture gives: link the measured one, or leave it out", i+1, m[0], benchmarksPage))
			}
		}
	}
	return problems
}

// written returns a page's lines with those of its generated sections (markers included)
// blanked, so that line numbers stay the page's.
func written(text []byte) []string {
	lines := strings.Split(string(text), "\n")
	generated := false
	for i, line := range lines {
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(trimmed, "<!-- stages:"):
			generated = true
		case trimmed == "<!-- /stages -->":
			generated = false
		case !generated:
			continue
		}
		lines[i] = ""
	}
	return lines
}

// testerTalkIn returns the lines of a learner's page, generated sections aside, that speak
// of how the course is tested, as "line: problem".
func testerTalkIn(text []byte) []string {
	var problems []string
	for i, line := range written(text) {
		if m := testerTalk.FindString(line); m != "" {
			problems = append(problems, fmt.Sprintf("%d: %q speaks of how the course is tested, on a learner's page: say what the learner types and sees, and put what contributors need in docs/testing.md", i+1, m))
		}
	}
	return problems
}

// unfoundQuotes returns the quotes in text that look like error messages and are in no capture.
// A quote shortened with an ellipsis is found when each of its parts is.
func unfoundQuotes(text, evidence string) []string {
	var missing []string
	for _, m := range quoted.FindAllStringSubmatch(text, -1) {
		q := m[1] + m[2] + m[3]
		if !errorWords.MatchString(q) {
			continue
		}
		for _, part := range ellipsis.Split(q, -1) {
			part = squash(strings.Trim(part, " .,;:"))
			if len(part) >= 4 && !strings.Contains(evidence, part) {
				missing = append(missing, q)
				break
			}
		}
	}
	return missing
}

// readCaptures returns every capture's text, keyed by its path below capturedDir.
func readCaptures(root string) (map[string]string, error) {
	captures := map[string]string{}
	dir := filepath.Join(root, capturedDir)
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".txt") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		captures[filepath.ToSlash(rel)] = string(data)
		return nil
	})
	if os.IsNotExist(err) {
		return captures, nil
	}
	return captures, err
}

// commentStyle is what starts a comment in file, or "" for a file whose comments are not
// checked.
func commentStyle(file string) string {
	base := filepath.Base(file)
	switch {
	case filepath.Ext(base) == ".go":
		return "//"
	case strings.HasPrefix(base, "Dockerfile"), base == ".dockerignore",
		slices.Contains([]string{".sh", ".yaml", ".yml", ".template"}, filepath.Ext(base)):
		return "#"
	}
	return ""
}

func isStageFile(file string, course []stage) bool {
	return slices.ContainsFunc(course, func(s stage) bool { return strings.HasPrefix(file, s.Dir+"/") })
}

// squash collapses every run of white space to one space, so that a quote wrapped over two
// lines of a page still matches the capture.
func squash(s string) string { return strings.Join(strings.Fields(s), " ") }

func lineAt(text []byte, offset int) int { return bytes.Count(text[:offset], []byte("\n")) + 1 }
