package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"base-docker-and-compose/shared/database"
	"base-docker-and-compose/shared/httpapi"
	"base-docker-and-compose/shared/worker"
)

// dbTimeout bounds the database work of one request. A database whose container went away
// leaves an address that no longer answers, and a connection to it would wait for the
// operating system's TCP timeout; with the bound, the client gets a 503 in seconds.
const dbTimeout = 2 * time.Second

// newRouter is the whole API surface, in one place. httpapi adds what every JSON API needs:
// a log line per request, JSON errors from httpStatus, request limits, recovery from panics.
func newRouter(log *slog.Logger, store *database.Store) http.Handler {
	h := handlers{store}
	r := httpapi.NewRouter(log, httpStatus)
	r.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	r.GET("/readyz", httpapi.Timeout(dbTimeout), h.readyz)
	v1 := r.Group("/api/v1", httpapi.Timeout(dbTimeout))
	v1.GET("/workers", h.listWorkers)
	v1.POST("/workers", h.createWorker)
	v1.GET("/workers/:id", h.getWorker)
	return r
}

// errBadID is what a client gets for /api/v1/workers/abc or /api/v1/workers/0.
var errBadID = errors.New("the worker id must be a positive integer")

// httpStatus maps an error to the status and message a client sees. It is the one place
// where errors become HTTP: handlers only hand their errors to c.Error.
func httpStatus(err error) (int, string) {
	if bad, ok := errors.AsType[*httpapi.BadRequest](err); ok {
		return http.StatusBadRequest, bad.Message // and its fields, which httpapi adds
	}
	switch {
	case errors.Is(err, errBadID):
		return http.StatusBadRequest, errBadID.Error()
	case errors.Is(err, database.ErrEmailTaken):
		return http.StatusConflict, database.ErrEmailTaken.Error()
	case errors.Is(err, database.ErrNotFound):
		return http.StatusNotFound, "worker not found"
	case errors.Is(err, database.ErrNoSchema):
		return http.StatusServiceUnavailable, "the database has no tables yet: run the create_db command, then seed_db"
	case errors.Is(err, database.ErrUnavailable):
		return http.StatusServiceUnavailable, "the database is unavailable; try again shortly"
	default:
		return http.StatusInternalServerError, "internal error"
	}
}

// handlers answer the API's requests from the store.
type handlers struct{ store *database.Store }

// readyz says whether the database answers now; /healthz only that the process serves.
func (h handlers) readyz(c *gin.Context) {
	if err := h.store.Ping(c.Request.Context()); err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
}

// listWorkers answers every worker as a JSON list ([] when there are none).
func (h handlers) listWorkers(c *gin.Context) {
	workers, err := h.store.ListWorkers(c.Request.Context())
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, workers)
}

// getWorker answers one worker by its id.
func (h handlers) getWorker(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id < 1 {
		_ = c.Error(errBadID)
		return
	}
	w, err := h.store.GetWorker(c.Request.Context(), id)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, w)
}

// createWorker adds the worker that the JSON body describes and answers it, as stored, with
// 201 and its URL in Location. A body with bad fields gets a 400 that names each of them.
func (h handlers) createWorker(c *gin.Context) {
	var in worker.Input
	if err := httpapi.DecodeJSON(c.Request, &in); err != nil {
		_ = c.Error(err)
		return
	}
	w, err := h.store.CreateWorker(c.Request.Context(), in)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.Header("Location", fmt.Sprintf("/api/v1/workers/%d", w.ID))
	c.JSON(http.StatusCreated, w)
}
