package httpapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// Requests over a limit get a JSON error that names it, before they are routed; requests
// just under the limits are served.
func TestRequestLimits(t *testing.T) {
	h := newTestRouter(t, nil)
	longQuery := func(n int) string { return "/api/v1/workers?q=" + strings.Repeat("a", n-len("/api/v1/workers?q=")) }
	tests := []struct {
		name       string
		req        func() *http.Request
		wantStatus int
		wantBody   string
	}{
		{"URL at the limit", func() *http.Request { return httptest.NewRequest("GET", longQuery(MaxURLBytes), nil) },
			200, `"id":1`},
		{"URL over the limit", func() *http.Request { return httptest.NewRequest("GET", longQuery(MaxURLBytes+1), nil) },
			414, `{"error":"the URL is longer than 8192 bytes"}`},
		{"headers under the limit", func() *http.Request {
			r := httptest.NewRequest("GET", "/api/v1/workers", nil)
			r.Header.Set("X-Padding", strings.Repeat("a", MaxHeaderBytes/2))
			return r
		}, 200, `"id":1`},
		{"headers over the limit", func() *http.Request {
			r := httptest.NewRequest("GET", "/api/v1/workers", nil)
			for i := range 3 {
				r.Header.Add("X-Padding", strings.Repeat("a", MaxHeaderBytes/3+i))
			}
			return r
		}, 431, `{"error":"the request headers are larger than 32768 bytes"}`},
		{"body over the limit", func() *http.Request {
			return httptest.NewRequest("POST", "/api/v1/workers", strings.NewReader(strings.Repeat("a", MaxBodyBytes+1)))
		}, 413, `{"error":"the request body is larger than 1048576 bytes"}`},
		{"body under the limit, on a route that takes none", func() *http.Request {
			return httptest.NewRequest("POST", "/api/v1/workers", strings.NewReader(`{"name":"x"}`))
		}, 405, `"error":"method POST not allowed`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, tt.req())
			if rec.Code != tt.wantStatus || !strings.Contains(rec.Body.String(), tt.wantBody) {
				t.Errorf("got %d %.200s, want %d %s", rec.Code, rec.Body.String(), tt.wantStatus, tt.wantBody)
			}
			if !json.Valid(rec.Body.Bytes()) || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
				t.Errorf("not a JSON answer: %q %.200s", rec.Header().Get("Content-Type"), rec.Body.String())
			}
		})
	}
}
