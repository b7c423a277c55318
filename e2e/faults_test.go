package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"base-docker-and-compose/e2e/harness"
	"base-docker-and-compose/shared/worker"
)

// The fault suite: what the production setup (06-profiles, --profile prod) does when things
// go wrong. Each part would fail if the behaviour regressed. The parts share one project and
// run in this order: each leaves it as the next one needs it, and the last stops the app.
func TestFaultsProd(t *testing.T) {
	t.Parallel()
	p, _, _ := stage06(t, "prod")
	p.Up()
	if r := p.Exec("app-prod", "app", "seed_db"); r.Err != nil {
		t.Fatalf("seed_db: %v\n%s", r.Err, r.Output())
	}
	appID := p.MustCompose("ps", "-q", "app-prod")
	started := harness.MustDocker(t, "inspect", "-f", "{{.State.StartedAt}}", appID)

	t.Run("LoadServesEveryRequestInBoundedMemory", func(t *testing.T) { loadServesEveryRequestInBoundedMemory(t, p, appID) })
	t.Run("DatabaseOutageAnswers503AndTheAppStaysUp", func(t *testing.T) { databaseOutageAnswers503AndTheAppStaysUp(t, p, appID, started) })
	t.Run("SIGKILLUnderWritesLosesNoAcknowledgedWrite", func(t *testing.T) { crashesLoseNoAcknowledgedWrite(t, p) })
	t.Run("BadRequestsGetErrorAnswersAndTheAppGoesOn", func(t *testing.T) { badRequestsGetErrorAnswersAndTheAppGoesOn(t, p) })
	t.Run("BadConfigurationStopsTheAppNamingTheVariable", func(t *testing.T) { badConfigurationStopsTheAppNamingTheVariable(t, p) })
	// Last: it stops the app.
	t.Run("SIGTERMLetsInFlightRequestsFinishAndExitsCleanly", func(t *testing.T) { sigtermLetsInFlightRequestsFinishAndExitsCleanly(t, p) })
}

// loadServesEveryRequestInBoundedMemory: 30 s of load from 64 clients, 60 reading and 4
// adding workers, each a request every 250 ms at most, every request answered right, at a rate
// and with no gap that say they were served all along; every write answered 201 is in the
// table; and the app's memory bounded: its resident memory (VmRSS of its process), sampled
// every 250 ms through the 30 s, is never above memoryCap, and its highest in the last 10 s
// is at most memoryGrowth above its highest in the first 10 s (the pools warm up in the first
// seconds; a leak grows after).
func loadServesEveryRequestInBoundedMemory(t *testing.T, p *harness.Project, appID string) {
	const (
		window       = 30 * time.Second
		memoryCap    = 64 << 20
		memoryGrowth = 8 << 20
	)
	pid := harness.MustDocker(t, "inspect", "-f", "{{.State.Pid}}", appID)
	idle := processRSS(t, appID, pid)
	l := startLoad(t, loadSpec{base: apiURLOf(t, p, "app-prod", ""), readers: 60, writers: 4,
		pause: 250 * time.Millisecond, writePause: 250 * time.Millisecond, limit: 3 * window, tag: "fault-load"})
	l.settled(t, l.started, 5, 30*time.Second)
	start := time.Now()
	type sample struct {
		at  time.Duration
		rss int64
	}
	var samples []sample
	for at := time.Duration(0); at < window; at = time.Since(start) {
		samples = append(samples, sample{at, processRSS(t, appID, pid)})
		time.Sleep(250 * time.Millisecond) // the sampling interval
	}
	end := time.Now()
	l.settled(t, end, 20, 30*time.Second)
	r := l.end(t, "30 s at 64 clients", start, end, loadWant{
		minReads: 1500, minReadRate: 50, maxReadGap: 2 * time.Second,
		minWrites: 150, minWriteRate: 5, maxWriteGap: 2 * time.Second,
	})
	assertWritesKept(t, "30 s at 64 clients", r.writeResult, parseRows(t, psql(t, p, rowsOfTagSQL("fault-load"))))

	var first, last, peak int64
	for _, s := range samples {
		peak = max(peak, s.rss)
		switch {
		case s.at < window/3:
			first = max(first, s.rss)
		case s.at >= 2*window/3:
			last = max(last, s.rss)
		}
	}
	t.Logf("app memory (VmRSS, %d samples over %s): %d MiB idle; highest %.1f MiB in the first 10 s, %.1f MiB in the last 10 s, %.1f MiB in all",
		len(samples), window, idle>>20, float64(first)/(1<<20), float64(last)/(1<<20), float64(peak)/(1<<20))
	if len(samples) < 60 {
		t.Errorf("%d memory samples in %s, want one every 250 ms or so", len(samples), window)
	}
	if peak > memoryCap {
		t.Errorf("the app's memory reached %.1f MiB under load, above the cap of %d MiB", float64(peak)/(1<<20), memoryCap>>20)
	}
	if last > first+memoryGrowth {
		t.Errorf("the app's memory grew under steady load: highest %.1f MiB in the last 10 s, %.1f MiB in the first, want at most %d MiB more",
			float64(last)/(1<<20), float64(first)/(1<<20), memoryGrowth>>20)
	}
}

// processRSS is the resident memory of a container's process (by the pid docker inspect
// gives): VmRSS from /proc/PID/status where the process is this machine's, else ps's RSS
// through `docker top`, the engine's own view (Docker Desktop's VM, a remote engine), which
// is slower to sample.
func processRSS(t *testing.T, id, pid string) int64 {
	t.Helper()
	if n, err := strconv.Atoi(pid); err == nil && onThisMachine(id, n) {
		data, err := os.ReadFile("/proc/" + pid + "/status")
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(data), "\n") {
			if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
				return kib(t, strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			}
		}
		t.Fatalf("/proc/%s/status has no VmRSS line", pid)
	}
	out := harness.MustTop(t, id, "pid,rss")
	for _, line := range strings.Split(out, "\n")[1:] {
		if f := strings.Fields(line); len(f) == 2 && f[0] == pid {
			return kib(t, f[1])
		}
	}
	t.Fatalf("docker top %s -o pid,rss has no line for pid %s:\n%s", id, pid, out)
	return 0
}

// kib is a count of KiB, in bytes.
func kib(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("resident memory %q: %v", s, err)
	}
	return n << 10
}

// onThisMachine reports whether a container's process (by its pid from docker inspect) is a
// process of this machine: the engine runs here, not in Docker Desktop's VM or elsewhere.
func onThisMachine(id string, pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	return err == nil && strings.Contains(string(data), id)
}

// databaseOutageAnswers503AndTheAppStaysUp: the database stops under a stream of requests,
// then returns; every answer meanwhile is a bounded 503 with a JSON error, and the app
// (appID, started at started) never restarts.
func databaseOutageAnswers503AndTheAppStaysUp(t *testing.T, p *harness.Project, appID, started string) {
	url := apiURLOf(t, p, "app-prod", "/api/v1/workers")
	type answer struct {
		at     time.Time
		status int
		body   string
		err    error
		took   time.Duration
	}
	var mu sync.Mutex
	var answers []answer
	done := make(chan struct{})
	// Every answer is bounded: the app gives a request's database work 2 s, and lib/pq a
	// connection attempt 3 s (connect_timeout), which it honours even where it does not
	// notice the request's deadline (a server that accepts while it is still starting).
	const bound = 6 * time.Second
	client := &http.Client{Timeout: bound + 2*time.Second}
	go func() {
		for {
			select {
			case <-done:
				return
			default:
			}
			start := time.Now()
			a := answer{at: start}
			resp, err := client.Get(url)
			if err != nil {
				a.err = err
			} else {
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				a.status, a.body = resp.StatusCode, string(body)
			}
			a.took = time.Since(start)
			mu.Lock()
			answers = append(answers, a)
			mu.Unlock()
			time.Sleep(50 * time.Millisecond)
		}
	}()

	// answered counts the answers that match, sent after since.
	answered := func(since time.Time, match func(answer) bool) func() bool {
		return func() bool {
			mu.Lock()
			defer mu.Unlock()
			n := 0
			for _, a := range answers {
				if a.at.After(since) && match(a) {
					n++
				}
			}
			return n >= 5
		}
	}
	pollFor(t, 30*time.Second, "5 answers with 200 before the outage", answered(time.Time{}, func(a answer) bool { return a.status == 200 }))
	p.MustCompose("stop", "db")
	stoppedAt := time.Now()
	pollFor(t, 60*time.Second, "5 answers with 503 while the database is stopped", answered(stoppedAt, func(a answer) bool { return a.status == 503 }))
	startIssued := time.Now()
	p.MustCompose("start", "db")
	startedAt := time.Now()
	harness.Eventually(t, 30*time.Second, func() error {
		mu.Lock()
		defer mu.Unlock()
		if last := answers[len(answers)-1]; last.status != 200 || last.at.Before(startedAt) {
			return fmt.Errorf("not serving yet: %d %s %v", last.status, last.body, last.err)
		}
		return nil
	})
	close(done)

	mu.Lock()
	defer mu.Unlock()
	var unavailable int
	var back time.Time
	for _, a := range answers {
		switch {
		case a.err != nil:
			t.Errorf("at %s the app did not answer (crashed or hung?): %v", a.at.Format("15:04:05.000"), a.err)
		case a.took > bound:
			t.Errorf("at %s an answer took %s: the app hangs on a missing database", a.at.Format("15:04:05.000"), a.took)
		case a.status == 503:
			unavailable++
			if !strings.Contains(a.body, `"error":"the database is unavailable`) {
				t.Errorf("a 503 without the JSON error: %s", a.body)
			}
		case a.status != 200:
			t.Errorf("at %s: status %d %s, want 200 or 503", a.at.Format("15:04:05.000"), a.status, a.body)
		case a.at.After(startedAt) && back.IsZero():
			back = a.at
		}
		if a.status == 200 && a.at.After(stoppedAt) && a.at.Add(a.took).Before(startIssued) {
			t.Errorf("at %s: 200 while the database was stopped", a.at.Format("15:04:05.000"))
		}
	}
	t.Logf("%d answers, %d of them 503 while the database was away; serving again %s after it was started",
		len(answers), unavailable, back.Sub(startedAt).Round(time.Millisecond))
	if unavailable == 0 {
		t.Errorf("no 503 while the database was stopped")
	}
	if now := harness.MustDocker(t, "inspect", "-f", "{{.State.StartedAt}} {{.RestartCount}}", appID); now != started+" 0" {
		t.Errorf("the app restarted: %s, want %s 0", now, started)
	}
}

// crashesLoseNoAcknowledgedWrite: 8 clients add workers through the API while the database,
// then the app, is killed with SIGKILL and started again. Every write the API answered 201
// is in the table afterwards, with its id; none it refused is, when it was sent after the
// kill returned. In doubt, and counted apart as found or not: the writes in flight during the
// kill (PostgreSQL may have committed one and died before it answered: the app then answers
// 503), those with no answer at all, and those answered 503 only after the app's 2 s budget.
func crashesLoseNoAcknowledgedWrite(t *testing.T, p *harness.Project) {
	var acked []worker.Worker
	for _, service := range []string{"db", "app-prod"} {
		tag := "crash-" + service
		l := startLoad(t, loadSpec{base: apiURLOf(t, p, "app-prod", ""), writers: 8, limit: 3 * time.Minute, tag: tag, timeout: 5 * time.Second})
		l.settled(t, l.started, 20, 30*time.Second)
		id := p.MustCompose("ps", "-q", service)
		killed := time.Now()
		harness.MustDocker(t, "kill", "-s", "KILL", id)
		dead := time.Now()
		// Compose starts it again, as after a crash, and waits until it is healthy.
		p.MustCompose("up", "-d", "--wait", service)
		back := time.Now()
		if service == "app-prod" {
			l.setBase(apiURLOf(t, p, "app-prod", "")) // its port may be another after the restart
		}
		restarts := harness.MustDocker(t, "inspect", "-f", "{{.RestartCount}} {{.State.StartedAt}}", id)
		l.settled(t, time.Now(), 20, time.Minute)
		what := fmt.Sprintf("%s killed (SIGKILL) under writes", service)
		r := l.end(t, what, killed, back, loadWant{allowFailures: true})
		r.writeResult.crashedAt(killed, dead)
		inFlight := 0
		for _, o := range l.outcomes {
			if o.sent.Before(dead) && o.ended.After(killed) {
				inFlight++
			}
		}
		found := assertWritesKept(t, what, r.writeResult, parseRows(t, psql(t, p, rowsOfTagSQL(tag))))
		acked = append(acked, r.writeResult.acked...)
		t.Logf("%s: %d writes in flight during the kill; back and healthy %s after it (restart count and start: %s); %d acknowledged, %d found after the restart",
			what, inFlight, back.Sub(killed).Round(time.Millisecond), restarts, len(r.writeResult.acked), found)
		if len(r.writeResult.acked) < 40 {
			t.Errorf("%s: %d writes acknowledged in all, want at least 40 (20 before the kill, 20 after)", what, len(r.writeResult.acked))
		}
		if inFlight == 0 {
			t.Errorf("%s: no write was in flight while it was killed", what)
		}
	}
	// The API serves every acknowledged write after both kills.
	listed := map[string]worker.Worker{}
	for _, w := range listWorkersOf(t, p, "app-prod") {
		listed[w.Email] = w
	}
	for _, w := range acked {
		if !sameWorker(listed[w.Email], w) {
			t.Errorf("after the kills the API lists %+v, want the worker it answered 201 with, %+v", listed[w.Email], w)
		}
	}
}

// badRequestsGetErrorAnswersAndTheAppGoesOn: bad requests get a JSON 4xx; what is not HTTP
// gets net/http's plain answer; the app goes on.
func badRequestsGetErrorAnswersAndTheAppGoesOn(t *testing.T, p *harness.Project) {
	addr := p.Addr("app-prod", 8080)
	base := "http://" + addr
	for _, tt := range []struct {
		name, method, path string
		header             string // a header value of this many bytes, when not empty
		body               string
		wantStatus         int
		wantError          string
	}{
		{"a URL over 8 KiB", "GET", "/api/v1/workers?q=" + strings.Repeat("a", 9000), "", "", 414, "the URL is longer than 8192 bytes"},
		{"headers over 32 KiB", "GET", "/api/v1/workers", strings.Repeat("a", 40000), "", 431, "the request headers are larger than 32768 bytes"},
		{"a body over 1 MiB", "POST", "/api/v1/workers", "", strings.Repeat("a", 2<<20), 413, "the request body is larger than 1048576 bytes"},
		{"a method no route takes", "DELETE", "/api/v1/workers/1", "", "", 405, "method DELETE not allowed"},
		{"an id that is not one", "GET", "/api/v1/workers/1%20OR%201=1", "", "", 400, "positive integer"},
	} {
		req, err := http.NewRequest(tt.method, base+tt.path, strings.NewReader(tt.body))
		if err != nil {
			t.Fatal(err)
		}
		if tt.header != "" {
			req.Header.Set("X-Padding", tt.header)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var answer struct{ Error string }
		if resp.StatusCode != tt.wantStatus || json.Unmarshal(body, &answer) != nil || !strings.Contains(answer.Error, tt.wantError) {
			t.Errorf("%s: %d %.200s, want %d and a JSON error with %q", tt.name, resp.StatusCode, body, tt.wantStatus, tt.wantError)
		}
	}

	// Below the API: bytes that are not HTTP, and headers over net/http's 1 MiB.
	for _, tt := range []struct {
		name, request string
		wantStatus    string
	}{
		{"not HTTP at all", "HELLO THERE\r\n\r\n", "HTTP/1.1 400 Bad Request"},
		{"a bad escape in the path", "GET /api/v1/workers/%zz HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 400 Bad Request"},
		{"headers over 1 MiB", "GET /api/v1/workers HTTP/1.1\r\nHost: x\r\nX-Padding: " + strings.Repeat("a", 2<<20) + "\r\n\r\n", "HTTP/1.1 431 Request Header Fields Too Large"},
	} {
		if got := rawStatusLine(t, addr, tt.request); got != tt.wantStatus {
			t.Errorf("%s: the app answered %q, want %q", tt.name, got, tt.wantStatus)
		}
	}
	if n := len(listWorkersOf(t, p, "app-prod")); n == 0 {
		t.Errorf("after the bad requests the API lists no workers")
	}
	if now := harness.MustDocker(t, "inspect", "-f", "{{.RestartCount}}", p.MustCompose("ps", "-q", "app-prod")); now != "0" {
		t.Errorf("the app restarted %s times during the bad requests", now)
	}
}

// badConfigurationStopsTheAppNamingTheVariable: with a bad setting the app exits and names
// the variable (and never shows the password).
func badConfigurationStopsTheAppNamingTheVariable(t *testing.T, p *harness.Project) {
	image := harness.MustDocker(t, "inspect", "-f", "{{.Config.Image}}", p.MustCompose("ps", "-q", "app-prod"))
	for _, tt := range []struct{ env, want string }{
		{"PORT=80a", "PORT"},
		{"PORT=70000", "PORT"},
		{"DATABASE_URL=mysql://u:secretpw@db/x", "DATABASE_URL"},
		{"LOG_LEVEL=loud", "LOG_LEVEL"},
		{"SHUTDOWN_TIMEOUT=soon", "SHUTDOWN_TIMEOUT"},
	} {
		// Bounded: an app that accepted the value would serve (on in-memory SQLite) until
		// timeout's SIGTERM, which docker run passes on to it.
		r := harness.Cmd{Name: "timeout", Args: []string{"30", "docker", "run", "--rm", "--label", harness.Owner(), "-e", tt.env, image}}.Run()
		// timeout exits 124 when it had to stop the app; docker run --rm passes on the app's own
		// status, so 1 means the app refused the value and stopped by itself.
		if code := r.ExitCode(); code != 1 || !strings.Contains(r.Output(), tt.want) {
			t.Errorf("%s: exit status %d (124: still running after 30 s, stopped by timeout)\n%s\nwant the app to stop by itself with exit status 1 and a message naming %s", tt.env, code, r.Output(), tt.want)
		}
		if strings.Contains(r.Output(), "secretpw") {
			t.Errorf("%s: the message shows the password: %s", tt.env, r.Output())
		}
	}
}

// sigtermLetsInFlightRequestsFinishAndExitsCleanly: SIGTERM during in-flight requests: they
// complete, a new connection gets no answer (the app refuses it; the published port's proxy
// closes it), the exit is clean. It stops the app.
func sigtermLetsInFlightRequestsFinishAndExitsCleanly(t *testing.T, p *harness.Project) {
	appID := p.MustCompose("ps", "-q", "app-prod")
	url := apiURLOf(t, p, "app-prod", "/api/v1/workers")
	// Its restart policy would start it again once it exits: this part is the suite's last.
	harness.MustDocker(t, "update", "--restart", "no", appID)
	pid, err := strconv.Atoi(harness.MustDocker(t, "inspect", "-f", "{{.State.Pid}}", appID))
	if err != nil || pid < 2 {
		t.Fatalf("the app's process id: %d %v", pid, err)
	}
	// Requests stay in flight inside the app while PostgreSQL makes them wait for a lock
	// that this psql session holds until the test releases it.
	holder := exec.Command("docker", append(p.ComposeArgs(), "exec", "-T", "db", "psql", "-U", "workers", "-d", "workers", "-v", "ON_ERROR_STOP=1")...)
	holder.Dir = p.Dir
	stdin, err := holder.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var holderOut bytes.Buffer
	holder.Stdout, holder.Stderr = &holderOut, &holderOut
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	release := sync.OnceFunc(func() {
		io.WriteString(stdin, "COMMIT;\n")
		stdin.Close()
		if err := holder.Wait(); err != nil {
			t.Errorf("the psql session that held the lock: %v\n%s", err, holderOut.String())
		}
	})
	defer release()
	// The app gives a request's database work 2 s: from the moment the requests are sent,
	// the test's steps until the lock is released must fit in it. A shell kept open in the
	// database's container runs them (psql, a connection to the app) without the second or
	// so that each docker compose exec would take; the app's logs are read only afterwards.
	sh := startContainerShell(t, p, "db")
	io.WriteString(stdin, "BEGIN;\nLOCK TABLE workers IN ACCESS EXCLUSIVE MODE;\n")
	pollFor(t, 10*time.Second, "the table lock", func() bool {
		return sh.run(t, `psql -U workers -d workers -tAc "SELECT count(*) FROM pg_locks WHERE relation = 'workers'::regclass AND mode = 'AccessExclusiveLock' AND granted"`) == "1"
	})

	const inflight = 8
	type result struct {
		status int
		body   string
		err    error
	}
	results := make(chan result, inflight)
	sent := time.Now()
	for range inflight {
		go func() {
			client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
			resp, err := client.Get(url)
			if err != nil {
				results <- result{err: err}
				return
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			results <- result{status: resp.StatusCode, body: string(body)}
		}()
	}
	// The app has them in flight once the database has them all waiting for the lock.
	pollFor(t, 2*time.Second, "the requests waiting in the database", func() bool {
		return sh.run(t, `psql -U workers -d workers -tAc "SELECT count(*) FROM pg_locks WHERE relation = 'workers'::regclass AND NOT granted"`) == strconv.Itoa(inflight)
	})

	// SIGTERM, sent to the app's process straight from this machine: docker stop would send
	// the same signal, but through the engine, which on a busy machine can take more of the
	// 2 s than the test can spare. Where the engine's processes are not this machine's
	// (Docker Desktop's VM, a remote engine), docker kill sends it.
	stopStart := time.Now()
	if onThisMachine(appID, pid) {
		if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
			t.Fatalf("SIGTERM to the app's process %d: %v", pid, err)
		}
	} else {
		harness.MustDocker(t, "kill", "--signal", "TERM", appID)
	}
	// The listener is closed. A new connection to the app, from the database's container on
	// the project's network, is refused; one to the published port on 127.0.0.1 is accepted
	// by Docker's proxy, which then closes it without an answer.
	var refused string
	harness.Poll(t, 2*time.Second, 20*time.Millisecond, func() error {
		if refused = sh.run(t, "(exec 3<>/dev/tcp/app-prod/8080) 2>&1 && echo connected"); !strings.HasSuffix(refused, "Connection refused") {
			return fmt.Errorf("a new connection to app-prod:8080 from the database's container, after SIGTERM: %q, want it refused", refused)
		}
		return nil
	})
	newClient := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, published := newClient.Get(url)
	if published == nil {
		resp.Body.Close()
	}
	held := time.Since(sent)
	release()

	if logs := harness.Docker("logs", appID).Output(); !strings.Contains(logs, "shutting down: finishing in-flight requests") {
		t.Errorf("the app did not log its shutdown:\n%s", logs)
	}
	// Whether the client reads a reset or an end of file depends on whether the proxy closes
	// the connection before or after the request has reached it: both are seen here. An end
	// of file that comes before Go's transport has counted the request as sent (the proxy
	// quicker still, on a busy machine) is reported as "server closed idle connection": Go
	// gives that error for an io.EOF read then, or for a 408 that Docker's proxy never sends.
	closedIdle := published != nil && strings.HasSuffix(published.Error(), "http: server closed idle connection")
	if published == nil || !(errors.Is(published, io.EOF) || errors.Is(published, syscall.ECONNRESET) || closedIdle) {
		t.Errorf("a new request to the published port after SIGTERM: %v, want the connection closed with no answer (EOF or reset by peer)", published)
	}
	completed := 0
	for range inflight {
		r := <-results
		var workers []worker.Worker
		if r.err != nil || r.status != 200 || json.Unmarshal([]byte(r.body), &workers) != nil || len(workers) == 0 {
			t.Errorf("an in-flight request: %d %.200s %v, want 200 and the workers", r.status, r.body, r.err)
		} else {
			completed++
		}
	}
	code := harness.MustDocker(t, "wait", appID)
	took := time.Since(stopStart)
	t.Logf("%d of %d requests in flight completed with 200 (held %s in the database); a new connection from the network: %q; through the published port: %v; the app exited %s after %s",
		completed, inflight, held.Round(time.Millisecond), refused, published, code, took.Round(time.Millisecond))
	// The app's own bound on the shutdown is SHUTDOWN_TIMEOUT, 10 s by default.
	if code != "0" || took > 10*time.Second {
		t.Errorf("the app exited %s %s after SIGTERM, want 0 within its 10 s shutdown timeout", code, took)
	}
	if logs := harness.Docker("logs", appID).Output(); !strings.Contains(logs, `"msg":"stopped"`) {
		t.Errorf("the app did not log a clean stop:\n%s", logs)
	}
}

// containerShell is a bash kept running in a service's container, which runs one command
// at a time and returns its output.
type containerShell struct {
	in  io.WriteCloser
	out *bufio.Reader
}

func startContainerShell(t *testing.T, p *harness.Project, service string) *containerShell {
	t.Helper()
	cmd := exec.Command("docker", append(p.ComposeArgs(), "exec", "-T", service, "bash")...)
	cmd.Dir = p.Dir
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		in.Close()
		cmd.Wait()
	})
	sh := &containerShell{in: in, out: bufio.NewReader(out)}
	sh.run(t, "exec 2>&1")
	return sh
}

// containerShellEnd marks the end of a command's output.
const containerShellEnd = "--- end of output ---"

func (sh *containerShell) run(t *testing.T, command string) string {
	t.Helper()
	if _, err := fmt.Fprintf(sh.in, "%s\necho '%s'\n", command, containerShellEnd); err != nil {
		t.Fatalf("the shell in the container: %v", err)
	}
	var lines []string
	for {
		line, err := sh.out.ReadString('\n')
		if err != nil {
			t.Fatalf("the shell in the container, after %q: %v (%q)", command, err, lines)
		}
		if line = strings.TrimSuffix(line, "\n"); line == containerShellEnd {
			return strings.TrimSpace(strings.Join(lines, "\n"))
		}
		lines = append(lines, line)
	}
}

// pollFor calls done every 50 ms until it is true, and fails the test after timeout.
func pollFor(t *testing.T, timeout time.Duration, what string, done func() bool) {
	t.Helper()
	harness.Poll(t, timeout, 50*time.Millisecond, func() error {
		if !done() {
			return fmt.Errorf("waiting for %s", what)
		}
		return nil
	})
}

// rawStatusLine sends bytes that need not be valid HTTP to addr and returns the status line
// of the answer, read while the request is still being written (the server answers a request
// over its limit without reading it all).
func rawStatusLine(t *testing.T, addr, request string) string {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	go io.WriteString(conn, request) // fails once the server has hung up: that is fine
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return fmt.Sprintf("no answer: %v", err)
	}
	return strings.TrimSpace(line)
}

// containerMemory is the container's memory use, in bytes, as docker stats reports it.
func containerMemory(t *testing.T, id string) int64 {
	t.Helper()
	out := harness.MustDocker(t, "stats", "--no-stream", "--format", "{{.MemUsage}}", id)
	used, _, _ := strings.Cut(out, " / ")
	var n float64
	var unit string
	if _, err := fmt.Sscanf(strings.TrimSpace(used), "%f%s", &n, &unit); err != nil {
		t.Fatalf("docker stats said %q: %v", out, err)
	}
	scale := map[string]float64{"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}[unit]
	if scale == 0 {
		t.Fatalf("docker stats unit %q in %q", unit, out)
	}
	return int64(n * scale)
}
