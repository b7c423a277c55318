package main

import (
	"strings"
	"testing"
)

const goodPage = `# Stage 02: dockerizing

**Goal:** an image.

## What you will learn

- [Dockerfiles](https://docs.docker.com/reference/dockerfile/)
- [The build cache](https://docs.docker.com/build/cache/)
- [Networks](https://docs.docker.com/engine/network/)

` + "```mermaid\nflowchart LR\n  a --> b\n```" + `

## Run it

The lesson.

## Pitfalls at this stage

- one

## Break it and see

### One

### Two

## The files

<!-- stages:files -->
<!-- /stages -->

<!-- stages:diff -->
<!-- /stages -->

<!-- stages:nav -->
<!-- /stages -->
`

func TestPageStructure(t *testing.T) {
	tests := []struct {
		name string
		edit func(string) string
		want string // in a problem; "" means none
	}{
		{"lesson first", func(s string) string { return s }, ""},
		{"the diff before the lesson", func(s string) string {
			return strings.Replace(strings.Replace(s, "<!-- stages:diff -->\n<!-- /stages -->\n", "", 1),
				"## Run it", "<!-- stages:diff -->\n<!-- /stages -->\n\n## Run it", 1)
		}, "<!-- stages:diff --> comes before"},
		{"no navigation", func(s string) string { return strings.Replace(s, "<!-- stages:nav -->\n<!-- /stages -->\n", "", 1) },
			"<!-- stages:nav --> is missing"},
		{"text after the navigation", func(s string) string { return s + "\nMore.\n" },
			"the navigation (<!-- stages:nav -->) is not the last thing"},
		{"a bullet with no link", func(s string) string {
			return strings.Replace(s, "- [Networks](https://docs.docker.com/engine/network/)", "- Networks", 1)
		}, `"- Networks" links no docs page`},
		{"a bullet wrapped, its link on its second line", func(s string) string {
			return strings.Replace(s, "- [Networks](https://docs.docker.com/engine/network/)", "- Networks of your own:\n  [Networks](https://docs.docker.com/engine/network/)", 1)
		}, ""},
		{"a bullet wrapped with no link", func(s string) string {
			return strings.Replace(s, "- [Networks](https://docs.docker.com/engine/network/)", "- Networks\n  of your own", 1)
		}, `"- Networks of your own" links no docs page`},
		{"one exercise", func(s string) string { return strings.Replace(s, "### Two\n", "", 1) },
			"break it and see has 1 exercises"},
		{"no exercises", func(s string) string { return strings.Replace(s, "## Break it and see", "## More", 1) },
			"## Break it and see is missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			problems := pageStructure(tt.edit(goodPage), false)
			got := strings.Join(problems, "\n")
			if tt.want == "" && len(problems) > 0 || tt.want != "" && !strings.Contains(got, tt.want) {
				t.Errorf("problems:\n%s\nwant one containing %q", got, tt.want)
			}
		})
	}
}
