package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"base-docker-and-compose/shared/database"
)

// errBadID is what a client gets for /api/v1/workers/abc or /api/v1/workers/0.
var errBadID = errors.New("the worker id must be a positive integer")

// noSchemaHint tells a learner who has not created the tables yet what to run.
const noSchemaHint = "the database has no tables yet: run the create_db command, then seed_db"

// httpStatus maps an error to the status and message a client sees. It is the one place
// where errors become HTTP: handlers only hand their errors to c.Error.
func httpStatus(err error) (int, string) {
	switch {
	case errors.Is(err, errBadID):
		return http.StatusBadRequest, errBadID.Error()
	case errors.Is(err, errURLTooLong):
		return http.StatusRequestURITooLong, err.Error()
	case errors.Is(err, errHeadersTooLarge):
		return http.StatusRequestHeaderFieldsTooLarge, err.Error()
	case errors.Is(err, errBodyTooLarge):
		return http.StatusRequestEntityTooLarge, err.Error()
	case errors.Is(err, database.ErrNotFound):
		return http.StatusNotFound, "worker not found"
	case errors.Is(err, database.ErrNoSchema):
		return http.StatusServiceUnavailable, noSchemaHint
	case errors.Is(err, database.ErrUnavailable):
		return http.StatusServiceUnavailable, "the database is unavailable; try again shortly"
	default:
		return http.StatusInternalServerError, "internal error"
	}
}

// renderErrors answers the first error a handler recorded as JSON {"error": "..."} with
// its status, and logs what the client is not told.
func renderErrors(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Next()
		if len(c.Errors) == 0 || c.Writer.Written() {
			return
		}
		err := c.Errors[0].Err
		status, message := httpStatus(err)
		if status >= http.StatusInternalServerError {
			log.ErrorContext(c.Request.Context(), "request failed", "path", c.Request.URL.Path, "status", status, "error", err)
		}
		c.JSON(status, gin.H{"error": message})
	}
}

// recoverJSON turns a panic in a handler into a JSON 500 instead of a dropped connection.
func recoverJSON(log *slog.Logger) gin.HandlerFunc {
	return gin.CustomRecoveryWithWriter(nil, func(c *gin.Context, recovered any) {
		log.ErrorContext(c.Request.Context(), "panic in handler", "path", c.Request.URL.Path, "panic", fmt.Sprint(recovered))
		c.AbortWithStatusJSON(http.StatusInternalServerError, gin.H{"error": "internal error"})
	})
}

// withHint adds to a manage command's error what the learner should do about it.
func withHint(err error) error {
	if errors.Is(err, database.ErrNoSchema) {
		return fmt.Errorf("%w\n  run the create_db command first", err)
	}
	return err
}
