package httpapi

import (
	"log/slog"
	"time"

	"github.com/gin-gonic/gin"
)

// logRequests writes one structured log line per request. Probes (/healthz, /readyz) come
// every few seconds from Docker's HEALTHCHECK and from orchestrators: they are logged at
// debug level, so that they do not drown the requests of clients; so are requests whose
// client went away before the answer (renderErrors), which no one reads.
func logRequests(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		level := slog.LevelInfo
		if path := c.Request.URL.Path; path == "/healthz" || path == "/readyz" ||
			c.Writer.Status() == StatusClientClosedRequest {
			level = slog.LevelDebug
		}
		log.LogAttrs(c.Request.Context(), level, "request",
			slog.String("method", c.Request.Method),
			slog.String("path", c.Request.URL.Path),
			slog.Int("status", c.Writer.Status()),
			slog.Duration("duration", time.Since(start)),
		)
	}
}
