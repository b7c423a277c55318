//go:build bench

package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"base-docker-and-compose/e2e/harness"
)

// TestBenchmarks is `make bench`: it measures the figures of docs/benchmarks.md and writes
// that file. It is not part of `make test` (it prunes the build cache and takes about 20
// minutes); it fails only when a measurement cannot be taken or the app answered errors.
//
// Every figure is the median of BENCH_RUNS runs (3 unless set), with the spread beside it.
// Timings that are compared (cold against cached builds, a fresh volume against an existing
// one) are compared as ratios inside each run, then the ratios' median is reported.
//
// Serial, and alone: it prunes the build cache every test shares, and another test's load
// would be in its figures.
func TestBenchmarks(t *testing.T) {
	runs := benchEnvInt(t, "BENCH_RUNS", 3)
	duration := benchEnvDuration(t, "BENCH_DURATION", 10*time.Second)
	started := time.Now()
	rep := &benchReport{runs: runs, duration: duration}
	rep.machine = benchMachine(t)

	// Builds first: they prune the build cache, which every later build then refills.
	t.Run("builds", func(t *testing.T) { rep.builds = benchBuilds(t, runs) })
	t.Run("images", func(t *testing.T) {
		rep.images, rep.binary = benchImages(t)
		rep.store = harness.ImageStore(t)
		rep.floorImages = readFloorImages(t)
	})
	t.Run("start-up", func(t *testing.T) { rep.startups = benchStartups(t, runs) })
	t.Run("stop", func(t *testing.T) { rep.stops = benchStops(t, runs) })
	t.Run("http", func(t *testing.T) { rep.http = benchHTTP(t, runs, duration) })
	if t.Failed() {
		t.Fatal("a measurement failed: docs/benchmarks.md is left as it was")
	}
	if len(rep.builds) == 0 || len(rep.images) == 0 || rep.floorImages == nil || len(rep.startups) == 0 || len(rep.stops) == 0 || len(rep.http.figures) == 0 {
		t.Log("only some parts ran (-run): docs/benchmarks.md is left as it was")
		return
	}
	rep.elapsed = time.Since(started)
	if err := os.WriteFile("../docs/benchmarks.md", []byte(rep.markdown()), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote docs/benchmarks.md in %s", rep.elapsed.Round(time.Second))
}

// ---- builds: cold, then after a one-line Go change -------------------------------------

type buildFigure struct {
	name          string
	cold, rebuild []float64 // seconds, one per run
	ratio         []float64 // cold / rebuild, inside each run
	dockerfile    string
}

func benchBuilds(t *testing.T, runs int) []buildFigure {
	figures := []buildFigure{
		{name: "02-dockerizing/Dockerfile"},
		{name: "06-profiles/Dockerfile.prod"},
	}
	for i := range figures {
		f := &figures[i]
		stage, dockerfile, _ := strings.Cut(f.name, "/")
		dir := copyStage(t, stage)
		f.dockerfile = dockerfile
		tag := harness.UniqueName(t)
		build := func() float64 {
			args := []string{"--build-context", "shared=" + filepath.Join(dir, "..", "shared"), "-f", filepath.Join(dir, f.dockerfile)}
			start := time.Now()
			harness.Build(t, dir, tag, args...)
			return time.Since(start).Seconds()
		}
		for run := 1; run <= runs; run++ {
			// Cold: no layer and no cache mount (downloaded modules, compiled packages, the C
			// of go-sqlite3) survives; the base image stays, as it would on a CI runner.
			harness.MustDocker(t, "image", "rm", "-f", tag)
			harness.MustDocker(t, "builder", "prune", "--all", "--force")
			cold := build()
			// The one-line change a developer makes: a new line of Go in the routes file.
			edit := fmt.Sprintf("\nvar _ = \"bench edit %d\"\n", run)
			appendFile(t, filepath.Join(dir, "routes.go"), edit)
			rebuild := build()
			f.cold, f.rebuild = append(f.cold, cold), append(f.rebuild, rebuild)
			f.ratio = append(f.ratio, cold/rebuild)
			t.Logf("%s run %d: cold %.1f s, after a one-line change %.1f s", f.name, run, cold, rebuild)
		}
	}
	return figures
}

func appendFile(t *testing.T, file, text string) {
	t.Helper()
	f, err := os.OpenFile(file, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
}

// ---- image sizes -----------------------------------------------------------------------

type imageFigure struct {
	Name  string
	Bytes int64
}

// floorImages are the same images' sizes on the floor engine, whose image store is the
// classic one: `make bench` measures them first (TestBenchImageSizesOnTheFloor).
type floorImages struct {
	Engine, Store string
	Images        []imageFigure
}

const floorImagesFile = "../.cache/bench-images-floor.json"

// TestBenchImageSizesOnTheFloor is the part of `make bench` that runs on the floor engine
// (.ci/on-floor.sh): the app images' sizes there, for TestBenchmarks's report. Serial:
// make bench runs it alone, on the floor engine, before TestBenchmarks.
func TestBenchImageSizesOnTheFloor(t *testing.T) {
	if harness.Toolchain() != "floor" {
		t.Fatal("run this on the floor engine: make bench does (.ci/on-floor.sh)")
	}
	images, _ := benchImages(t)
	data, err := json.Marshal(floorImages{
		Engine: harness.MustDocker(t, "version", "--format", "{{.Server.Version}}"),
		Store:  harness.ImageStore(t), Images: images})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(floorImagesFile, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFloorImages(t *testing.T) *floorImages {
	data, err := os.ReadFile(floorImagesFile)
	if err != nil {
		t.Fatalf("the floor's image sizes: %v (make bench measures them first)", err)
	}
	var f floorImages
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatalf("%s: %v", floorImagesFile, err)
	}
	return &f
}

func benchImages(t *testing.T) ([]imageFigure, int64) {
	var images []imageFigure
	var binary int64
	for _, img := range []struct{ name, stage, dockerfile string }{
		{"02-dockerizing", "02-dockerizing", "Dockerfile"},
		{"03-compose", "03-compose", "Dockerfile"},
		{"04-entrypoint", "04-entrypoint", "Dockerfile"},
		{"05-env-vars", "05-env-vars", "Dockerfile"},
		{"06-profiles dev", "06-profiles", "Dockerfile"},
		{"06-profiles prod", "06-profiles", "Dockerfile.prod"},
	} {
		tag := harness.UniqueName(t)
		harness.Build(t, "../"+img.stage, tag, "--build-context", "shared=../shared", "-f", "../"+img.stage+"/"+img.dockerfile)
		size, err := strconv.ParseInt(harness.MustDocker(t, "image", "inspect", "-f", "{{.Size}}", tag), 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		images = append(images, imageFigure{img.name, size})
		if img.dockerfile == "Dockerfile.prod" {
			// The floor: the static binary alone, copied out of the image.
			out := filepath.Join(t.TempDir(), "app")
			harness.MustDocker(t, "cp", harness.CreateContainer(t, tag)+":/usr/local/bin/app", out)
			info, err := os.Stat(out)
			if err != nil {
				t.Fatal(err)
			}
			binary = info.Size()
		}
	}
	return images, binary
}

// ---- start-up: up --wait on a fresh volume and on an existing one ------------------------

type startupFigure struct {
	name            string
	fresh, existing []float64 // seconds
	ratio           []float64 // fresh / existing, inside each run
}

func benchStartups(t *testing.T, runs int) []startupFigure {
	var figures []startupFigure
	for _, s := range []struct {
		name    string
		project func() *harness.Project
	}{
		{"03-compose", func() *harness.Project { return stageProject(t, "03-compose") }},
		{"04-entrypoint", func() *harness.Project { return stageProject(t, "04-entrypoint") }},
		{"06-profiles prod", func() *harness.Project { p, _, _ := stage06(t, "prod"); return p }},
	} {
		p := s.project()
		p.MustCompose("build") // images are built beforehand: this times starting, not building
		f := startupFigure{name: s.name}
		up := func() float64 {
			start := time.Now()
			p.MustCompose("up", "-d", "--wait")
			return time.Since(start).Seconds()
		}
		for run := 1; run <= runs; run++ {
			p.MustCompose("down", "-v", "-t", "5") // the images stay; the volume goes
			fresh := up()
			p.MustCompose("down", "-t", "5") // the volume stays
			existing := up()
			f.fresh, f.existing = append(f.fresh, fresh), append(f.existing, existing)
			f.ratio = append(f.ratio, fresh/existing)
			t.Logf("%s run %d: fresh volume %.2f s, existing volume %.2f s", s.name, run, fresh, existing)
		}
		figures = append(figures, f)
	}
	return figures
}

// ---- stop: docker stop of the app ------------------------------------------------------

type stopFigure struct {
	name    string
	seconds []float64
}

func benchStops(t *testing.T, runs int) []stopFigure {
	var figures []stopFigure
	timeStop := func(name string, start func() string) {
		f := stopFigure{name: name}
		for range runs {
			id := start()
			begin := time.Now()
			harness.MustDocker(t, "stop", id)
			f.seconds = append(f.seconds, time.Since(begin).Seconds())
			if code := harness.MustDocker(t, "inspect", "-f", "{{.State.ExitCode}}", id); code != "0" {
				t.Errorf("%s: the app exited %s after docker stop, want 0", name, code)
			}
		}
		figures = append(figures, f)
	}

	// 02: the image alone, on its in-memory SQLite default.
	tag := harness.UniqueName(t)
	harness.Build(t, "../02-dockerizing", tag, "--build-context", "shared=../shared")
	port := harness.FreePort(t)
	id := harness.RunContainer(t, "-p", fmt.Sprintf("127.0.0.1:%d:8080", port), tag)
	harness.MustDocker(t, "stop", id)
	timeStop("02-dockerizing", func() string {
		harness.MustDocker(t, "start", id)
		waitHealthz(t, fmt.Sprintf("http://127.0.0.1:%d/healthz", port))
		return id
	})

	composeStop := func(name, service string, p *harness.Project) {
		p.Up()
		timeStop(name, func() string {
			p.MustCompose("up", "-d", "--wait")
			return p.MustCompose("ps", "-q", service)
		})
		p.Down()
	}
	composeStop("03-compose", "app", stageProject(t, "03-compose"))
	composeStop("04-entrypoint", "app", stageProject(t, "04-entrypoint"))
	dir := copyStage(t, "05-env-vars")
	initEnv(t, dir)
	composeStop("05-env-vars", "app", stageProjectIn(t, dir))
	dev, _, _ := stage06(t, "dev")
	composeStop("06-profiles dev", "app-dev", dev)
	prod, _, _ := stage06(t, "prod")
	composeStop("06-profiles prod", "app-prod", prod)
	return figures
}

func waitHealthz(t *testing.T, url string) {
	harness.Eventually(t, 30*time.Second, func() error {
		status, _, err := harness.TryGet(url)
		if err != nil || status != 200 {
			return fmt.Errorf("healthz: %d %v", status, err)
		}
		return nil
	})
}

// ---- HTTP: wrk against the prod profile, and against the ceiling ------------------------

type httpFigure struct {
	server  string // "app" or "ceiling"
	netns   bool   // wrk inside the server's network namespace, not through the published port
	route   string
	clients int
	rps     []float64
	p50     []float64 // milliseconds
	p99     []float64
	cpu     []float64 // the server container's CPU milliseconds per request
	dbCPU   []float64 // the database container's, for the app
}

type memoryFigure struct {
	idle []memory         // before each run's load
	peak map[int][]memory // by clients, the peak of each wrk run through the published port
}

// quietFigure compares requests/s by id at 64 clients with and without the request log.
type quietFigure struct {
	info, warn []float64
	ratio      []float64 // warn / info, inside each run
}

type httpReport struct {
	bodyBytes int // the list's answer, 100 rows
	figures   []httpFigure
	memory    memoryFigure
	quiet     quietFigure
	profiles  []profileFigure
}

func benchHTTP(t *testing.T, runs int, duration time.Duration) httpReport {
	p, _, _ := stage06(t, "prod")
	p.Up()
	// 100 rows, as a small real table would hold.
	psql(t, p, "INSERT INTO workers (name, email, role) SELECT 'Worker '||i, 'worker'||i||'@example.com', 'tester' FROM generate_series(1, 100) AS i")
	if n := len(listWorkersOf(t, p, "app-prod")); n != 100 {
		t.Fatalf("the API lists %d workers, want 100", n)
	}
	id := psql(t, p, "SELECT id FROM workers ORDER BY id OFFSET 49 LIMIT 1")
	routes := []string{"/api/v1/workers", "/api/v1/workers/" + id}
	clients := []int{1, 16, 64}
	appOf := func() server {
		return serverOf(t, p.MustCompose("ps", "-q", "app-prod"), apiURLOf(t, p, "app-prod", ""))
	}
	app := appOf()
	db := serverOf(t, p.MustCompose("ps", "-q", "db"), "")
	_, body := harness.Get(t, app.published+routes[0])
	ceiling := startCeiling(t, body)

	var figures []httpFigure
	for _, route := range routes {
		for _, c := range clients {
			figures = append(figures, httpFigure{server: "app", route: route, clients: c})
		}
	}
	for _, c := range clients {
		figures = append(figures, httpFigure{server: "app", netns: true, route: routes[0], clients: c})
	}
	for _, netns := range []bool{false, true} {
		for _, c := range clients {
			figures = append(figures, httpFigure{server: "ceiling", netns: netns, route: routes[0], clients: c})
		}
	}
	// load runs wrk and measures what the server (and, for the app, the database) used.
	load := func(s server, netns bool, route string, c int) (harness.WrkResult, float64, float64) {
		cpu, dbCPU := containerCPU(t, s.pid), containerCPU(t, db.pid)
		var res harness.WrkResult
		if netns {
			res = harness.WrkInNetns(t, s.pid, netnsURL+route, c, duration)
		} else {
			res = harness.Wrk(t, s.published+route, c, duration)
		}
		perRequest := func(seconds float64) float64 { return seconds * 1000 / float64(res.Requests) }
		return res, perRequest(containerCPU(t, s.pid) - cpu), perRequest(containerCPU(t, db.pid) - dbCPU)
	}
	mem := memoryFigure{peak: map[int][]memory{}}
	var quiet quietFigure
	// A short warm-up, not measured: connection pools fill, the page cache holds the table.
	warmUp := func() { harness.Wrk(t, app.published+routes[0], 16, 3*time.Second) }
	warmUp()
	harness.Wrk(t, ceiling.published+"/", 16, 3*time.Second)
	for run := 1; run <= runs; run++ {
		idle, err := readMemory(app.pid)
		if err != nil {
			t.Fatalf("the app's memory: %v", err)
		}
		mem.idle = append(mem.idle, idle)
		for i := range figures {
			f := &figures[i]
			s := app
			if f.server == "ceiling" {
				s = ceiling
			}
			stop := sampleMemory(app.pid)
			res, cpu, dbCPU := load(s, f.netns, f.route, f.clients)
			peak := stop()
			f.rps, f.p50, f.p99 = append(f.rps, res.RPS), append(f.p50, res.P50), append(f.p99, res.P99)
			f.cpu, f.dbCPU = append(f.cpu, cpu), append(f.dbCPU, dbCPU)
			where := "through the published port"
			if f.netns {
				where = "inside its network namespace"
			}
			t.Logf("run %d %s %s %s at %d clients: %.0f req/s, p50 %.2f ms, p99 %.2f ms, CPU %.3f ms/request (db %.3f)",
				run, f.server, where, f.route, f.clients, res.RPS, res.P50, res.P99, cpu, dbCPU)
			if f.server == "app" && !f.netns {
				mem.peak[f.clients] = append(mem.peak[f.clients], peak)
				t.Logf("  RSS peak %.1f MiB (anonymous %.1f MiB)", peak.rss, peak.anon)
			}
		}

		// By id at 64 clients again, without the per-request log line: with LOG_LEVEL=warn the
		// app writes nothing per request, so the difference is what the log line costs,
		// through Docker's logging driver (containerd-shim, dockerd, json-file).
		env := p.Env
		p.Env = append(slices.Clone(env), "LOG_LEVEL=warn")
		p.MustCompose("up", "-d", "--wait", "app-prod")
		app = appOf()
		warmUp()
		res := harness.Wrk(t, app.published+routes[1], 64, duration)
		info := figures[len(routes)*len(clients)-1].rps[run-1]
		quiet.info, quiet.warn = append(quiet.info, info), append(quiet.warn, res.RPS)
		quiet.ratio = append(quiet.ratio, res.RPS/info)
		t.Logf("run %d %s at 64 clients with LOG_LEVEL=warn: %.0f req/s (%.0f at info)", run, routes[1], res.RPS, info)
		p.Env = env
		p.MustCompose("up", "-d", "--wait", "app-prod")
		app = appOf()
		warmUp()
	}
	profiles := benchProfiles(t, p, routes)
	return httpReport{bodyBytes: len(body), figures: figures, memory: mem, quiet: quiet, profiles: profiles}
}

// clients are the client counts measured, in order.
func (r httpReport) clients() []int {
	var cs []int
	for _, f := range r.figures {
		if !slices.Contains(cs, f.clients) {
			cs = append(cs, f.clients)
		}
	}
	return cs
}

// find is the list route's figure of this server, path and client count.
func (r httpReport) find(server string, netns bool, clients int) httpFigure {
	for _, f := range r.figures {
		if f.server == server && f.netns == netns && f.clients == clients && strings.HasSuffix(f.route, "/workers") {
			return f
		}
	}
	panic(fmt.Sprintf("no figure for %s netns=%v %d clients", server, netns, clients))
}

// memory is a process's resident memory in MiB: all of it (VmRSS), and the part that is
// not file pages (RssAnon: the heap and stacks; the mapped binary is the rest).
type memory struct{ rss, anon float64 }

// readMemory reads the memory of a process of the host (the container's PID 1, here).
func readMemory(pid string) (memory, error) {
	data, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return memory{}, err
	}
	rss, err := harness.StatusMiB(string(data), "VmRSS")
	if err != nil {
		return memory{}, err
	}
	anon, err := harness.StatusMiB(string(data), "RssAnon")
	return memory{rss, anon}, err
}

// sampleMemory samples a process's memory every 100 ms until stop, which returns the peaks.
func sampleMemory(pid string) (stop func() memory) {
	var peak memory
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			if m, err := readMemory(pid); err == nil {
				peak = memory{max(peak.rss, m.rss), max(peak.anon, m.anon)}
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() memory {
		close(done)
		<-finished // peak is the sampler's alone until it has finished
		return peak
	}
}
