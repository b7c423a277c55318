package main

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"base-docker-and-compose/shared/database"
)

// newServer is the HTTP handler of the API: middleware, then the routes.
func newServer(log *slog.Logger, store *database.Store) http.Handler {
	r := gin.New()
	r.HandleMethodNotAllowed = true
	// An API answers JSON: /api/v1/workers/ is a JSON 404, not gin's HTML redirect.
	r.RedirectTrailingSlash = false
	r.Use(logRequests(log), recoverJSON(log), renderErrors(log), limitRequests())
	addRoutes(r, store)
	return r
}

// logRequests writes one structured log line per request. Probes (/healthz, /readyz) come
// every few seconds from Docker's HEALTHCHECK and from orchestrators: they are logged at
// debug level, so that they do not drown the requests of clients.
func logRequests(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		level := slog.LevelInfo
		if path := c.Request.URL.Path; path == "/healthz" || path == "/readyz" {
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
