// Package httpapi is the HTTP plumbing of the course's JSON API that no lesson is about: one
// log line per request, errors answered as JSON, request size limits, recovery from panics,
// and the server's timeouts. A stage builds its routes on NewRouter and serves them with
// NewServer, and reads none of this to follow the course.
package httpapi

import (
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"
)

// StatusFunc maps an error that a handler recorded with c.Error to the status and message
// the client gets: the app's one place where errors become HTTP.
type StatusFunc func(error) (status int, message string)

// NewRouter returns a gin engine with the middleware every route needs, in order: the request
// log, recovery from panics, JSON errors (from status), and the request limits. Unknown routes
// and methods are answered as JSON too.
func NewRouter(log *slog.Logger, status StatusFunc) *gin.Engine {
	r := gin.New()
	r.HandleMethodNotAllowed = true
	// An API answers JSON: /api/v1/workers/ is a JSON 404, not gin's HTML redirect.
	r.RedirectTrailingSlash = false
	r.Use(logRequests(log), recoverJSON(log), renderErrors(log, status), limitRequests())
	r.NoRoute(func(c *gin.Context) {
		c.JSON(http.StatusNotFound, gin.H{"error": "no route " + c.Request.URL.Path})
	})
	r.NoMethod(func(c *gin.Context) {
		c.JSON(http.StatusMethodNotAllowed, gin.H{"error": "method " + c.Request.Method + " not allowed on " + c.Request.URL.Path})
	})
	return r
}
