package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"base-docker-and-compose/shared/database"
	"base-docker-and-compose/shared/worker"
)

// newTestStore opens an in-memory database: with setup "seeded" it has the dummy workers,
// "empty" the tables and no rows, "none" no tables at all.
func newTestStore(t testing.TB, setup string) *database.Store {
	t.Helper()
	store, err := database.Open("sqlite://")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	ctx := context.Background()
	if setup != "none" {
		if err := store.ResetSchema(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if setup == "seeded" {
		if _, err := store.Seed(ctx); err != nil {
			t.Fatal(err)
		}
	}
	return store
}

func TestRoutes(t *testing.T) {
	unreachable, err := database.Open("postgres://app:pw@127.0.0.1:1/app?sslmode=disable&connect_timeout=1")
	if err != nil {
		t.Fatal(err)
	}
	stores := map[string]*database.Store{
		"seeded":      newTestStore(t, "seeded"),
		"empty":       newTestStore(t, "empty"),
		"none":        newTestStore(t, "none"),
		"unreachable": unreachable,
	}
	tests := []struct {
		name, store, method, path string
		wantStatus                int
		wantBody                  string // a substring of the body
	}{
		{"health", "seeded", "GET", "/healthz", 200, `{"status":"ok"}`},
		{"health without database", "unreachable", "GET", "/healthz", 200, `{"status":"ok"}`},
		{"ready", "seeded", "GET", "/readyz", 200, `{"status":"ready"}`},
		{"ready without tables", "none", "GET", "/readyz", 200, `{"status":"ready"}`},
		{"not ready", "unreachable", "GET", "/readyz", 503, `"error":"the database is unavailable`},
		{"list", "seeded", "GET", "/api/v1/workers", 200, `"email":"` + worker.Dummies()[0].Email + `"`},
		{"list empty is []", "empty", "GET", "/api/v1/workers", 200, `[]`},
		{"list before create_db", "none", "GET", "/api/v1/workers", 503, `run the create_db command`},
		{"list without database", "unreachable", "GET", "/api/v1/workers", 503, `the database is unavailable`},
		{"one", "seeded", "GET", "/api/v1/workers/2", 200, `"id":2,`},
		{"one missing", "seeded", "GET", "/api/v1/workers/999", 404, `{"error":"worker not found"}`},
		{"one before create_db", "none", "GET", "/api/v1/workers/1", 503, `run the create_db command`},
		{"id not a number", "seeded", "GET", "/api/v1/workers/abc", 400, `positive integer`},
		{"id zero", "seeded", "GET", "/api/v1/workers/0", 400, `positive integer`},
		{"id negative", "seeded", "GET", "/api/v1/workers/-1", 400, `positive integer`},
		{"id too large", "seeded", "GET", "/api/v1/workers/99999999999999999999", 400, `positive integer`},
		{"unknown route", "seeded", "GET", "/api/v2/workers", 404, `{"error":"no route /api/v2/workers"}`},
		{"trailing slash", "seeded", "GET", "/api/v1/workers/", 404, `{"error":"no route /api/v1/workers/"}`},
		{"wrong method", "seeded", "DELETE", "/api/v1/workers", 405, `"error":"method DELETE not allowed`},
		{"URL over the limit (shared/httpapi)", "seeded", "GET", "/api/v1/workers?q=" + strings.Repeat("a", 9000), 414, `the URL is longer than`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newRouter(slog.New(slog.DiscardHandler), stores[tt.store])
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, nil))
			body, _ := io.ReadAll(rec.Body)
			if rec.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d; body %s", rec.Code, tt.wantStatus, body)
			}
			if !strings.Contains(string(body), tt.wantBody) {
				t.Errorf("body = %s, want it to contain %s", body, tt.wantBody)
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type = %q, want JSON", ct)
			}
			if !json.Valid(body) {
				t.Errorf("body is not JSON: %s", body)
			}
		})
	}
}

// POST /api/v1/workers adds a worker, or says what is wrong with the request.
func TestCreateWorker(t *testing.T) {
	const ada = `{"name":"Ada Byron","email":"ada.byron@example.com","role":"engineer"}`
	unreachable, err := database.Open("postgres://app:pw@127.0.0.1:1/app?sslmode=disable&connect_timeout=1")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, store, body string
		wantStatus        int
		wantBody          string // the whole body, as JSON, but for the created worker's created_at
	}{
		{"created", "seeded", ada, 201,
			`{"id":6,"name":"Ada Byron","email":"ada.byron@example.com","role":"engineer"}`},
		{"created in an empty table", "empty", ada, 201,
			`{"id":1,"name":"Ada Byron","email":"ada.byron@example.com","role":"engineer"}`},
		{"email taken", "seeded", `{"name":"A. Lovelace","email":"` + worker.Dummies()[0].Email + `","role":"analyst"}`, 409,
			`{"error":"a worker with this email already exists"}`},
		{"every field bad", "seeded", `{"name":" ","email":"ada","role":""}`, 400,
			`{"error":"the request body has invalid fields","fields":{"name":"required, and not blank",` +
				`"email":"not an email address, such as ada@example.com","role":"required, and not blank"}}`},
		{"missing fields", "seeded", `{"email":"ada.byron@example.com"}`, 400,
			`{"error":"the request body has invalid fields","fields":{"name":"required, and not blank","role":"required, and not blank"}}`},
		{"unknown fields", "seeded", `{"name":"Ada","email":"a@example.com","role":"r","id":7,"created_at":"2020-01-01T00:00:00Z"}`, 400,
			`{"error":"the request body has invalid fields","fields":{"id":"unknown field","created_at":"unknown field"}}`},
		{"a field not a string", "seeded", `{"name":"Ada","email":"a@example.com","role":3}`, 400,
			`{"error":"the request body has invalid fields","fields":{"role":"must be a JSON string"}}`},
		{"not an object", "seeded", `["Ada"]`, 400,
			`{"error":"the request body must be one JSON object, such as {\"name\": \"...\"}"}`},
		{"no body", "seeded", ``, 400,
			`{"error":"the request body must be one JSON object, such as {\"name\": \"...\"}"}`},
		{"body over the limit", "seeded", `{"name":"` + strings.Repeat("a", 1<<20) + `"}`, 413,
			`{"error":"the request body is larger than 1048576 bytes"}`},
		{"before create_db", "none", ada, 503,
			`{"error":"the database has no tables yet: run the create_db command, then seed_db"}`},
		{"without database", "unreachable", ada, 503,
			`{"error":"the database is unavailable; try again shortly"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := unreachable
			if tt.store != "unreachable" {
				store = newTestStore(t, tt.store)
			}
			h := newRouter(slog.New(slog.DiscardHandler), store)
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodPost, "/api/v1/workers", strings.NewReader(tt.body))
			req.Header.Set("Content-Type", "application/json")
			h.ServeHTTP(rec, req)
			var got map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatalf("%d: body is not a JSON object: %.300s", rec.Code, rec.Body.String())
			}
			var want map[string]any
			if err := json.Unmarshal([]byte(tt.wantBody), &want); err != nil {
				t.Fatalf("the test's own JSON: %v", err)
			}
			location := rec.Header().Get("Location")
			if tt.wantStatus == http.StatusCreated {
				created, err := time.Parse(time.RFC3339Nano, fmt.Sprint(got["created_at"]))
				if err != nil || time.Since(created).Abs() > time.Minute {
					t.Errorf("created_at = %v (%v), want about now", got["created_at"], err)
				}
				delete(got, "created_at")
				if want := fmt.Sprintf("/api/v1/workers/%v", want["id"]); location != want {
					t.Errorf("Location = %q, want %q", location, want)
				}
			} else if location != "" {
				t.Errorf("Location = %q on a %d", location, rec.Code)
			}
			if rec.Code != tt.wantStatus || !reflect.DeepEqual(got, want) {
				t.Errorf("got %d %.300s, want %d %s", rec.Code, rec.Body.String(), tt.wantStatus, tt.wantBody)
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type = %q, want JSON", ct)
			}
		})
	}
}

// A worker added through the API is there to read at its Location, and in the list; the
// same email a second time is refused and adds nothing.
func TestCreatedWorkerIsThereToRead(t *testing.T) {
	h := newRouter(slog.New(slog.DiscardHandler), newTestStore(t, "seeded"))
	serve := func(method, path, body string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(method, path, strings.NewReader(body)))
		return rec
	}
	const body = `{"name":"Barbara Liskov","email":"barbara.liskov@example.com","role":"engineer"}`
	created := serve(http.MethodPost, "/api/v1/workers", body)
	if created.Code != http.StatusCreated {
		t.Fatalf("POST: %d %s", created.Code, created.Body)
	}
	got := serve(http.MethodGet, created.Header().Get("Location"), "")
	if got.Code != http.StatusOK || got.Body.String() != created.Body.String() {
		t.Errorf("GET %s: %d %s, want 200 %s", created.Header().Get("Location"), got.Code, got.Body, created.Body)
	}
	if again := serve(http.MethodPost, "/api/v1/workers", body); again.Code != http.StatusConflict {
		t.Errorf("POST of the same email again: %d %s, want 409", again.Code, again.Body)
	}
	var list []worker.Worker
	if err := json.Unmarshal(serve(http.MethodGet, "/api/v1/workers", "").Body.Bytes(), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != len(worker.Dummies())+1 || list[len(list)-1].Email != "barbara.liskov@example.com" {
		t.Errorf("list after one POST and one refused: %+v, want the dummies and the new worker", list)
	}
}

// A client that went away mid-request is not a server error on any route that waits for the
// database: no 500 and no ERROR line (shared/httpapi logs it at debug level, as a 499).
func TestClientThatWentAwayIsNoServerError(t *testing.T) {
	for _, route := range []struct{ method, path, body string }{
		{"GET", "/readyz", ""},
		{"GET", "/api/v1/workers", ""},
		{"GET", "/api/v1/workers/1", ""},
		{"POST", "/api/v1/workers", `{"name":"Ada Byron","email":"ada.byron@example.com","role":"engineer"}`},
	} {
		var log strings.Builder
		h := newRouter(newLogger(&log, slog.LevelDebug, "text"), newTestStore(t, "seeded"))
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // as net/http does when the client's connection closes
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(route.method, route.path, strings.NewReader(route.body)).WithContext(ctx))
		if rec.Code != 499 || strings.Contains(log.String(), "level=ERROR") || !strings.Contains(log.String(), `msg="client went away"`) {
			t.Errorf("%s %s from a client that went away: %d, log:\n%s\nwant 499, a debug line and no ERROR", route.method, route.path, rec.Code, log.String())
		}
	}
}

func TestListReturnsEveryWorkerInOrder(t *testing.T) {
	h := newRouter(slog.New(slog.DiscardHandler), newTestStore(t, "seeded"))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/workers", nil))
	var got []worker.Worker
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	want := worker.Dummies()
	if len(got) != len(want) {
		t.Fatalf("got %d workers, want %d", len(got), len(want))
	}
	for i, w := range got {
		if w.ID != int64(i+1) || w.Email != want[i].Email || w.Name != want[i].Name || w.CreatedAt.IsZero() {
			t.Errorf("worker %d = %+v, want id %d and %+v", i, w, i+1, want[i])
		}
	}
}

// FuzzGetWorker sends arbitrary ids to /api/v1/workers/:id. Whatever the id, the answer is
// JSON with 200 (an id of a seeded worker), 404 (a positive integer with no worker) or 400.
// `go test` runs the seeds; `go test -fuzz=FuzzGetWorker` explores further.
func FuzzGetWorker(f *testing.F) {
	for _, seed := range []string{"1", "5", "6", "0", "-1", "abc", "1.5", "0x10", "99999999999999999999", "+3", " 1", "１", "%00", ""} {
		f.Add(seed)
	}
	h := newRouter(slog.New(slog.DiscardHandler), newTestStore(f, "seeded"))
	f.Fuzz(func(t *testing.T, id string) {
		req, err := http.NewRequest(http.MethodGet, "/api/v1/workers/"+url.PathEscape(id), nil)
		if err != nil {
			t.Skip("not a request a client can send")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusNotFound:
		default:
			t.Errorf("GET /api/v1/workers/%s: status %d", url.PathEscape(id), rec.Code)
		}
		if !json.Valid(rec.Body.Bytes()) || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
			t.Errorf("GET /api/v1/workers/%s: not a JSON answer: %q", url.PathEscape(id), rec.Body.String())
		}
	})
}
