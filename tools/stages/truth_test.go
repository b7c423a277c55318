package main

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

// benchPage is docs/benchmarks.md as make bench writes it, around body.
func benchPage(body string) string {
	sum := sha256.Sum256([]byte(body))
	return benchTitle + benchHeader + hex.EncodeToString(sum[:]) + " -->\n" + body
}

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
		}, `a/README.md:1: "permission denied" is quoted as output or an error, and no capture shows it`},
		{"a quote that is no error", map[string]string{
			"a/README.md": "The `depends_on` key and \"service_healthy\".\n",
		}, ""},
		{"output typed by hand", map[string]string{
			"a/README.md": "Run it:\n\n```console\n$ app ready\ndatabase is ready\n```\n",
		}, "a/README.md:3: a block of output (console) outside a capture marker"},
		{"commands are not output", map[string]string{
			"a/README.md": "```sh\ndocker compose run app create_db || echo \"it failed\"\n```\n",
		}, ""},
		{"a figure typed by hand", map[string]string{
			"a/README.md":        "The image is about 840 MB.\n",
			"docs/benchmarks.md": benchPage("| dev | 910.7 MB |\n"),
		}, `a/README.md:1: "about 840 MB" is a figure that neither docs/benchmarks.md nor a capture gives`},
		{"a figure from the benchmarks", map[string]string{
			"a/README.md":        "The image is about 910.7 MB.\n",
			"docs/benchmarks.md": benchPage("| dev | 910.7 MB |\n"),
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

// TestTruthHoles is one case for each hole of issue 23 the truth check had, and for the cases
// next to each that must still pass.
func TestTruthHoles(t *testing.T) {
	course := []stage{{Dir: "a"}}
	bench := benchPage("| dev | 28.7 MB |\n| cold | 123.3 (121.6–127.8) s |\n| p50 | 0.2 ms |\n| up | 5.03 (5.00–5.06) s |\n| list | 1243.3 MB |\n")
	capture := "<!-- stages:capture run -->\n<!-- /stages -->\n"
	run := "$ docker compose up -d --wait\n Container a-db-1 Healthy\nError response from daemon: driver failed programming external connectivity: Bind for 127.0.0.1:8080 failed: port is already allocated\n"
	tests := []struct {
		name, page, want string // want: in the one problem found; "" means none
	}{
		// Figures: "~" has no word boundary before it; every figure is checked, hedged or not.
		{"a tilde figure", "It starts in ~6 s.\n", `"~6 s" is a figure`},
		{"a tilde figure in brackets", "The dev image (~840 MB) is large.\n", `"~840 MB" is a figure`},
		{"a figure that ends another", "It is about 8.7 MB.\n", `"about 8.7 MB" is a figure`},
		{"a figure in the decimals of another", "A request costs about 2 ms.\n", `"about 2 ms" is a figure`},
		{"a figure that is the end of a larger one", "The image is about 3 MB.\n", `"about 3 MB" is a figure`},
		{"an unhedged figure", "`docker stop` takes 10 seconds.\n", `"10 seconds" is a figure`},
		{"a bound", "It answers in under 2 s.\n", `"under 2 s" is a figure`},
		{"a figure wrapped over two lines", "The image is\n28.8\nMB.\n", `"28.8 MB" is a figure`},
		{"a figure given in the benchmarks", "The image is 28.7 MB.\n", ""},
		{"a median from the benchmarks", "It took 5.03 s.\n", ""},
		{"a hedged figure rounds a measured one", "It took about 5.0 seconds, and a build about 2.1 minutes.\n", ""},
		{"a hedged figure of one digit does not round", "A build takes about two minutes.\n", `"about two minutes" is a figure`},
		{"a bound does not round", "It starts in under 5.0 s.\n", `"under 5.0 s" is a figure`},
		{"an unhedged figure does not round", "It took 5.0 seconds.\n", `"5.0 seconds" is a figure`},
		{"a figure in a code span is a setting", "It sets `interval: 5s`.\n", ""},
		// Quotes: every quote style, over line breaks, and any error or output of 3 words or more.
		{"a quote with no word of the old list", "The app fails with \"address already in use\".\n", `"address already in use" is quoted`},
		{"an allocated port quoted", "Docker says \"port is already\nallocated\" and \"bind: address\nalready in use\".\n", `a/README.md:2: "bind: address already in use" is quoted`},
		{"the allocated port found over a line break", "Docker says \"port is\nalready allocated\".\n", ""},
		{"a state quoted", "The container is “unhealthy”.\n", `"unhealthy" is quoted`},
		{"a state in a code span", "The container is `unhealthy`.\n", "`unhealthy` is quoted"},
		{"a timeout in single quotes", "It ends with 'context deadline exceeded'.\n", `"context deadline exceeded" is quoted`},
		{"a timeout in curly single quotes", "It ends with ‘timeout’.\n", `"timeout" is quoted`},
		{"two words of an error in a code span", "It fails with `permission denied`.\n", "`permission denied` is quoted"},
		{"a reset in a code span", "curl says `connection reset by peer`.\n", "`connection reset by peer` is quoted"},
		{"a state word quoted", "Compose prints \"Recreated\" for it.\n", `"Recreated" is quoted`},
		{"a state found in a capture", "Compose waits until the db is `Healthy`.\n", ""},
		{"output of three words", "It prints \"Container db Started\".\n", `"Container db Started" is quoted`},
		{"output found in a capture", "It prints \"Container a-db-1 Healthy\".\n", ""},
		{"a message quoted after a command word", "It stops with `exec /entrypoint.sh: no such file or directory`.\n", "`exec /entrypoint.sh: no such file or directory` is quoted"},
		{"an exit status", "`docker ps` says `exit code 137`.\n", "`exit code 137` is quoted"},
		{"a command in a code span", "Run `docker compose up --wait || echo failed`.\n", ""},
		{"a name in a code span", "Set `restart: on-failure` and test `errors.Is`.\n", ""},
		{"a section's name quoted", "## Stop, start again: the data stays\n\nAs \"Stop, start again\" and \"Before you start\" did.\n\n**Before you start:** stop it.\n", ""},
		{"a page outside the course cited", "Its [reference](https://docs.docker.com/x) says it removes \"only images that don't have a custom tag\".\n", ""},
		{"an error cited is still output", "Its [reference](https://docs.docker.com/x) says \"connection refused\".\n", `"connection refused" is quoted`},
		{"an apostrophe is no quote", "The learner's shell, the stages' files and what 'up' does.\n", ""},
		// Blocks: every fence, indented blocks, and output in a block of commands.
		{"a bare fence", "Run it:\n\n```\n$ docker ps\nCONTAINER ID\n```\n", "a/README.md:3: a block with no language (a bare fence, or indented), so a block of output, outside a capture marker"},
		{"a tilde fence", "Run it:\n\n~~~console\nok\n~~~\n", "a/README.md:3: a block of output (console)"},
		{"a json fence", "It answers:\n\n```json\n{\"id\": 1}\n```\n", "a/README.md:3: a block of output (json)"},
		{"an indented block", "It answers:\n\n    {\"id\": 1}\n", "a/README.md:3: a block with no language (a bare fence, or indented), so a block of output, outside a capture marker"},
		{"output in a sh fence", "Run it:\n\n```sh\ndocker ps\nCONTAINER ID   IMAGE\n```\n", `a line of output in a block of commands ("CONTAINER ID   IMAGE")`},
		{"a prompt in a sh fence", "Run it:\n\n```sh\n$ docker ps\n```\n", `a line of output in a block of commands ("$ docker ps")`},
		{"commands over several lines", "Run it:\n\n```sh\nPORT=8081 docker run --rm \\\n  -e X=1 app |\n  grep -c x\ncurl -d '{\n  \"name\": \"Ada\"\n}' 127.0.0.1:8080\n(cd .. && ./run.sh)\n```\n", ""},
		{"variables set from a command", "Run it:\n\n```sh\nold=$(docker image inspect --format '{{.Id}}' app)\nV=1 SHA=$(git rev-parse \"$REF\") docker buildx bake\nX='a b' cosign verify \"$old\"\n```\n", ""},
		{"output after a variable set", "Run it:\n\n```sh\nold=$(docker ps) Status: Up\n```\n", `a line of output in a block of commands ("old=$(docker ps) Status: Up")`},
		{"a folder layout and a file", "```tree\na/\n  b\n```\n\n```yaml\nservices: {}\n```\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			problems, err := truth(tree(t, map[string]string{
				"a/README.md":             tt.page + "\n" + capture,
				"docs/captured/a/run.txt": run,
				"docs/benchmarks.md":      bench,
			}), course, walk)
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

// TestBenchmarksWritten: docs/benchmarks.md is make bench's, and the check knows a hand edit.
func TestBenchmarksWritten(t *testing.T) {
	page := benchPage("| dev | 28.7 MB |\n")
	for _, tt := range []struct{ name, text, want string }{
		{"as make bench wrote it", page, ""},
		{"a figure changed by hand", strings.Replace(page, "28.7", "27.7", 1), "3: the page was changed after make bench wrote it"},
		{"no header", "# Benchmarks\n\n| dev | 28.7 MB |\n", "3: the page does not carry make bench's header"},
		{"the old header", "# Benchmarks\n\n<!-- Written by `make bench` (e2e/benchmarks_test.go); do not edit: run it again. -->\n", "3: the page does not carry make bench's header"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := benchmarksWritten([]byte(tt.text))
			if tt.want == "" && got != "" || !strings.HasPrefix(got, tt.want) {
				t.Errorf("benchmarksWritten = %q, want %q", got, tt.want)
			}
		})
	}
}
