package e2e

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"base-docker-and-compose/e2e/harness"
	"base-docker-and-compose/shared/worker"
)

// A learner adds a worker by hand, with the pages' command: POST /api/v1/workers with a JSON
// body. Every stage's test runs it against its running app, checks the answer (201, the
// worker's URL in Location, the worker as stored) and records it as add-worker.

// addWorkerCommand is the pages' command, on the pages' port.
const addWorkerCommand = `curl -s -i -X POST -H 'Content-Type: application/json' \
  -d '{"name":"Hedy Lamarr","email":"hedy@example.com","role":"inventor"}' \
  http://127.0.0.1:8080/api/v1/workers`

// added is what addWorkerCommand adds.
var added = worker.Worker{Name: "Hedy Lamarr", Email: "hedy@example.com", Role: "inventor"}

var (
	// headerDate is the Date header of an HTTP answer, which names the second it was sent.
	headerDate    = regexp.MustCompile(`(?m)^Date: .*$`)
	contentLength = regexp.MustCompile(`(?m)^Content-Length: \d+$`)
	createdAt     = regexp.MustCompile(`"created_at":"[^"]*"`)
	location      = regexp.MustCompile(`(?m)^Location: /api/v1/workers/(\d+)$`)
)

// addWorker runs addWorkerCommand against the app at addr (127.0.0.1:PORT), checks that the
// API created the worker, and records what curl printed as add-worker of stage. What names
// the moment it ran is fixed: the Date header, and created_at, whose length (its fraction of
// a second drops trailing zeros) the Content-Length header follows, so that is the fixed
// body's. curl -i prints the headers with the CRLF line ends of HTTP, which a terminal shows
// as plain line ends. It returns the worker.
func addWorker(t *testing.T, stage, addr string) worker.Worker {
	t.Helper()
	out, err := shell(t, "", nil, strings.Replace(addWorkerCommand, "127.0.0.1:8080", addr, 1))
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	out = strings.ReplaceAll(out, "\r\n", "\n")
	head, body, ok := strings.Cut(out, "\n\n")
	if !ok || !strings.HasPrefix(head, "HTTP/1.1 201 Created\n") {
		t.Fatalf("%s:\n%s\nwant 201 Created, then the headers and the body", addWorkerCommand, out)
	}
	var w worker.Worker
	if err := json.Unmarshal([]byte(body), &w); err != nil {
		t.Fatalf("%s: the body is not a worker: %v\n%s", addWorkerCommand, err, out)
	}
	if w.ID <= 0 || w.Name != added.Name || w.Email != added.Email || w.Role != added.Role || w.CreatedAt.IsZero() {
		t.Fatalf("%s: the API answered the worker %+v, want %+v with an id and a created_at", addWorkerCommand, w, added)
	}
	if m := location.FindStringSubmatch(head); m == nil || m[1] != fmt.Sprint(w.ID) {
		t.Fatalf("%s:\n%s\nwant Location: /api/v1/workers/%d", addWorkerCommand, out, w.ID)
	}
	if !strings.Contains(head, "\nContent-Type: application/json") {
		t.Fatalf("%s:\n%s\nwant a JSON body", addWorkerCommand, out)
	}
	// Stored: the API reads it back.
	assertWorker(t, addr, w)
	if m := contentLength.FindString(head); m != fmt.Sprintf("Content-Length: %d", len(body)) {
		t.Fatalf("%s:\n%s\nwant Content-Length: %d, the body's", addWorkerCommand, out, len(body))
	}
	fixed := createdAt.ReplaceAllString(body, `"created_at":"2026-01-01T00:00:00Z"`)
	head = headerDate.ReplaceAllString(head, "Date: Thu, 01 Jan 2026 00:00:00 GMT")
	head = contentLength.ReplaceAllString(head, fmt.Sprintf("Content-Length: %d", len(fixed)))
	capture(t, stage, "add-worker", "", addWorkerCommand, head+"\n\n"+fixed+"\n")
	return w
}

// assertWorker fails unless the API at addr serves w, as it was created.
func assertWorker(t *testing.T, addr string, w worker.Worker) {
	t.Helper()
	var got worker.Worker
	harness.GetJSON(t, fmt.Sprintf("http://%s/api/v1/workers/%d", addr, w.ID), 200, &got)
	if got.ID != w.ID || got.Name != w.Name || got.Email != w.Email || got.Role != w.Role || !got.CreatedAt.Equal(w.CreatedAt) {
		t.Fatalf("GET /api/v1/workers/%d: %+v, want the worker created, %+v", w.ID, got, w)
	}
}

// readWorkerBack runs the pages' `curl -s http://127.0.0.1:8080/api/v1/workers/ID` against
// the app at addr, checks that it prints w, as it was created, and records it as name.
func readWorkerBack(t *testing.T, stage, name, addr string, w worker.Worker) {
	t.Helper()
	command := fmt.Sprintf("curl -s http://127.0.0.1:8080/api/v1/workers/%d", w.ID)
	out, err := shell(t, "", nil, strings.Replace(command, "127.0.0.1:8080", addr, 1))
	var got worker.Worker
	if err != nil || json.Unmarshal([]byte(out), &got) != nil || got.ID != w.ID || got.Email != w.Email || !got.CreatedAt.Equal(w.CreatedAt) {
		t.Fatalf("%s: %v\n%s\nwant the worker added before, %+v", command, err, out, w)
	}
	capture(t, stage, name, "", command, out+"\n")
}
