package main

import (
	"strings"
	"testing"
)

func TestTruth(t *testing.T) {
	course := []stage{{Dir: "a"}}
	tests := []struct {
		name  string
		files map[string]string
		want  string // in the one problem found; "" means none
	}{
		{"a filled marker and a capture it shows", map[string]string{
			"a/README.md":                   "<!-- stages:capture create_db -->\nx\n<!-- /stages -->\n",
			"docs/captured/a/create_db.txt": "$ app create_db\n",
		}, ""},
		{"a marker with no closing marker", map[string]string{
			"a/README.md": "<!-- stages:capture up -->\nx\n",
		}, "a/README.md:1: <!-- stages:capture up --> is never filled"},
		{"a marker whose name it cannot read", map[string]string{
			"a/README.md": "text\n<!-- stages:capture Up.Now -->\n<!-- /stages -->\n",
		}, "a/README.md:2: <!-- stages:capture Up.Now --> is never filled"},
		{"a marker with no end", map[string]string{
			"a/README.md": "<!-- stages:capture up\n<!-- /stages -->\n",
		}, "a/README.md:1: <!-- stages:capture up is never filled"},
		{"a capture no page shows", map[string]string{
			"a/README.md":            "prose\n",
			"docs/captured/a/ps.txt": "$ docker ps\n",
		}, "docs/captured/a/ps.txt: no page shows it: add <!-- stages:capture ps -->"},
		{"a floor capture with no current one", map[string]string{
			"a/README.md":                  "prose\n",
			"docs/captured/floor/a/ps.txt": "$ docker ps\n",
		}, "docs/captured/floor/a/ps.txt: a floor capture with no current one"},
		{"a capture folder of no stage", map[string]string{
			"a/README.md":            "prose\n",
			"docs/captured/z/ps.txt": "$ docker ps\n",
		}, "docs/captured/z/ps.txt: no stage or page has the folder z"},
		{"an error quoted from a capture, shortened", map[string]string{
			"a/README.md":             "It fails with `exec: \"entrypoint.sh\": executable file … in $PATH`.\n<!-- stages:capture run -->\n<!-- /stages -->\n",
			"docs/captured/a/run.txt": "$ docker run x\ndocker: Error: exec: \"entrypoint.sh\": executable file not found\n  in $PATH\n",
		}, ""},
		{"an error typed by hand", map[string]string{
			"a/README.md": "It fails with \"permission denied\".\n",
		}, `a/README.md:1: "permission denied" is quoted as an error or output, and no capture shows it`},
		{"a quote that is no error", map[string]string{
			"a/README.md": "The `depends_on` key and \"service_healthy\".\n",
		}, ""},
		{"output typed by hand", map[string]string{
			"a/README.md": "Run it:\n\n```console\n$ app ready\ndatabase is ready\n```\n",
		}, "a/README.md:3: a block of output outside a capture marker"},
		{"commands are not output", map[string]string{
			"a/README.md": "```sh\napp create_db || echo \"it failed\"\n```\n",
		}, ""},
		{"a figure typed by hand", map[string]string{
			"a/README.md":        "The image is about 840 MB.\n",
			"docs/benchmarks.md": "| dev | 910.7 MB |\n",
		}, `a/README.md:1: "about 840 MB" is a figure that neither docs/benchmarks.md nor a capture gives`},
		{"a figure from the benchmarks", map[string]string{
			"a/README.md":        "The image is about 910.7 MB.\n",
			"docs/benchmarks.md": "| dev | 910.7 MB |\n",
		}, ""},
		{"a stage page that speaks of the tests", map[string]string{
			"a/README.md": "What the API answers (captured by the end-to-end tests):\n",
		}, `a/README.md:1: "end-to-end" speaks of how the course is tested`},
		{"a Tests section on a stage page", map[string]string{
			"a/README.md": "## Tests\n\nIt is proven.\n",
		}, `a/README.md:1: "## Tests" speaks of how the course is tested`},
		{"the Python tutorial named on a lesson doc", map[string]string{
			"a/README.md":             "prose\n",
			"docs/troubleshooting.md": "As the seed's entrypoint had it.\n",
		}, `docs/troubleshooting.md:1: "the seed" speaks of how the course is tested`},
		{"the older Docker called the floor", map[string]string{
			"a/README.md": "On the floor it prints something else.\n",
		}, `a/README.md:1: "floor" speaks of how the course is tested`},
		{"the learner's seed_db, a seeded API, and tests in contributors' docs", map[string]string{
			"a/README.md":           "Run `app seed_db`: the API serves seeded workers.\n<!-- stages:capture t -->\nthe tests\n<!-- /stages -->\n",
			"docs/captured/a/t.txt": "$ x\n",
			"docs/testing.md":       "The end-to-end tests run on the floor.\n",
		}, ""},
		{"an error quoted in a Dockerfile comment", map[string]string{
			"a/Dockerfile":            "# without it the build stops with \"undefined: sqlite3.Errno\"\nFROM scratch\n",
			"docs/captured/a/cgo.txt": "undefined: sqlite3.Error\n",
			"a/README.md":             "<!-- stages:capture cgo -->\n<!-- /stages -->\n",
		}, `a/Dockerfile:1: the comment quotes "undefined: sqlite3.Errno", which no capture shows`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			problems, err := truth(tree(t, tt.files), course, walk)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tt.want == "" && len(problems) > 0:
				t.Errorf("problems %q, want none", problems)
			case tt.want != "" && (len(problems) != 1 || !strings.Contains(problems[0], tt.want)):
				t.Errorf("problems %q, want one containing %q", problems, tt.want)
			}
		})
	}
}
