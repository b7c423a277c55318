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
	r.Use(logRequests(log), recoverJSON(log), renderErrors(log))
	addRoutes(r, store)
	return r
}

// logRequests writes one structured log line per request.
func logRequests(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		log.LogAttrs(c.Request.Context(), slog.LevelInfo, "request",
			slog.String("method", c.Request.Method),
			slog.String("path", c.Request.URL.Path),
			slog.Int("status", c.Writer.Status()),
			slog.Duration("duration", time.Since(start)),
		)
	}
}
