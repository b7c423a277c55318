package e2e

import (
	"path/filepath"
	"strings"
	"testing"

	"base-docker-and-compose/e2e/harness"
)

// An exercise of a stage page's "Break it and see": a change a learner makes to one file of
// the stage that reproduces a mistake learners really make. The exercise tests apply it to a
// copy of the stage, run the page's command there, assert that the mistake shows, and capture
// both the change and what the command printed, for the page.
type exercise struct {
	stage string // the stage folder, whose page shows the exercise
	name  string // its captures: <name>-change (the change, as git diff shows it) and <name>
	file  string // the file the learner changes, relative to the stage
	from  string // the text changed, which occurs exactly once in the file
	to    string // what it becomes
}

// breakStage copies the stage (beside a copy of shared/), makes the exercise's change there,
// captures it as `git diff` shows it to a learner who made it in their checkout, and returns
// the copy's folder.
func breakStage(t *testing.T, ex exercise) string {
	t.Helper()
	dir := copyStage(t, ex.stage)
	git := func(args ...string) string {
		t.Helper()
		r := harness.Cmd{Dir: dir, Name: "git", Args: append([]string{"-c", "core.pager=cat", "-c", "color.ui=never"}, args...)}.Run()
		if r.Err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), r.Err, r.Output())
		}
		return r.Stdout
	}
	// The copy's own repository, so that git diff shows the change and nothing else.
	git("init", "-q")
	git("add", "-A")

	replaceOnce(t, filepath.Join(dir, ex.file), ex.from, ex.to)
	capture(t, ex.stage, ex.name+"-change", "", "git diff", git("diff"))
	return dir
}

// replaceOnce makes an exercise's change in a file of a stage copy: from must occur in it
// exactly once, so that the change is the one the page describes.
func replaceOnce(t *testing.T, file, from, to string) {
	t.Helper()
	edit(t, file, func(s string) string {
		if n := strings.Count(s, from); n != 1 {
			t.Fatalf("%q occurs %d times in %s, want once", from, n, file)
		}
		return strings.Replace(s, from, to, 1)
	})
}
