package httpapi

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"syscall"
	"testing"

	"github.com/gin-gonic/gin"

	"base-docker-and-compose/shared/database"
)

// BenchmarkByIDWithRequestLog serves GET /api/v1/workers/:id, as the stages do, from an
// in-memory SQLite database, logging each request as JSON into a pipe that a goroutine
// drains, as Docker's log reader drains a container's stderr. It compares what the request
// line costs, one write a line as the stages log it, with no line at all (LOG_LEVEL=warn).
func BenchmarkByIDWithRequestLog(b *testing.B) {
	store, err := database.Open("sqlite://")
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	if err := store.ResetSchema(b.Context()); err != nil {
		b.Fatal(err)
	}
	if _, err := store.Seed(b.Context()); err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name  string
		level slog.Level
	}{
		{"info/a-write-a-line", slog.LevelInfo},
		{"warn/no-request-line", slog.LevelWarn},
	} {
		b.Run(bc.name, func(b *testing.B) {
			r, w, err := os.Pipe()
			if err != nil {
				b.Fatal(err)
			}
			drained := make(chan struct{})
			go func() { io.Copy(io.Discard, r); close(drained) }()
			log := slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: bc.level}))
			router := NewRouter(log, func(error) (int, string) { return http.StatusInternalServerError, "internal error" })
			router.GET("/api/v1/workers/:id", func(c *gin.Context) {
				id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
				worker, err := store.GetWorker(c.Request.Context(), id)
				if err != nil {
					_ = c.Error(err)
					return
				}
				c.JSON(http.StatusOK, worker)
			})
			req := httptest.NewRequest(http.MethodGet, "/api/v1/workers/3", nil)
			// The process's CPU time, user and system, per request: on a busy machine the
			// wall time per request swings with what else runs, the CPU spent much less.
			var before, after syscall.Rusage
			syscall.Getrusage(syscall.RUSAGE_SELF, &before)
			for b.Loop() {
				rec := httptest.NewRecorder()
				router.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("%d %s", rec.Code, rec.Body)
				}
			}
			b.StopTimer()
			syscall.Getrusage(syscall.RUSAGE_SELF, &after)
			cpu := after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano()
			b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
			w.Close()
			<-drained
			r.Close()
		})
	}
}
