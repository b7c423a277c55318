package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"
)

// StatusClientClosedRequest is the status logged for a request whose client went away
// before the answer (nginx's 499): nobody reads it, and it is not the server's fault.
const StatusClientClosedRequest = 499

// renderErrors answers the first error a handler recorded as JSON {"error": "..."} with the
// status that status (or, for a request over a limit, limitStatus) gives it, adds "fields"
// for a *BadRequest that names them, and logs at error level what the client is not told.
//
// A client that went away mid-request (its connection closed, so the request's context was
// canceled) is no fault of the server's: a load tool's timeout or a proxy's retry does that.
// It is logged at debug level, and its request line says 499, not 500. The request's own
// context tells it, whatever error the handler got: a driver may report the statement it had
// the server cancel (PostgreSQL's 57014) rather than context.Canceled.
func renderErrors(log *slog.Logger, status StatusFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Next()
		if len(c.Errors) == 0 || c.Writer.Written() {
			return
		}
		err := c.Errors[0].Err
		ctx := c.Request.Context()
		if errors.Is(ctx.Err(), context.Canceled) {
			log.DebugContext(ctx, "client went away", "path", c.Request.URL.Path, "error", err)
			c.AbortWithStatus(StatusClientClosedRequest)
			return
		}
		code, message := limitStatus(err)
		if code == 0 {
			code, message = status(err)
		}
		if code >= http.StatusInternalServerError {
			log.ErrorContext(ctx, "request failed", "path", c.Request.URL.Path, "status", code, "error", err)
		}
		body := gin.H{"error": message}
		if bad, ok := errors.AsType[*BadRequest](err); ok && len(bad.Fields) > 0 {
			body["fields"] = bad.Fields
		}
		c.JSON(code, body)
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
