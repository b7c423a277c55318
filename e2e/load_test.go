package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"base-docker-and-compose/shared/worker"
)

// The load that stage 07's updates and the fault suite run under: clients that read the list
// and single workers, and clients that add workers with POST, each with an email of its own.
// Every answer is decoded and checked: a 200 whose body is not the workers asked for is a
// failure, and so is a 201 that does not return the worker sent, with its Location. The load
// keeps, per kind of request, how many were sent, which failed and why, and when each
// succeeded, so that a test can say what ran during an operation, and check that the load
// ran through all of it.

// The kinds of request the load sends.
const (
	loadList  = "list"  // GET /api/v1/workers
	loadByID  = "by id" // GET /api/v1/workers/ID
	loadWrite = "write" // POST /api/v1/workers
)

// loadSpec says what load to send.
type loadSpec struct {
	base    string        // the API's address, http://127.0.0.1:PORT
	readers int           // clients sending reads, the list and single workers in turn
	writers int           // clients sending writes
	pause   time.Duration // each reader's pause between two of its requests
	// each writer's pause between two of its writes; the list the readers read grows with
	// every write, so a load that writes at full speed reads less and less
	writePause time.Duration
	limit      time.Duration // the load's own deadline: a test that reaches it fails
	tag        string        // in the emails the writes use, unique to the load
	timeout    time.Duration // a request's timeout (10 s when zero)
}

// outcome is one request: when it was sent and answered, and what went wrong, if anything.
type outcome struct {
	kind        string
	sent, ended time.Time
	status      int    // 0: no answer
	failure     string // empty: the answer was the right one
	refused     bool   // no answer because the connection was refused: nothing was sent
	email       string // a write's email
	worker      worker.Worker
}

// writeResult sorts the writes by what the API answered.
type writeResult struct {
	acked   []worker.Worker // answered 201, with the worker
	refused []outcome       // answered, but not with a 201: nothing should have been written
	unsent  []outcome       // the connection was refused: nothing was sent
	inDoubt []outcome       // sent, and no answer came: it may or may not have been written
	// Answered 503 only once the app's 2 s budget for the request's database work had run
	// out: the INSERT may have been committed as the deadline struck, so these are in doubt
	// too, and counted apart.
	timedOut []outcome
	// Answered with an error, but in flight when the process that would commit it was
	// killed (crashed): the commit may have come before the kill and only the answer have
	// been lost. Counted apart (crashedAt moves them here).
	crashed    []outcome
	crashAfter time.Time // when crashedAt was called: the end of the kill
}

// crashedAt moves the writes answered with an error that were in flight between from and to
// (a kill: from when it was sent to when it returned) from refused to crashed.
func (w *writeResult) crashedAt(from, to time.Time) {
	var refused []outcome
	for _, o := range w.refused {
		if o.sent.Before(to) && o.ended.After(from) {
			w.crashed = append(w.crashed, o)
		} else {
			refused = append(refused, o)
		}
	}
	w.refused = refused
	w.crashAfter = to
}

// appDBTimeout is the app's budget for a request's database work (dbTimeout in routes.go).
const appDBTimeout = 2 * time.Second

// load is a running load.
type load struct {
	spec     loadSpec
	started  time.Time
	deadline time.Time
	base     atomic.Value // string: the API's address, which a test may change (setBase)
	stop     chan struct{}
	wg       sync.WaitGroup
	client   *http.Client
	next     atomic.Int64 // the writes' numbers

	mu          sync.Mutex
	outcomes    []outcome
	baseline    map[int64]worker.Worker // the workers before the load started
	known       []worker.Worker         // the baseline and the acknowledged writes, for by-id reads
	acked       int                     // acknowledged writes so far
	stoppedAt   time.Time
	hitDeadline bool
}

// startLoad reads the workers there are, then starts the load's clients.
func startLoad(t *testing.T, spec loadSpec) *load {
	t.Helper()
	if spec.timeout == 0 {
		spec.timeout = 10 * time.Second
	}
	if spec.tag == "" {
		spec.tag = "load"
	}
	l := &load{
		spec:     spec,
		stop:     make(chan struct{}),
		baseline: map[int64]worker.Worker{},
		client: &http.Client{Timeout: spec.timeout, Transport: &http.Transport{
			MaxIdleConnsPerHost: spec.readers + spec.writers,
		}},
	}
	l.base.Store(spec.base)
	var workers []worker.Worker
	if err := l.getJSON(spec.base+"/api/v1/workers", &workers); err != nil {
		t.Fatalf("the workers before the load: %v", err)
	}
	if len(workers) == 0 {
		t.Fatalf("the load needs workers to read: the API lists none (seed_db first)")
	}
	for _, w := range workers {
		l.baseline[w.ID] = w
	}
	l.known = workers
	l.started = time.Now()
	l.deadline = l.started.Add(spec.limit)
	for i := range spec.readers {
		l.wg.Go(func() { l.runClient(i%2 == 0, false) })
	}
	for range spec.writers {
		l.wg.Go(func() { l.runClient(false, true) })
	}
	t.Cleanup(l.halt)
	return l
}

// setBase points the load at another address (a re-created container's new port).
func (l *load) setBase(base string) { l.base.Store(base) }

// halt stops the clients, and waits for their requests to end.
func (l *load) halt() {
	l.mu.Lock()
	select {
	case <-l.stop:
		l.mu.Unlock()
	default:
		close(l.stop)
		l.stoppedAt = time.Now()
		l.mu.Unlock()
	}
	l.wg.Wait()
}

// runClient sends requests until the load stops or its deadline passes. A reader sends the
// list and a single worker in turn, starting with the list when listFirst.
func (l *load) runClient(listFirst, writer bool) {
	list := listFirst
	for {
		select {
		case <-l.stop:
			return
		default:
		}
		if time.Now().After(l.deadline) {
			l.mu.Lock()
			l.hitDeadline = true
			l.mu.Unlock()
			return
		}
		var o outcome
		switch {
		case writer:
			o = l.write()
		case list:
			o = l.list()
		default:
			o = l.byID()
		}
		list = !list
		pause := l.spec.pause
		if writer {
			pause = l.spec.writePause
		}
		if o.failure != "" {
			// A client whose request failed waits a moment, as a real one would: with the
			// port closed, a refused connection comes back at once.
			pause = max(pause, 50*time.Millisecond)
		}
		l.mu.Lock()
		l.outcomes = append(l.outcomes, o)
		if o.kind == loadWrite && o.status == http.StatusCreated && o.failure == "" {
			l.known = append(l.known, o.worker)
			l.acked++
		}
		l.mu.Unlock()
		if pause > 0 {
			select {
			case <-l.stop:
				return
			case <-time.After(pause):
			}
		}
	}
}

// list reads the list: every worker there was before the load, unchanged, and at least as
// many more as writes had been acknowledged when it was sent.
func (l *load) list() outcome {
	l.mu.Lock()
	ackedBefore := l.acked
	l.mu.Unlock()
	o := outcome{kind: loadList, sent: time.Now()}
	resp, body, err := l.do("GET", "/api/v1/workers", nil)
	o.ended = time.Now()
	if err != nil {
		o.failure, o.refused = noAnswer(err)
		return o
	}
	o.status = resp.StatusCode
	var workers []worker.Worker
	switch {
	case resp.StatusCode != http.StatusOK:
		o.failure = fmt.Sprintf("status %d: %.200s", resp.StatusCode, body)
	case json.Unmarshal(body, &workers) != nil:
		o.failure = fmt.Sprintf("200 whose body is not a list of workers: %.200s", body)
	case len(workers) < len(l.baseline)+ackedBefore:
		o.failure = fmt.Sprintf("200 with %d workers, want at least %d (%d before the load, %d writes acknowledged)",
			len(workers), len(l.baseline)+ackedBefore, len(l.baseline), ackedBefore)
	default:
		seen := 0
		for _, w := range workers {
			if want, ok := l.baseline[w.ID]; ok {
				if !sameWorker(w, want) {
					o.failure = fmt.Sprintf("200 whose worker %d is %+v, want %+v", w.ID, w, want)
					break
				}
				seen++
			}
		}
		if o.failure == "" && seen != len(l.baseline) {
			o.failure = fmt.Sprintf("200 that lists %d of the %d workers there were before the load", seen, len(l.baseline))
		}
	}
	return o
}

// byID reads one worker the load knows (one there was before, or one it wrote), and checks
// that it is that worker.
func (l *load) byID() outcome {
	l.mu.Lock()
	want := l.known[rand.IntN(len(l.known))]
	l.mu.Unlock()
	o := outcome{kind: loadByID, sent: time.Now()}
	resp, body, err := l.do("GET", "/api/v1/workers/"+strconv.FormatInt(want.ID, 10), nil)
	o.ended = time.Now()
	if err != nil {
		o.failure, o.refused = noAnswer(err)
		return o
	}
	o.status = resp.StatusCode
	var got worker.Worker
	switch {
	case resp.StatusCode != http.StatusOK:
		o.failure = fmt.Sprintf("status %d for worker %d: %.200s", resp.StatusCode, want.ID, body)
	case json.Unmarshal(body, &got) != nil:
		o.failure = fmt.Sprintf("200 whose body is not a worker: %.200s", body)
	case !sameWorker(got, want):
		o.failure = fmt.Sprintf("200 with %+v, want %+v", got, want)
	}
	return o
}

// write adds a worker with an email no other write uses, and checks that the 201 returns it,
// with its Location.
func (l *load) write() outcome {
	n := l.next.Add(1)
	sent := worker.Worker{
		Name:  fmt.Sprintf("Load Writer %d", n),
		Email: fmt.Sprintf("%s-%d@example.com", l.spec.tag, n),
		Role:  "tester",
	}
	body, _ := json.Marshal(map[string]string{"name": sent.Name, "email": sent.Email, "role": sent.Role})
	o := outcome{kind: loadWrite, sent: time.Now(), email: sent.Email}
	resp, answer, err := l.do("POST", "/api/v1/workers", body)
	o.ended = time.Now()
	if err != nil {
		o.failure, o.refused = noAnswer(err)
		return o
	}
	o.status = resp.StatusCode
	var got worker.Worker
	switch {
	case resp.StatusCode != http.StatusCreated:
		o.failure = fmt.Sprintf("status %d: %.200s", resp.StatusCode, answer)
	case json.Unmarshal(answer, &got) != nil:
		o.failure = fmt.Sprintf("201 whose body is not a worker: %.200s", answer)
	case got.ID < 1 || got.Name != sent.Name || got.Email != sent.Email || got.Role != sent.Role || got.CreatedAt.IsZero():
		o.failure = fmt.Sprintf("201 with %+v, want the worker sent (%s, %s, %s) with an id and a creation time", got, sent.Name, sent.Email, sent.Role)
	case resp.Header.Get("Location") != "/api/v1/workers/"+strconv.FormatInt(got.ID, 10):
		o.failure = fmt.Sprintf("201 with Location %q, want /api/v1/workers/%d", resp.Header.Get("Location"), got.ID)
	}
	o.worker = got
	return o
}

// do sends one request and reads its whole answer.
func (l *load) do(method, path string, body []byte) (*http.Response, []byte, error) {
	req, err := http.NewRequest(method, l.base.Load().(string)+path, bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := l.client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, fmt.Errorf("reading the answer: %w", err)
	}
	return resp, answer, nil
}

func (l *load) getJSON(url string, v any) error {
	resp, err := l.client.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %d %.200s", url, resp.StatusCode, body)
	}
	return json.Unmarshal(body, v)
}

// noAnswer says why a request got no answer, and whether it never reached a server (the
// connection was refused, so nothing was sent).
func noAnswer(err error) (string, bool) {
	return "no answer: " + err.Error(), errors.Is(err, syscall.ECONNREFUSED)
}

// sameWorker compares two workers field by field, the creation time as an instant.
func sameWorker(a, b worker.Worker) bool {
	return a.ID == b.ID && a.Name == b.Name && a.Email == b.Email && a.Role == b.Role && a.CreatedAt.Equal(b.CreatedAt)
}

// loadWant is what a test requires of the load during an operation, for each kind of request
// it sends (reads: the list and by id together).
type loadWant struct {
	minReads, minWrites       int           // requests answered right during the operation
	minReadRate, minWriteRate float64       // the same, per second of the operation
	maxReadGap, maxWriteGap   time.Duration // the longest time during it with no right answer
	// A test that expects failures (the database killed) says so; any other fails on one.
	allowFailures bool
}

// kindFigures is what one kind of request did during an operation.
type kindFigures struct {
	sent, ok, failed int
	rate             float64
	gap              time.Duration
	reasons          map[string]int
	first, last      time.Time // the first and the last request of the kind, sent and ended
}

// loadReport is what the load did during an operation, from opStart to opEnd.
type loadReport struct {
	what                string
	opStart, opEnd      time.Time
	loadStart, loadStop time.Time
	reads, writes       kindFigures
	lists, byIDs        int // successful reads of each kind, during the operation
	writeResult         writeResult
}

func (r loadReport) String() string {
	op := r.opEnd.Sub(r.opStart)
	var b strings.Builder
	fmt.Fprintf(&b, "%s, %s: load started %s before it and stopped %s after it", r.what,
		op.Round(100*time.Millisecond), r.opStart.Sub(r.loadStart).Round(100*time.Millisecond),
		r.loadStop.Sub(r.opEnd).Round(100*time.Millisecond))
	for _, k := range []struct {
		name string
		f    kindFigures
	}{{fmt.Sprintf("reads (%d list, %d by id)", r.lists, r.byIDs), r.reads}, {"writes", r.writes}} {
		if k.f.sent == 0 {
			continue
		}
		fmt.Fprintf(&b, "; %s: %d answered right during it, %.1f/s, longest gap %s, %d failed",
			k.name, k.f.ok, k.f.rate, k.f.gap.Round(10*time.Millisecond), k.f.failed)
		for reason, n := range k.f.reasons {
			fmt.Fprintf(&b, " [%d× %.160s]", n, reason)
		}
	}
	return b.String()
}

// settled waits until each kind of request the load sends has had n successful requests sent
// after at, so that the load provably ran past at; it fails the test after timeout.
func (l *load) settled(t *testing.T, at time.Time, n int, timeout time.Duration) {
	t.Helper()
	pollFor(t, timeout, "the load's requests after the operation", func() bool {
		l.mu.Lock()
		defer l.mu.Unlock()
		count := map[string]int{}
		for _, o := range l.outcomes {
			if o.failure == "" && o.sent.After(at) {
				count[readOrWrite(o.kind)]++
			}
		}
		return (l.spec.readers == 0 || count["read"] >= n) && (l.spec.writers == 0 || count["write"] >= n)
	})
}

func readOrWrite(kind string) string {
	if kind == loadWrite {
		return "write"
	}
	return "read"
}

// end stops the load and returns what it did during the operation, from opStart to opEnd.
// It fails the test when the load reached its own deadline, when it did not run from before
// opStart to after opEnd, when a kind of request sent fewer than want's count or rate during
// the operation or had a longer gap, or when a request failed (unless want allows it).
func (l *load) end(t *testing.T, what string, opStart, opEnd time.Time, want loadWant) loadReport {
	t.Helper()
	l.halt()
	l.mu.Lock()
	defer l.mu.Unlock()
	r := loadReport{what: what, opStart: opStart, opEnd: opEnd, loadStart: l.started, loadStop: l.stoppedAt}
	if l.hitDeadline {
		t.Errorf("%s: the load reached its own deadline (%s) before the test stopped it: it must run through the operation",
			what, l.spec.limit)
	}
	if !l.started.Before(opStart) || !l.stoppedAt.After(opEnd) {
		t.Errorf("%s: the load ran from %s to %s, the operation from %s to %s: it must start before and end after",
			what, l.started.Format("15:04:05.000"), l.stoppedAt.Format("15:04:05.000"), opStart.Format("15:04:05.000"), opEnd.Format("15:04:05.000"))
	}
	seconds := opEnd.Sub(opStart).Seconds()
	figures := map[string]*kindFigures{"read": &r.reads, "write": &r.writes}
	successes := map[string][]time.Time{}
	for _, o := range l.outcomes {
		f := figures[readOrWrite(o.kind)]
		f.sent++
		if f.first.IsZero() || o.sent.Before(f.first) {
			f.first = o.sent
		}
		if o.ended.After(f.last) {
			f.last = o.ended
		}
		if o.failure != "" {
			f.failed++
			if f.reasons == nil {
				f.reasons = map[string]int{}
			}
			f.reasons[o.kind+": "+regexpLocalPort.ReplaceAllString(o.failure, "127.0.0.1:PORT")]++
		}
		if o.kind == loadWrite {
			switch {
			case o.failure == "":
				r.writeResult.acked = append(r.writeResult.acked, o.worker)
			case o.status == http.StatusServiceUnavailable && o.ended.Sub(o.sent) >= appDBTimeout:
				r.writeResult.timedOut = append(r.writeResult.timedOut, o)
			case o.status != 0:
				r.writeResult.refused = append(r.writeResult.refused, o)
			case o.refused:
				r.writeResult.unsent = append(r.writeResult.unsent, o)
			default:
				r.writeResult.inDoubt = append(r.writeResult.inDoubt, o)
			}
		}
		if o.failure == "" && !o.ended.Before(opStart) && !o.ended.After(opEnd) {
			successes[readOrWrite(o.kind)] = append(successes[readOrWrite(o.kind)], o.ended)
			f.ok++
			switch o.kind {
			case loadList:
				r.lists++
			case loadByID:
				r.byIDs++
			}
		}
	}
	for kind, f := range figures {
		times := successes[kind]
		slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
		f.rate = float64(f.ok) / seconds
		prev := opStart
		for _, at := range append(times, opEnd) {
			f.gap = max(f.gap, at.Sub(prev))
			prev = at
		}
	}
	t.Log(r.String())
	for _, k := range []struct {
		name     string
		clients  int
		f        kindFigures
		min      int
		rate     float64
		gap      time.Duration
		failures bool
	}{
		{"reads", l.spec.readers, r.reads, want.minReads, want.minReadRate, want.maxReadGap, want.allowFailures},
		{"writes", l.spec.writers, r.writes, want.minWrites, want.minWriteRate, want.maxWriteGap, want.allowFailures},
	} {
		if k.clients == 0 {
			continue
		}
		if k.f.ok < k.min {
			t.Errorf("%s: %d %s answered right during the operation, want at least %d", what, k.f.ok, k.name, k.min)
		}
		if k.f.rate < k.rate {
			t.Errorf("%s: %s at %.1f/s during the operation, want at least %.1f/s", what, k.name, k.f.rate, k.rate)
		}
		if k.gap > 0 && k.f.gap > k.gap {
			t.Errorf("%s: %s had a gap of %s with no right answer during the operation, want at most %s", what, k.name, k.f.gap.Round(10*time.Millisecond), k.gap)
		}
		if !k.failures && k.f.failed > 0 {
			t.Errorf("%s: %d of %d %s failed: %v", what, k.f.failed, k.f.sent, k.name, k.f.reasons)
		}
		if !k.f.first.Before(opStart) {
			t.Errorf("%s: the first of the %s was sent at %s, after the operation started (%s)", what, k.name,
				k.f.first.Format("15:04:05.000"), opStart.Format("15:04:05.000"))
		}
		if !k.f.last.After(opEnd) {
			t.Errorf("%s: the last of the %s ended at %s, before the operation ended (%s)", what, k.name,
				k.f.last.Format("15:04:05.000"), opEnd.Format("15:04:05.000"))
		}
	}
	return r
}

// assertWritesKept checks the writes against the rows there are now (email to id, of the
// load's tag): every write the API acknowledged is there with its id, none it refused is,
// and the writes that got no answer are reported, as found or not. It returns how many
// acknowledged writes were found.
func assertWritesKept(t *testing.T, what string, w writeResult, rows map[string]int64) int {
	t.Helper()
	found := 0
	for _, a := range w.acked {
		switch id, ok := rows[a.Email]; {
		case !ok:
			t.Errorf("%s: the write of %s was answered 201 (id %d) and is not in the table", what, a.Email, a.ID)
		case id != a.ID:
			t.Errorf("%s: the write of %s was answered 201 with id %d, and the table has it with id %d", what, a.Email, a.ID, id)
		default:
			found++
		}
	}
	for _, r := range append(slices.Clone(w.refused), w.unsent...) {
		if _, ok := rows[r.email]; ok {
			t.Errorf("%s: the write of %s, sent at %s, was refused after %s (%s), and is in the table", what, r.email,
				r.sent.Format("15:04:05.000"), r.ended.Sub(r.sent).Round(time.Millisecond), r.failure)
		}
	}
	landed, timedOutLanded := 0, 0
	for _, d := range w.inDoubt {
		if _, ok := rows[d.email]; ok {
			landed++
		}
	}
	for _, d := range w.timedOut {
		if _, ok := rows[d.email]; ok {
			timedOutLanded++
			t.Logf("%s: the write of %s, sent at %s, was answered 503 after %s, and is in the table", what, d.email,
				d.sent.Format("15:04:05.000"), d.ended.Sub(d.sent).Round(time.Millisecond))
		}
	}
	crashedLanded := 0
	for _, d := range w.crashed {
		if _, ok := rows[d.email]; ok {
			crashedLanded++
		}
	}
	want := len(w.acked) + landed + timedOutLanded + crashedLanded
	if len(rows) != want {
		t.Errorf("%s: %d rows of the load in the table, want %d (%d acknowledged, %d in doubt that landed)", what, len(rows), want, len(w.acked), want-len(w.acked))
	}
	crash := ""
	if !w.crashAfter.IsZero() {
		crash = fmt.Sprintf("; %d answered with an error but in flight during the kill, %d of them in the table", len(w.crashed), crashedLanded)
	}
	t.Logf("%s: %d writes acknowledged (201), %d found in the table; %d refused with an answer within the app's %s, %d with the connection refused, none of them in the table; "+
		"in doubt: %d with no answer, %d of them in the table; %d answered 503 after the app's %s, %d of them in the table%s",
		what, len(w.acked), found, len(w.refused), appDBTimeout, len(w.unsent),
		len(w.inDoubt), landed, len(w.timedOut), appDBTimeout, timedOutLanded, crash)
	return found
}

// regexpLocalPort is an address on 127.0.0.1 with its port, in a failure's reason: the same
// failure on two connections is counted as one reason.
var regexpLocalPort = regexp.MustCompile(`127\.0\.0\.1:\d+`)

// parseRows reads psql's unaligned "email|id" lines.
func parseRows(t *testing.T, out string) map[string]int64 {
	t.Helper()
	rows := map[string]int64{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		email, id, ok := strings.Cut(line, "|")
		n, err := strconv.ParseInt(id, 10, 64)
		if !ok || err != nil {
			t.Fatalf("psql printed %q, want email|id", line)
		}
		rows[email] = n
	}
	return rows
}

// rowsOfTagSQL selects the rows the load with this tag wrote.
func rowsOfTagSQL(tag string) string {
	return fmt.Sprintf("SELECT email, id FROM workers WHERE email LIKE '%s-%%@example.com'", tag)
}
