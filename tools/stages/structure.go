package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// A stage page is lesson first. structure returns what breaks that order in a stage README:
//
//	# Stage NN: title, then **Goal:**            what the stage is for
//	## What you will learn                       3 to 6 bullets, each linking its docs page
//	```mermaid                                   what runs where
//	the lesson                                   run it, captured output, each new line and why
//	## Pitfalls…                                 the mistakes to avoid
//	## Break it and see                          2 to 4 exercises (### each), their failures captured
//	<!-- stages:files -->, <!-- stages:diff -->  the generated list of changed files, and the diff
//	<!-- stages:nav -->                          previous and next stage, last on the page
func structure(root string, course []stage) ([]string, error) {
	var problems []string
	for i, s := range course {
		path := filepath.Join(s.Dir, "README.md")
		text, err := os.ReadFile(filepath.Join(root, path))
		if err != nil {
			return nil, err
		}
		for _, p := range pageStructure(string(text), i == 0) {
			problems = append(problems, path+": "+p)
		}
	}
	return problems, nil
}

var (
	bullet = regexp.MustCompile(`^[-*] `)
	link   = regexp.MustCompile(`\]\(https?://[^)]+\)`)
)

// pageStructure returns the problems of one stage page; the first stage has no diff.
func pageStructure(text string, first bool) []string {
	lines := strings.Split(text, "\n")
	find := func(pred func(string) bool) int {
		for i, l := range lines {
			if pred(l) {
				return i
			}
		}
		return -1
	}
	heading := func(prefix string) int {
		return find(func(l string) bool { return strings.HasPrefix(l, prefix) })
	}
	parts := []struct {
		name string
		at   int
	}{
		{"the **Goal:**", heading("**Goal:**")},
		{"## What you will learn", heading("## What you will learn")},
		{"the ```mermaid diagram", heading("```mermaid")},
		{"## Pitfalls", heading("## Pitfalls")},
		{"## Break it and see", heading("## Break it and see")},
		{"<!-- stages:files -->", heading("<!-- stages:files -->")},
		{"<!-- stages:diff -->", heading("<!-- stages:diff -->")},
		{"<!-- stages:nav -->", heading("<!-- stages:nav -->")},
	}
	var problems []string
	last := -1
	lastName := "the title"
	for _, p := range parts {
		switch {
		case first && p.name == "<!-- stages:diff -->" && p.at < 0:
		case p.at < 0:
			problems = append(problems, fmt.Sprintf("%s is missing", p.name))
		case p.at < last:
			problems = append(problems, fmt.Sprintf("line %d: %s comes before %s: the order is goal, what you will learn, diagram, lesson, pitfalls, break it and see, files, diff, navigation", p.at+1, p.name, lastName))
		default:
			last, lastName = p.at, p.name
		}
	}
	if !strings.HasPrefix(lines[0], "# Stage ") {
		problems = append(problems, "line 1: a stage page starts with # Stage NN: its title")
	}

	// What you will learn: 3 to 6 bullets, each with a link.
	if at := heading("## What you will learn"); at >= 0 {
		// A bullet goes on over the indented lines below it.
		var items []string
		inItem := false
		for _, l := range lines[at+1:] {
			if strings.HasPrefix(l, "#") {
				break
			}
			switch {
			case bullet.MatchString(l):
				items, inItem = append(items, l), true
			case inItem && strings.HasPrefix(l, "  ") && strings.TrimSpace(l) != "":
				items[len(items)-1] += " " + strings.TrimSpace(l)
			default:
				inItem = false
			}
		}
		n := len(items)
		for _, item := range items {
			if !link.MatchString(item) {
				problems = append(problems, fmt.Sprintf("what you will learn: %q links no docs page", item))
			}
		}
		if n < 3 || n > 6 {
			problems = append(problems, fmt.Sprintf("what you will learn has %d bullets, want 3 to 6", n))
		}
	}
	// Break it and see: 2 to 4 exercises.
	if at := heading("## Break it and see"); at >= 0 {
		n := 0
		for _, l := range lines[at+1:] {
			if strings.HasPrefix(l, "## ") {
				break
			}
			if strings.HasPrefix(l, "### ") {
				n++
			}
		}
		if n < 2 || n > 4 {
			problems = append(problems, fmt.Sprintf("break it and see has %d exercises (### headings), want 2 to 4", n))
		}
	}
	// The navigation ends the page.
	if at := heading("<!-- stages:nav -->"); at >= 0 {
		end := strings.Index(text, "<!-- stages:nav -->")
		closing := strings.Index(text[end:], "<!-- /stages -->")
		if closing < 0 || strings.TrimSpace(text[end+closing+len("<!-- /stages -->"):]) != "" {
			problems = append(problems, "the navigation (<!-- stages:nav -->) is not the last thing on the page")
		}
	}
	return problems
}
