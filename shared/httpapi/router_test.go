package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	os.Exit(m.Run())
}

var errTeapot = errors.New("short and stout")

// newTestRouter is a router with a few routes that exercise the middleware; log may be nil.
func newTestRouter(t *testing.T, log *bytes.Buffer) http.Handler {
	t.Helper()
	logger := slog.New(slog.DiscardHandler)
	if log != nil {
		logger = slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	status := func(err error) (int, string) {
		if errors.Is(err, errTeapot) {
			return http.StatusTeapot, "I'm a teapot"
		}
		return http.StatusInternalServerError, "internal error"
	}
	r := NewRouter(logger, status)
	r.GET("/api/v1/workers", func(c *gin.Context) { c.JSON(http.StatusOK, []gin.H{{"id": 1}}) })
	r.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	r.GET("/teapot", func(c *gin.Context) { _ = c.Error(errTeapot) })
	r.GET("/broken", func(c *gin.Context) { _ = c.Error(errors.New("the disk is on fire")) })
	r.GET("/panic", func(c *gin.Context) { panic("a bug") })
	r.GET("/deadline", Timeout(time.Minute), func(c *gin.Context) {
		deadline, ok := c.Request.Context().Deadline()
		c.JSON(http.StatusOK, gin.H{"deadline": ok && time.Until(deadline) > 59*time.Second})
	})
	return r
}

func TestRouterAnswersJSON(t *testing.T) {
	tests := []struct {
		name, method, path string
		wantStatus         int
		wantBody           string
		wantLog            string // in the log, when set
	}{
		{"a route", "GET", "/api/v1/workers", 200, `[{"id":1}]`, `level=INFO msg=request method=GET path=/api/v1/workers status=200`},
		{"an error the app maps", "GET", "/teapot", 418, `{"error":"I'm a teapot"}`, ""},
		{"an error it does not", "GET", "/broken", 500, `{"error":"internal error"}`, `error="the disk is on fire"`},
		{"a panic", "GET", "/panic", 500, `{"error":"internal error"}`, `msg="panic in handler" path=/panic panic="a bug"`},
		{"unknown route", "GET", "/api/v2/workers", 404, `{"error":"no route /api/v2/workers"}`, ""},
		{"trailing slash", "GET", "/api/v1/workers/", 404, `{"error":"no route /api/v1/workers/"}`, ""},
		{"wrong method", "DELETE", "/api/v1/workers", 405, `{"error":"method DELETE not allowed on /api/v1/workers"}`, ""},
		{"a deadline", "GET", "/deadline", 200, `{"deadline":true}`, ""},
		{"a probe is logged at debug level", "GET", "/healthz", 200, `{"status":"ok"}`, `level=DEBUG msg=request method=GET path=/healthz status=200`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log bytes.Buffer
			rec := httptest.NewRecorder()
			newTestRouter(t, &log).ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, nil))
			if rec.Code != tt.wantStatus || strings.TrimSpace(rec.Body.String()) != tt.wantBody {
				t.Errorf("got %d %s, want %d %s", rec.Code, rec.Body.String(), tt.wantStatus, tt.wantBody)
			}
			if !json.Valid(rec.Body.Bytes()) || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
				t.Errorf("not a JSON answer: %q %s", rec.Header().Get("Content-Type"), rec.Body.String())
			}
			if !strings.Contains(log.String(), tt.wantLog) {
				t.Errorf("log = %s, want it to contain %s", log.String(), tt.wantLog)
			}
		})
	}
}
