package httpapi

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"
)

// renderErrors answers the first error a handler recorded as JSON {"error": "..."} with the
// status that status (or, for a request over a limit, limitStatus) gives it, and logs what
// the client is not told.
func renderErrors(log *slog.Logger, status StatusFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Next()
		if len(c.Errors) == 0 || c.Writer.Written() {
			return
		}
		err := c.Errors[0].Err
		code, message := limitStatus(err)
		if code == 0 {
			code, message = status(err)
		}
		if code >= http.StatusInternalServerError {
			log.ErrorContext(c.Request.Context(), "request failed", "path", c.Request.URL.Path, "status", code, "error", err)
		}
		c.JSON(code, gin.H{"error": message})
	}
}

// limitStatus is the status of a request over one of the limits, or 0 for any other error.
func limitStatus(err error) (int, string) {
	switch {
	case errors.Is(err, errURLTooLong):
		return http.StatusRequestURITooLong, err.Error()
	case errors.Is(err, errHeadersTooLarge):
		return http.StatusRequestHeaderFieldsTooLarge, err.Error()
	case errors.Is(err, errBodyTooLarge):
		return http.StatusRequestEntityTooLarge, err.Error()
	}
	return 0, ""
}

// recoverJSON turns a panic in a handler into a JSON 500 instead of a dropped connection.
func recoverJSON(log *slog.Logger) gin.HandlerFunc {
	return gin.CustomRecoveryWithWriter(nil, func(c *gin.Context, recovered any) {
		log.ErrorContext(c.Request.Context(), "panic in handler", "path", c.Request.URL.Path, "panic", fmt.Sprint(recovered))
		c.AbortWithStatusJSON(http.StatusInternalServerError, gin.H{"error": "internal error"})
	})
}
