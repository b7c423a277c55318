package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"base-docker-and-compose/e2e/bench"
	"base-docker-and-compose/shared/worker"
)

// The fault suite: what the production setup (06-profiles, --profile prod) does when things
// go wrong. Each part would fail if the behaviour regressed.
func TestFaultsProd(t *testing.T) {
	p, _, _ := stage06(t, "prod")
	p.Up()
	if r := p.Exec("app-prod", "app", "seed_db"); r.Err != nil {
		t.Fatalf("seed_db: %v\n%s", r.Err, r.Output())
	}
	appID := p.MustCompose("ps", "-q", "app-prod")
	started := bench.MustDocker(t, "inspect", "-f", "{{.State.StartedAt}}", appID)

	t.Run("load: 30 s at 64 clients, no errors, memory bounded", func(t *testing.T) {
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
	})

	t.Run("the database stops under a stream of requests, then returns", func(t *testing.T) {
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
		bench.Eventually(t, 30*time.Second, func() error {
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
		if now := bench.MustDocker(t, "inspect", "-f", "{{.State.StartedAt}} {{.RestartCount}}", appID); now != started+" 0" {
			t.Errorf("the app restarted: %s, want %s 0", now, started)
		}
	})

	t.Run("SIGKILL of the app, then of the database: no committed row lost", func(t *testing.T) {
		psql(t, p, "INSERT INTO workers (name, email, role) VALUES ('Committed Row', 'committed@example.com', 'tester')")
		want := strconv.Itoa(len(worker.Dummies()) + 1)

		bench.MustDocker(t, "kill", "-s", "KILL", p.MustCompose("ps", "-q", "app-prod"))
		p.Up("--force-recreate", "app-prod")
		bench.MustDocker(t, "kill", "-s", "KILL", p.MustCompose("ps", "-q", "db"))
		p.Up("--force-recreate")
		if got := psql(t, p, "SELECT count(*) FROM workers"); got != want {
			t.Errorf("after killing both: %s rows, want %s", got, want)
		}
		if n := len(listWorkersOf(t, p, "app-prod")); strconv.Itoa(n) != want {
			t.Errorf("the API serves %d workers after the kills, want %s", n, want)
		}
	})
}

// containerMemory is the container's memory use, in bytes, as docker stats reports it.
func containerMemory(t *testing.T, id string) int64 {
	t.Helper()
	out := bench.MustDocker(t, "stats", "--no-stream", "--format", "{{.MemUsage}}", id)
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
