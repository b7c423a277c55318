package main

import (
	"strings"
	"testing"
)

func TestDocs(t *testing.T) {
	course := []stage{{Dir: "a"}, {Dir: "b", Changes: []string{"README.md", "Dockerfile", "main.go"}}}
	root := tree(t, map[string]string{
		"a/README.md":            "# A\n",
		"a/main.go":              "package main\n\nfunc main() {}\n",
		"b/README.md":            "# B\n\n<!-- stages:files -->\nold\n<!-- /stages -->\n\nprose\n\n<!-- stages:diff -->\n<!-- /stages -->\n\n<!-- stages:capture up -->\n<!-- /stages -->\n\n<!-- stages:nav -->\n<!-- /stages -->\n",
		"b/main.go":              "package main\n\nfunc main() { println() }\n",
		"b/Dockerfile":           "FROM scratch\n",
		"docs/captured/b/up.txt": "$ docker compose up\nready\n",
	})
	want, err := docs(root, course, walk)
	if err != nil {
		t.Fatal(err)
	}
	got := string(want["b/README.md"])
	for _, part := range []string{
		"<!-- stages:files -->\n```tree\nb/\n  Dockerfile  (new)\n  main.go  (changed)\n```\n<!-- /stages -->",
		"\nprose\n",
		"--- /dev/null\n+++ b/Dockerfile\n@@ -0,0 +1 @@\n+FROM scratch\n",
		"--- a/main.go\n+++ b/main.go\n",
		"-func main() {}\n+func main() { println() }\n",
		"<!-- stages:capture up -->\n```console\n$ docker compose up\nready\n```\n<!-- /stages -->",
		"<!-- stages:nav -->\n**Previous:** [](../a/README.md) ·\nThis is the last stage: [the course](../README.md) lists them all. ·\n**Done for now?** [Clean up](../docs/cleanup.md) what the course made.\n<!-- /stages -->",
	} {
		if !strings.Contains(got, part) {
			t.Errorf("the generated README lacks\n%s\n--- it is:\n%s", part, got)
		}
	}
	if strings.Contains(got, "README.md\n+++") {
		t.Errorf("the diff includes README.md:\n%s", got)
	}

	stale, err := staleDocs(root, want)
	if err != nil || len(stale) != 1 || stale[0] != "b/README.md" {
		t.Errorf("staleDocs before writing = %v, %v; want b/README.md", stale, err)
	}
	if _, err := writeDocs(root, want); err != nil {
		t.Fatal(err)
	}
	if stale, err := staleDocs(root, want); err != nil || len(stale) != 0 {
		t.Errorf("staleDocs after writing = %v, %v; want none", stale, err)
	}
	// Writing is idempotent: generating again from the written READMEs changes nothing.
	again, err := docs(root, course, walk)
	if err != nil || string(again["b/README.md"]) != got {
		t.Errorf("a second docs run differs (%v)", err)
	}
}

func TestDocsMissingCapture(t *testing.T) {
	course := []stage{{Dir: "a"}}
	root := tree(t, map[string]string{"a/README.md": "<!-- stages:capture ps -->\n<!-- /stages -->\n"})
	if _, err := docs(root, course, walk); err == nil || !strings.Contains(err.Error(), "make docs") {
		t.Errorf("a missing capture: %v, want an error that says to run make docs", err)
	}
}

// Where the floor Docker printed something else, the page shows the current output, and the
// floor's in a collapsed note named by its versions, never "floor".
func TestDocsFloorCapture(t *testing.T) {
	course := []stage{{Dir: "a"}}
	root := tree(t, map[string]string{
		"a/README.md":                  "<!-- stages:capture up -->\n<!-- /stages -->\n<!-- stages:capture ps -->\n<!-- /stages -->\n",
		"docs/captured/a/up.txt":       "$ docker compose up\nnew text\n",
		"docs/captured/floor/a/up.txt": "$ docker compose up\nold text\n",
		"docs/captured/a/ps.txt":       "$ docker compose ps\nsame on both\n",
	})
	out, err := docs(root, course, walk)
	if err != nil {
		t.Fatal(err)
	}
	want := "<!-- stages:capture up -->\n```console\n$ docker compose up\nnew text\n```\n\n<details>\n" +
		"<summary>On an older Docker (Docker Engine 26.1, Compose 2.26 and buildx 0.13), this prints</summary>\n\n" +
		"```console\n$ docker compose up\nold text\n```\n\n</details>\n<!-- /stages -->\n" +
		"<!-- stages:capture ps -->\n```console\n$ docker compose ps\nsame on both\n```\n<!-- /stages -->\n"
	if got := string(out["a/README.md"]); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestWrap(t *testing.T) {
	got := wrap("**Next:** [The production setup on Docker Swarm](../07-swarm/README.md) adds a stack of 3 replicas behind a proxy.", 40)
	for _, line := range strings.Split(got, "\n") {
		if len([]rune(line)) > 40 {
			t.Errorf("line %q is over 40 characters", line)
		}
	}
	if strings.Join(strings.Fields(got), " ") != "**Next:** [The production setup on Docker Swarm](../07-swarm/README.md) adds a stack of 3 replicas behind a proxy." {
		t.Errorf("wrap changed the words: %q", got)
	}
}
