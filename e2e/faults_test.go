package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"base-docker-and-compose/e2e/harness"
	"base-docker-and-compose/shared/worker"
)

// The fault suite: what the production setup (06-profiles, --profile prod) does when things
// go wrong. Each part would fail if the behaviour regressed. The parts share one project and
// run in this order: each leaves it as the next one needs it, and the last stops the app.
func TestFaultsProd(t *testing.T) {
	p, _, _ := stage06(t, "prod")
	p.Up()
	if r := p.Exec("app-prod", "app", "seed_db"); r.Err != nil {
		t.Fatalf("seed_db: %v\n%s", r.Err, r.Output())
	}
	appID := p.MustCompose("ps", "-q", "app-prod")
	started := harness.MustDocker(t, "inspect", "-f", "{{.State.StartedAt}}", appID)

	t.Run("LoadServesEveryRequestInBoundedMemory", func(t *testing.T) { loadServesEveryRequestInBoundedMemory(t, p, appID) })
	t.Run("DatabaseOutageAnswers503AndTheAppStaysUp", func(t *testing.T) { databaseOutageAnswers503AndTheAppStaysUp(t, p, appID, started) })
	t.Run("KillsLoseNoCommittedRow", func(t *testing.T) { killsLoseNoCommittedRow(t, p) })
	t.Run("BadRequestsGetErrorAnswersAndTheAppGoesOn", func(t *testing.T) { badRequestsGetErrorAnswersAndTheAppGoesOn(t, p) })
	t.Run("BadConfigurationStopsTheAppNamingTheVariable", func(t *testing.T) { badConfigurationStopsTheAppNamingTheVariable(t, p) })
	// Last: it stops the app.
	t.Run("SIGTERMLetsInFlightRequestsFinishAndExitsCleanly", func(t *testing.T) { sigtermLetsInFlightRequestsFinishAndExitsCleanly(t, p) })
}

// loadServesEveryRequestInBoundedMemory: 30 s at 64 clients, no errors, memory bounded.
func loadServesEveryRequestInBoundedMemory(t *testing.T, p *harness.Project, appID string) {
	url := apiURLOf(t, p, "app-prod", "/api/v1/workers")
	before := containerMemory(t, appID)
	var requests, failures atomic.Int64
	var mid int64
	stop := time.Now().Add(30 * time.Second)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			for time.Now().Before(stop) {
				requests.Add(1)
				resp, err := client.Get(url)
				if err != nil {
					failures.Add(1)
					continue
				}
				var workers []worker.Worker
				if json.NewDecoder(resp.Body).Decode(&workers) != nil || resp.StatusCode != 200 || len(workers) != len(worker.Dummies()) {
					failures.Add(1)
				}
				resp.Body.Close()
			}
		})
	}
	time.Sleep(10 * time.Second)
	mid = containerMemory(t, appID)
	wg.Wait()
	after := containerMemory(t, appID)
	t.Logf("%d requests in 30 s at 64 clients, %d failed; app memory %d MiB idle, %d MiB at 10 s, %d MiB at 30 s",
		requests.Load(), failures.Load(), before>>20, mid>>20, after>>20)
	if failures.Load() != 0 {
		t.Errorf("%d of %d requests failed under load", failures.Load(), requests.Load())
	}
	// Memory may grow while the pools warm up, in the first seconds; after that it must
	// stay flat. 32 MiB is far above the noise and far below a leak's growth in 20 s.
	if after-mid > 32<<20 {
		t.Errorf("app memory grew from %d MiB to %d MiB between 10 s and 30 s of load", mid>>20, after>>20)
	}
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

	time.Sleep(time.Second)
	p.MustCompose("stop", "db")
	stoppedAt := time.Now()
	time.Sleep(3 * time.Second)
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

// killsLoseNoCommittedRow: SIGKILL of the app, then of the database: no committed row lost.
func killsLoseNoCommittedRow(t *testing.T, p *harness.Project) {
	psql(t, p, "INSERT INTO workers (name, email, role) VALUES ('Committed Row', 'committed@example.com', 'tester')")
	want := strconv.Itoa(len(worker.Dummies()) + 1)

	harness.MustDocker(t, "kill", "-s", "KILL", p.MustCompose("ps", "-q", "app-prod"))
	p.Up("--force-recreate", "app-prod")
	harness.MustDocker(t, "kill", "-s", "KILL", p.MustCompose("ps", "-q", "db"))
	p.Up("--force-recreate")
	if got := psql(t, p, "SELECT count(*) FROM workers"); got != want {
		t.Errorf("after killing both: %s rows, want %s", got, want)
	}
	if n := len(listWorkersOf(t, p, "app-prod")); strconv.Itoa(n) != want {
		t.Errorf("the API serves %d workers after the kills, want %s", n, want)
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
		if r.Err == nil || !strings.Contains(r.Output(), tt.want) {
			t.Errorf("%s: %v\n%s\nwant a failed start whose message names %s", tt.env, r.Err, r.Output(), tt.want)
		}
		if strings.Contains(r.Output(), "secretpw") {
			t.Errorf("%s: the message shows the password: %s", tt.env, r.Output())
		}
	}
}

// sigtermLetsInFlightRequestsFinishAndExitsCleanly: SIGTERM during in-flight requests: they
// complete, new connections are refused, the exit is clean. It stops the app.
func sigtermLetsInFlightRequestsFinishAndExitsCleanly(t *testing.T, p *harness.Project) {
	appID := p.MustCompose("ps", "-q", "app-prod")
	url := apiURLOf(t, p, "app-prod", "/api/v1/workers")
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
	io.WriteString(stdin, "BEGIN;\nLOCK TABLE workers IN ACCESS EXCLUSIVE MODE;\n")
	pollFor(t, 10*time.Second, "the table lock", func() bool {
		return psql(t, p, "SELECT count(*) FROM pg_locks WHERE relation = 'workers'::regclass AND mode = 'AccessExclusiveLock' AND granted") == "1"
	})

	const inflight = 8
	type result struct {
		status int
		body   string
		err    error
	}
	results := make(chan result, inflight)
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
	// The app has them in flight once the database has them all waiting for the lock. The
	// app gives a request's database work 2 s: the lock must go before that.
	pollFor(t, 2*time.Second, "the requests waiting in the database", func() bool {
		return psql(t, p, "SELECT count(*) FROM pg_locks WHERE relation = 'workers'::regclass AND NOT granted") == strconv.Itoa(inflight)
	})

	stopped := make(chan harness.Result, 1)
	stopStart := time.Now()
	go func() { stopped <- harness.Docker("stop", "-t", "20", appID) }()
	pollFor(t, 2*time.Second, "the shutdown log line", func() bool {
		return strings.Contains(harness.Docker("logs", appID).Output(), "shutting down: finishing in-flight requests")
	})
	// The listener is closed: a new connection is refused by the app. Docker's proxy has
	// accepted it on 127.0.0.1 and closes it without an answer.
	newClient := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	var refused error
	pollFor(t, time.Second, "a new connection refused", func() bool {
		resp, err := newClient.Get(url)
		if err == nil {
			resp.Body.Close()
			return false
		}
		refused = err
		return true
	})
	release()

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
	if r := <-stopped; r.Err != nil {
		t.Fatalf("docker stop: %v\n%s", r.Err, r.Output())
	}
	took := time.Since(stopStart)
	t.Logf("%d of %d requests in flight completed with 200; a new one got %v; docker stop took %s", completed, inflight, refused, took.Round(time.Millisecond))
	if code := harness.MustDocker(t, "inspect", "-f", "{{.State.ExitCode}}", appID); code != "0" || took > 15*time.Second {
		t.Errorf("the app exited %s after %s, want 0 well before docker stop's 20 s SIGKILL", code, took)
	}
	if logs := harness.Docker("logs", appID).Output(); !strings.Contains(logs, `"msg":"stopped"`) {
		t.Errorf("the app did not log a clean stop:\n%s", logs)
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
