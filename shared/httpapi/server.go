package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// NewServer returns an http.Server for handler with timeouts on every phase of a request, so
// that a slow or stalled client cannot hold a connection for good, and net/http's own errors
// logged as warnings.
func NewServer(handler http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
		// Far above the JSON limits of limits.go: over this, net/http answers a plain-text 431.
		MaxHeaderBytes: 1 << 20,
		ErrorLog:       slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// Timeout gives the rest of the request a deadline, which database queries obey.
func Timeout(d time.Duration) gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx, cancel := context.WithTimeout(c.Request.Context(), d)
		defer cancel()
		req := c.Request
		c.Request = req.WithContext(ctx)
		c.Next()
		// The request as it came, for the middleware that runs after this one: renderErrors
		// tells a client that went away by the request's own context, which this deadline's
		// cancel above must not look like.
		c.Request = req
	}
}
