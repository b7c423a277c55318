package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"base-docker-and-compose/e2e/harness"
)

// docs/cleanup.md removes what the course made, by the names the pages give it. This test
// makes the machine of a learner at the end of the course (every stage run under the pages'
// own names, some left running, some stopped, stage 07's stack on a one-node swarm), runs the
// page's blocks as they are written, and checks that nothing the course made is left, and
// that an image, a volume and a container the course did not make are still there.
//
// The file is named zz_ so that, go test running a package's files in the order of their
// names, it runs last: the page empties the build cache (docker builder prune --all), and
// every stage test after it would build its images from cold.

const (
	cleanupPage = "../docs/cleanup.md"
	// cleanupDF is the page's first and last command: how much Docker holds.
	cleanupDF = "docker system df"
	// keptBase names a second tag of each base image while the page removes theirs; the
	// test, or the next run's sweeper (harness.SweepLeftovers) if this one died in between,
	// puts the official tags back.
	keptBase = harness.KeptPrefix
)

// The names the stages' pages and scripts give what a learner makes. Compose names a
// project after its folder, and its network, volumes and built images after the project.
var (
	courseContainers = []string{"workers-db", "workers-local-db", "workers-02-app", "workers-02-db", "workers-app",
		"registry", "workers-arm64-app", "workers-arm64-db"}
	courseVolumes = []string{"workers-db-data", "workers-03-pgdata", "workers-04-pgdata", "workers-05-pgdata",
		"workers-06-pgdata", "workers-reference-pgdata", "workers_pgdata", "registry-data"}
	courseNetworks = []string{"workers-02-net", "03-compose_default", "04-entrypoint_default", "05-env-vars_default",
		"06-profiles_default", "07-swarm_default", "workers-reference_backend", "workers_front", "workers_back",
		"ingress", "docker_gwbridge", "workers-arm64"}
	courseImages = []string{"workers-02-app", "03-compose-app", "04-entrypoint-app", "05-env-vars-app",
		"06-profiles-app-dev", "06-profiles-app-prod", "07-swarm-app-dev", "07-swarm-app-prod",
		"workers-reference-app:dev", "workers-app", "workers-api:prod", "workers-api:1", "workers-api:2", "workers-api:3",
		"127.0.0.1:5000/workers-api:0.1.0", "127.0.0.1:5000/workers-api:1.0.0", "127.0.0.1:5000/workers-api:sha-1a2b3c4"}
	courseProjects = []string{"03-compose", "04-entrypoint", "05-env-vars", "06-profiles", "07-swarm", "workers-reference"}
	// The stack's name in 07's README.
	courseStack = "workers"
	// Where the names come from: each must be in that file, so that a page that renames what
	// it makes fails here rather than leave it behind on a learner's machine.
	courseNamesIn = map[string][]string{
		"01-starting-point/README.md":    {"--name workers-db", "workers-db-data"},
		"01-starting-point/run-local.sh": {"DB_CONTAINER:-workers-local-db"},
		"02-dockerizing/run-dockered.sh": {"NAME:-workers-02", "NETWORK=$NAME-net", "DB=$NAME-db", "APP=$NAME-app", "IMAGE=$NAME-app:latest"},
		"03-compose/compose.yaml":        {"name: workers-03-pgdata"},
		"03-compose/compose.reference.yaml": {"name: workers-reference", "image: workers-reference-app:dev",
			"name: workers-reference-pgdata", "backend:"},
		"04-entrypoint/compose.yaml": {"name: workers-04-pgdata"},
		"05-env-vars/compose.yaml":   {"name: workers-05-pgdata"},
		"06-profiles/compose.yaml":   {"name: workers-06-pgdata", "app-dev:", "app-prod:"},
		"07-swarm/compose.yaml":      {"name: workers-06-pgdata", "app-dev:", "app-prod:"},
		"07-swarm/stack.yaml":        {"front:", "back:", "pgdata:"},
		"07-swarm/README.md":         {"-c stack.yaml workers", "-t workers-api:1", "-t workers-api:2", "-t workers-api:3"},
		"08-shipping/README.md": {"--name registry ", "registry-data:/var/lib/registry", "--name workers-arm64-app",
			"--name workers-arm64-db", "docker network create workers-arm64", "127.0.0.1:5000/workers-api:0.1.0",
			"-t 127.0.0.1:5000/workers-api:1.0.0", "registry:2", "httpd:2"},
		"08-shipping/docker-bake.hcl": {`"127.0.0.1:5000/workers-api"`, `"${IMAGE}:sha-${substr(GIT_SHA, 0, 7)}"`},
		"08-shipping/deploy.sh":       {"STACK_NAME:-workers"},
		"02-dockerizing/Dockerfile":   {"-t workers-app ."},
		"06-profiles/Dockerfile.prod": {"-t workers-api:prod ."},
		"docs/troubleshooting.md":     {"--name workers-app", "workers-app"},
	}
)

func TestCleanupPage(t *testing.T) {
	// The page removes names a learner owns (workers-db, 03-compose-app, workers-api:1, a
	// swarm): it runs only on an engine the tests provisioned, E2E_SWARM=1 or not; skipped
	// elsewhere, with the reason (failed under CI=true, where every test must run).
	if why := harness.NotProvisionedReason(); why != "" {
		harness.Refuse(t, "docs/cleanup.md removes containers, volumes, images and a swarm by the names a learner's own have: it runs only on an engine .ci/provision-docker.sh started (%s)", why)
	}
	// The page leaves the swarm: the engine must be in none (a dead run's is taken down), and
	// held for this test alone.
	harness.NoSwarm(t)
	putBackBaseImages(t) // a crashed run's
	if held := courseLeftovers(); len(held) > 0 {
		harness.Refuse(t, "the engine already holds what the course makes, which the page would remove: %s", strings.Join(held, ", "))
	}
	for file, names := range courseNamesIn {
		text, err := os.ReadFile(filepath.Join("..", file))
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range names {
			if !strings.Contains(string(text), name) {
				t.Errorf("%s no longer has %q: docs/cleanup.md and this test remove what the pages make by those names", file, name)
			}
		}
	}
	blocks := shellBlocks(t, cleanupPage)
	bases := stageBaseImages(t)
	if t.Failed() {
		t.FailNow()
	}

	before := takeInventory(t)
	foreign := notTheCourse(t)
	root := courseCopy(t)
	t.Cleanup(func() { removeCourse(t, before) })
	start := time.Now()
	learnersMachine(t, root)
	t.Logf("the learner's machine, every stage run, in %s", time.Since(start).Round(time.Second))

	dfBefore, err := shell(t, root, nil, cleanupDF)
	if err != nil {
		t.Fatalf("%v\n%s", err, dfBefore)
	}
	// The page's `docker system df -v` lists what the course made, one by one.
	verbose := mustShell(t, root, nil, cleanupDF+" -v")
	for _, name := range []string{"03-compose-app", "workers-api", "workers-db-data", "workers-02-db", "workers_pgdata"} {
		if !strings.Contains(verbose, name) {
			t.Errorf("`%s -v` does not list %s:\n%s", cleanupDF, name, verbose)
		}
	}
	start = time.Now()
	removedBases := map[string]bool{}
	for _, block := range blocks {
		// The base images are the engine's, which other tests use: each keeps a second name
		// while the page removes its official one, which is put back right after.
		named := slices.DeleteFunc(slices.Clone(bases), func(b string) bool { return !strings.Contains(block, b) })
		keepBaseImages(t, named)
		out, err := shell(t, root, nil, "set -e\n"+block)
		for _, b := range named {
			removedBases[b] = harness.Docker("image", "inspect", b).Err != nil
		}
		putBackBaseImages(t)
		t.Logf("$ %s\n%s", strings.ReplaceAll(block, "\n", "\n$ "), out)
		if err != nil {
			t.Fatalf("a block of docs/cleanup.md failed: %v\n%s", err, out)
		}
	}
	t.Logf("docs/cleanup.md's blocks ran in %s", time.Since(start).Round(time.Second))
	dfAfter, err := shell(t, root, nil, cleanupDF)
	if err != nil {
		t.Fatalf("%v\n%s", err, dfAfter)
	}
	t.Logf("$ %s (before)\n%s$ %s (after)\n%s", cleanupDF, dfBefore, cleanupDF, dfAfter)

	// Nothing of the course is left: by name, and anything else the run made.
	for _, held := range courseLeftovers() {
		t.Errorf("after the page: %s is still there", held)
	}
	if state := harness.MustDocker(t, "info", "--format", "{{.Swarm.LocalNodeState}}"); state != "inactive" {
		t.Errorf("after the page: the engine's swarm state is %q, want inactive", state)
	}
	for _, n := range []string{"ingress", "docker_gwbridge"} {
		if harness.Docker("network", "inspect", n).Err == nil {
			t.Errorf("after the page: the swarm's network %s is still there", n)
		}
	}
	for _, b := range bases {
		if !removedBases[b] {
			t.Errorf("the page never removes the base image %s", b)
		}
	}
	for _, left := range takeInventory(t).newSince(t, before) {
		t.Errorf("after the page: the %s %s, made during the learner's run, is still there", left.kind, left.name)
	}
	// What the course did not make is still there.
	foreign.stillThere(t)
	// The build cache shrank: the course's builds filled it, and the page pruned it.
	if b, a := dfField(t, dfBefore, "Build Cache", 1), dfField(t, dfAfter, "Build Cache", 1); a >= b {
		t.Errorf("the build cache holds %d entries after the page, %d before: want fewer", a, b)
	}
	if b, a := dfField(t, dfBefore, "Images", 1), dfField(t, dfAfter, "Images", 1); a >= b {
		t.Errorf("%d images after the page, %d before: want fewer", a, b)
	}
	// Again, line by line as a terminal runs what is pasted into it, now that everything is
	// gone: a line whose object is missing says so, and a `-f` passes over it.
	for _, block := range blocks {
		for _, line := range strings.Split(block, "\n") {
			named := slices.DeleteFunc(slices.Clone(bases), func(b string) bool { return !strings.Contains(line, b) })
			keepBaseImages(t, named)
			out, err := shell(t, root, nil, line)
			putBackBaseImages(t)
			t.Logf("again: $ %s (%v)\n%s", line, err, out)
			if (strings.HasPrefix(line, "docker rm -f ") || strings.HasPrefix(line, "docker image rm -f ")) && err != nil {
				t.Errorf("again, `%s` failed (%v): want it to pass over what is gone, as the page says\n%s", line, err, out)
			}
			if err != nil && strings.TrimSpace(out) == "" {
				t.Errorf("again, `%s` failed (%v) without a word: the page says a line prints an error for what is gone", line, err)
			}
		}
	}
	foreign.stillThere(t)
	if t.Failed() {
		return
	}
	captureFigures(t, "df-before", dfBefore)
	captureFigures(t, "df-after", dfAfter)
}

// shellBlocks returns the ```sh blocks of a page, in order.
func shellBlocks(t *testing.T, page string) []string {
	t.Helper()
	data, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	var blocks []string
	for _, m := range regexp.MustCompile("(?ms)^```sh\n(.*?)^```$").FindAllStringSubmatch(string(data), -1) {
		blocks = append(blocks, strings.TrimRight(m[1], "\n"))
	}
	if len(blocks) == 0 {
		t.Fatalf("%s has no ```sh block", page)
	}
	return blocks
}

// stageBaseImages are the images the stages start from: their Dockerfiles' FROM, and the
// images their compose and stack files name, with a variable's default in its place.
func stageBaseImages(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("../0*/*")
	if err != nil {
		t.Fatal(err)
	}
	from := regexp.MustCompile(`(?m)^FROM\s+(?:--\S+\s+)*(\S+)`)
	image := regexp.MustCompile(`(?m)^\s+image:\s*(\S+)`)
	def := regexp.MustCompile(`\$\{[A-Z_]+:-([^}]+)\}`)
	stageName := regexp.MustCompile(`(?mi)^FROM\s+.*\s+AS\s+(\S+)\s*$`)
	var bases []string
	for _, f := range files {
		base := filepath.Base(f)
		var re *regexp.Regexp
		switch {
		case strings.HasPrefix(base, "Dockerfile"):
			re = from
		case strings.HasSuffix(base, ".yaml"):
			re = image
		default:
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		// A Dockerfile's own stages (FROM source AS build) are no images.
		var own []string
		for _, m := range stageName.FindAllStringSubmatch(string(data), -1) {
			own = append(own, m[1])
		}
		for _, m := range re.FindAllStringSubmatch(string(data), -1) {
			name := def.ReplaceAllString(m[1], "$1")
			// The course's own images (workers-api:${APP_TAG}, workers-reference-app:dev).
			if strings.HasPrefix(name, "workers-") || strings.Contains(name, "$") || slices.Contains(own, name) {
				continue
			}
			if !slices.Contains(bases, name) {
				bases = append(bases, name)
			}
		}
	}
	// The images stage 08's page runs by hand (docker run … registry:2, httpd:2).
	for _, name := range []string{"registry:2", "httpd:2"} {
		if !slices.Contains(bases, name) {
			bases = append(bases, name)
		}
	}
	slices.Sort(bases)
	if len(bases) == 0 {
		t.Fatal("no base image found in the stages")
	}
	return bases
}

// keepBaseImages gives each image a second name, under which it outlives the removal of its
// official one.
func keepBaseImages(t *testing.T, images []string) {
	t.Helper()
	for _, image := range images {
		harness.MustDocker(t, "tag", image, keptBase+image)
	}
}

// putBackBaseImages gives each kept base image its official name back, and drops the second.
func putBackBaseImages(t *testing.T) {
	t.Helper()
	for _, k := range strings.Fields(harness.MustDocker(t, "image", "ls", "--format", "{{.Repository}}:{{.Tag}}")) {
		if !strings.HasPrefix(k, keptBase) {
			continue
		}
		harness.MustDocker(t, "tag", k, strings.TrimPrefix(k, keptBase))
		harness.MustDocker(t, "image", "rm", k)
	}
}

// courseLeftovers lists what the engine holds under the course's names.
func courseLeftovers() []string {
	var held []string
	for _, c := range courseContainers {
		if harness.Docker("container", "inspect", c).Err == nil {
			held = append(held, "the container "+c)
		}
	}
	for _, p := range courseProjects {
		if ids := strings.Fields(harness.Docker("ps", "-aq", "--filter", "label=com.docker.compose.project="+p).Stdout); len(ids) > 0 {
			held = append(held, fmt.Sprintf("%d containers of the Compose project %s", len(ids), p))
		}
	}
	if ids := strings.Fields(harness.Docker("ps", "-aq", "--filter", "label=com.docker.stack.namespace="+courseStack).Stdout); len(ids) > 0 {
		held = append(held, fmt.Sprintf("%d containers of the stack %s", len(ids), courseStack))
	}
	for _, v := range courseVolumes {
		if harness.Docker("volume", "inspect", v).Err == nil {
			held = append(held, "the volume "+v)
		}
	}
	for _, n := range courseNetworks {
		if n == "ingress" || n == "docker_gwbridge" {
			continue // a swarm's, checked by its state; docker_gwbridge below
		}
		if harness.Docker("network", "inspect", n).Err == nil {
			held = append(held, "the network "+n)
		}
	}
	for _, i := range courseImages {
		if harness.Docker("image", "inspect", i).Err == nil {
			held = append(held, "the image "+i)
		}
	}
	return held
}

// removeCourse removes, by name, whatever the course made that is still there: after a
// failure, what the page did not get to; after a pass, nothing. An anonymous volume that the
// page left behind has no name of the course's: it goes as a volume made since before, which
// no other test's container uses.
func removeCourse(t *testing.T, before inventory) {
	if harness.Docker("info", "--format", "{{.Swarm.LocalNodeState}}").Stdout == "active\n" {
		removeStack(t, courseStack)
		harness.Docker("swarm", "leave", "--force")
	}
	harness.Docker("network", "rm", "docker_gwbridge")
	for _, p := range courseProjects {
		ids := strings.Fields(harness.Docker("ps", "-aq", "--filter", "label=com.docker.compose.project="+p).Stdout)
		if len(ids) > 0 {
			harness.Docker(append([]string{"rm", "-f", "-v"}, ids...)...)
		}
	}
	harness.Docker(append([]string{"rm", "-f", "-v"}, courseContainers...)...)
	harness.Docker(append([]string{"volume", "rm", "-f"}, courseVolumes...)...)
	for _, n := range courseNetworks {
		if n != "ingress" && n != "docker_gwbridge" {
			harness.Docker("network", "rm", n)
		}
	}
	harness.Docker(append([]string{"image", "rm", "-f"}, courseImages...)...)
	putBackBaseImages(t)
	for _, left := range takeInventory(t).newSince(t, before) {
		if left.kind == "volume" {
			harness.Docker("volume", "rm", left.id) // not -f: a volume in use stays
		}
	}
}

// courseCopy copies every stage folder, and the shared module, into one temporary folder:
// the course as a learner's clone holds it, folder names included (Compose names each
// project after its folder), with the files a learner's runs write kept out of the repository.
func courseCopy(t *testing.T) string {
	t.Helper()
	stages, err := filepath.Glob("../0*")
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Dir(copyStage(t, filepath.Base(stages[0])))
	for _, s := range stages[1:] {
		if err := os.Rename(copyStage(t, filepath.Base(s)), filepath.Join(root, filepath.Base(s))); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// mustShell runs a command as a learner types it, in dir, and fails the test if it fails.
func mustShell(t *testing.T, dir string, env []string, command string) string {
	t.Helper()
	out, err := shell(t, dir, env, command)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return out
}

// learnersMachine runs the stages as a learner leaves them at the end of the course, under
// the pages' names: some running, some stopped, some taken down with their data kept. The
// apps publish on free ports of 127.0.0.1 instead of 8080, which changes no name.
func learnersMachine(t *testing.T, root string) {
	t.Helper()
	harness.RequireImage(t, "postgres:17-trixie")
	harness.RequireImage(t, "golang:1.26-trixie")
	harness.RequireImage(t, "gcr.io/distroless/static-debian13:nonroot")
	harness.RequireImage(t, "haproxy:3.0")
	stage := func(s string) string { return filepath.Join(root, s) }

	// 01: PostgreSQL by hand, running, with its named volume.
	mustShell(t, stage("01-starting-point"), nil, `docker run -d --name workers-db \
  -e POSTGRES_USER=workers -e POSTGRES_PASSWORD=workers -e POSTGRES_DB=workers \
  -v workers-db-data:/var/lib/postgresql/data postgres:17-trixie`)
	// run-local.sh's container, left behind when the script was stopped some other way than
	// Ctrl-C.
	mustShell(t, stage("01-starting-point"), nil, `docker run -d --name workers-local-db \
  -e POSTGRES_USER=workers -e POSTGRES_PASSWORD=workers -e POSTGRES_DB=workers postgres:17-trixie`)

	// 02: the image under the name its Dockerfile's first lines give, and the container of
	// troubleshooting's "Port already in use", created but never started.
	mustShell(t, stage("02-dockerizing"), nil, "docker build --build-context shared=../shared -t workers-app .")
	mustShell(t, stage("02-dockerizing"), nil, "docker create --name workers-app workers-app")
	// 02: run-dockered.sh, running.
	if _, out, err := harness.WithFreePorts(t, 1, func(ports []int) (string, error) {
		return shell(t, stage("02-dockerizing"), []string{"NAME=workers-02", fmt.Sprintf("PORT=%d", ports[0])}, "./run-dockered.sh")
	}); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}

	// 03 to 07 under Compose, each under its folder's name (the project name a plain
	// `docker compose up` gives), as the harness's cleanup takes them down if the test dies.
	project := func(dir, name string, files ...string) *harness.Project {
		p := harness.NewProject(t, stage(dir), files...)
		p.Name = name
		return p
	}
	loopback := func(p *harness.Project, apps ...string) {
		override := "services:\n"
		for _, app := range apps {
			override += fmt.Sprintf("  %s:\n    ports: !override\n      - \"127.0.0.1::8080\"\n", app)
		}
		p.Override(override)
	}
	freeAppPort := func(dir string) {
		initEnv(t, stage(dir))
		setEnvValue(t, filepath.Join(stage(dir), ".env"), "APP_PORT", strconv.Itoa(harness.FreePort(t)))
	}

	// 03: running; its reference file's project taken down with its data kept.
	p03 := project("03-compose", "03-compose")
	loopback(p03, "app")
	p03.Up()
	ref := project("03-compose", "workers-reference", "compose.reference.yaml")
	loopback(ref, "app")
	ref.Up()
	ref.MustCompose("down")
	// 04: stopped.
	p04 := project("04-entrypoint", "04-entrypoint")
	loopback(p04, "app")
	p04.Up()
	p04.MustCompose("stop")
	// 05: running.
	freeAppPort("05-env-vars")
	project("05-env-vars", "05-env-vars").Up()
	// 06: production stopped, then development running (.env's profile).
	freeAppPort("06-profiles")
	p06 := project("06-profiles", "06-profiles")
	p06.Profiles = []string{"prod"}
	p06.Up()
	p06.MustCompose("stop")
	p06.Profiles = nil
	p06.Up()
	p06.Profiles = []string{"dev", "prod"}
	// The production image under the name Dockerfile.prod's first lines give.
	mustShell(t, stage("06-profiles"), nil, "docker build --build-context shared=../shared -f Dockerfile.prod -t workers-api:prod .")
	// 07: the stack, on a swarm of this engine, as the README deploys it, with its three
	// image tags.
	freeAppPort("07-swarm")
	harness.InitSwarm(t)
	s := &swarmStack{dir: stage("07-swarm"), name: courseStack}
	s.url = "http://127.0.0.1:" + envValue(t, filepath.Join(s.dir, ".env"), "APP_PORT")
	for _, command := range []string{swarmLabel, swarmBuild, swarmBuild2, swarmBuildBroken, swarmDeploy} {
		s.mustRun(t, command)
	}
	s.waitConverged(t, 3)

	// 08: the registry, running, with its volume; the production image under the tags the
	// page pushes (here tagged, not pushed: the names are what the page removes); the ARM
	// demo's network and containers, its database running.
	if _, out, err := harness.WithFreePorts(t, 1, func(ports []int) (string, error) {
		return shell(t, stage("08-shipping"), nil, strings.Replace(shipPassword+" && "+shipHtpasswd+" && "+shipRegistry,
			"127.0.0.1:5000:5000", fmt.Sprintf("127.0.0.1:%d:5000", ports[0]), 1))
	}); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, tag := range []string{"0.1.0", "1.0.0", "sha-1a2b3c4"} {
		harness.MustDocker(t, "tag", "workers-api:prod", "127.0.0.1:5000/workers-api:"+tag)
	}
	mustShell(t, stage("08-shipping"), nil, shipArmNet+" && "+shipArmDB)
	harness.MustDocker(t, "create", "--name", "workers-arm64-app", "--network", "workers-arm64", "workers-api:prod")
}

// notTheCourse makes an image, a volume and a container that the course did not make, and
// that the page must leave alone: a stopped container, an image only it uses and a volume no
// container uses, which a blanket prune would take.
type foreignThings struct{ image, volume, container string }

func notTheCourse(t *testing.T) foreignThings {
	t.Helper()
	name := harness.UniqueName(t)
	f := foreignThings{image: name + "-image", volume: name + "-volume", container: name + "-container"}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\nCOPY note /note\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "note"), []byte("not the course's\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	harness.Build(t, dir, f.image)
	harness.MustDocker(t, "volume", "create", "--label", harness.Owner(), f.volume)
	t.Cleanup(func() { harness.Docker("volume", "rm", "-f", f.volume) })
	harness.MustDocker(t, "create", "--name", f.container, "--label", harness.Owner(), f.image, "/note")
	t.Cleanup(func() { harness.Docker("rm", "-f", "-v", f.container) })
	return f
}

func (f foreignThings) stillThere(t *testing.T) {
	t.Helper()
	for _, c := range [][]string{{"image", "inspect", f.image}, {"volume", "inspect", f.volume}, {"container", "inspect", f.container}} {
		if r := harness.Docker(c...); r.Err != nil {
			t.Errorf("the page removed the %s %s, which the course did not make", c[0], c[2])
		}
	}
}

// inventory is what the engine holds: id -> a description, per kind.
type inventory map[string]map[string]string

func takeInventory(t *testing.T) inventory {
	t.Helper()
	const project, owner = `{{.Label "com.docker.compose.project"}}`, `{{.Label "` + harness.OwnerLabel + `"}}`
	inv := inventory{}
	for kind, args := range map[string][]string{
		"container": {"ps", "-a", "--no-trunc", "--format", "{{.ID}}\t{{.Names}}\t" + project + "\t" + owner},
		"volume":    {"volume", "ls", "--format", "{{.Name}}\t{{.Name}}\t" + project + "\t" + owner},
		"network":   {"network", "ls", "--no-trunc", "--format", "{{.ID}}\t{{.Name}}\t" + project + "\t" + owner},
		"image":     {"image", "ls", "-a", "--no-trunc", "--format", "{{.ID}}\t{{.Repository}}:{{.Tag}}\t\t"},
	} {
		inv[kind] = map[string]string{}
		for _, line := range strings.Split(harness.MustDocker(t, args...), "\n") {
			if id, rest, ok := strings.Cut(line, "\t"); ok {
				inv[kind][id] = rest
			}
		}
	}
	return inv
}

// leftover is something the engine holds: its kind (container, volume, network, image), id
// and name.
type leftover struct{ kind, id, name string }

// newSince lists what inv holds that before did not, and that is not another test's: a name
// or Compose project of the harness's (bdc-e2e-…), or its owner label, or an anonymous volume
// that such a container uses.
func (inv inventory) newSince(t *testing.T, before inventory) []leftover {
	t.Helper()
	theirs := func(name, project, owner string) bool {
		return strings.HasPrefix(name, "bdc-e2e-") || strings.HasPrefix(project, "bdc-e2e-") || owner != ""
	}
	var left []leftover
	for kind, now := range inv {
		for id, desc := range now {
			if _, ok := before[kind][id]; ok {
				continue
			}
			fields := strings.Split(desc+"\t\t\t", "\t")
			name, project, owner := fields[0], fields[1], fields[2]
			switch kind {
			case "image":
				labels := harness.Docker("image", "inspect", "--format",
					`{{index .Config.Labels "com.docker.compose.project"}}`+"\t"+`{{index .Config.Labels "`+harness.OwnerLabel+`"}}`, id).Stdout
				project, owner, _ = strings.Cut(strings.TrimSpace(labels), "\t")
				if harness.Docker("image", "inspect", id).Err != nil {
					continue // gone since
				}
			case "volume":
				// An anonymous volume carries no label: it is another test's if a container of
				// theirs uses it.
				users := harness.Docker("ps", "-a", "--filter", "volume="+id, "--format",
					"{{.Names}}\t"+`{{.Label "com.docker.compose.project"}}`+"\t"+`{{.Label "`+harness.OwnerLabel+`"}}`).Stdout
				for _, u := range strings.Split(strings.TrimSpace(users), "\n") {
					f := strings.Split(u+"\t\t", "\t")
					if theirs(f[0], f[1], f[2]) {
						owner = "its container's"
					}
				}
			}
			if !theirs(name, project, owner) {
				left = append(left, leftover{kind: kind, id: id, name: name})
			}
		}
	}
	slices.SortFunc(left, func(a, b leftover) int { return strings.Compare(a.kind+a.name, b.kind+b.name) })
	return left
}

// dfField returns a number of `docker system df`'s row for kind: column 1 is TOTAL, 2 ACTIVE.
func dfField(t *testing.T, df, kind string, column int) int {
	t.Helper()
	for _, line := range strings.Split(df, "\n") {
		if rest, ok := strings.CutPrefix(line, kind+" "); ok {
			f := strings.Fields(rest)
			if len(f) >= column {
				if n, err := strconv.Atoi(f[column-1]); err == nil {
					return n
				}
			}
		}
	}
	t.Fatalf("no %s row in:\n%s", kind, df)
	return 0
}

// dfFigures are the sizes and counts of `docker system df`, which change from run to run.
var dfFigures = regexp.MustCompile(`\d+(\.\d+)?\s*(B|kB|KB|MB|GB|TB)?\b`)

// captureFigures records a `docker system df` for the page. Its sizes and counts are those of
// the run that recorded it, which the page says: a later run compares the table's shape (its
// rows and columns), not its figures, and records new ones only with UPDATE_CAPTURES=1. On
// the floor toolchain it only compares: the page shows one machine's figures, not two.
func captureFigures(t *testing.T, name, output string) {
	t.Helper()
	if os.Getenv("UPDATE_CAPTURES") == "1" && harness.Toolchain() != "floor" {
		capture(t, "cleanup", name, "", cleanupDF, output)
		return
	}
	file := filepath.Join("..", "docs", "captured", "cleanup", name+".txt")
	want, err := os.ReadFile(file)
	if err != nil {
		t.Errorf("%s: %v; run `make docs` to capture it", file, err)
		return
	}
	shape := func(s string) string { return strings.Join(strings.Fields(dfFigures.ReplaceAllString(s, "N")), " ") }
	if got := "$ " + cleanupDF + "\n" + output; shape(got) != shape(string(want)) {
		t.Errorf("%s is stale: `%s` now prints another table (run `make docs`):\n--- in the docs\n%s--- now\n%s", file, cleanupDF, want, got)
	}
}
