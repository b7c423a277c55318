package httpapi

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

// A client that went away before the answer is no server error: no 500 and no ERROR line,
// but a debug line and a request line at debug level with status 499. A canceled context
// that is not the request's is still the server's fault.
func TestClientThatWentAwayIsNoServerError(t *testing.T) {
	status := func(error) (int, string) { return http.StatusInternalServerError, "internal error" }
	tests := []struct {
		name          string
		cancelRequest bool
		timeout       bool // the route is under Timeout, which derives the handler's context
		err           func(ctx context.Context) error
		wantStatus    int
		wantLog       []string
		wantNot       string // not in the log
	}{
		{"the request's context canceled", true, false,
			func(ctx context.Context) error { return fmt.Errorf("list workers: %w", ctx.Err()) },
			StatusClientClosedRequest,
			[]string{`level=DEBUG msg="client went away" path=/work error="list workers: context canceled"`,
				`level=DEBUG msg=request method=GET path=/work status=499`},
			"level=ERROR"},
		{"the request's context canceled, the driver's own error", true, true,
			func(context.Context) error {
				return fmt.Errorf("list workers: pq: canceling statement due to user request")
			},
			StatusClientClosedRequest,
			[]string{`level=DEBUG msg="client went away" path=/work`, `level=DEBUG msg=request method=GET path=/work status=499`},
			"level=ERROR"},
		{"an error under Timeout, the client still there", false, true,
			func(context.Context) error { return fmt.Errorf("list workers: no such table") },
			http.StatusInternalServerError,
			[]string{`level=ERROR msg="request failed" path=/work status=500`},
			"client went away"},
		{"another context canceled, the client still there", false, false,
			func(context.Context) error { return fmt.Errorf("list workers: %w", context.Canceled) },
			http.StatusInternalServerError,
			[]string{`level=ERROR msg="request failed" path=/work status=500 error="list workers: context canceled"`,
				`level=INFO msg=request method=GET path=/work status=500`},
			"client went away"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log bytes.Buffer
			r := NewRouter(slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug})), status)
			handler := func(c *gin.Context) { _ = c.Error(tt.err(c.Request.Context())) }
			if tt.timeout {
				r.GET("/work", Timeout(time.Minute), handler)
			} else {
				r.GET("/work", handler)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.cancelRequest {
				cancel() // as net/http does when the client's connection closes
			}
			rec := httptest.NewRecorder()
			r.ServeHTTP(rec, httptest.NewRequest("GET", "/work", nil).WithContext(ctx))
			if rec.Code != tt.wantStatus {
				t.Errorf("status %d, want %d", rec.Code, tt.wantStatus)
			}
			for _, want := range tt.wantLog {
				if !strings.Contains(log.String(), want) {
					t.Errorf("log does not contain %s:\n%s", want, log.String())
				}
			}
			if strings.Contains(log.String(), tt.wantNot) {
				t.Errorf("log contains %s:\n%s", tt.wantNot, log.String())
			}
		})
	}
}
