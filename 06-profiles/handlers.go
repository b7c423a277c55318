package main

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"base-docker-and-compose/shared/database"
)

// readyzTimeout bounds the database ping of /readyz, so that a probe never hangs.
const readyzTimeout = 2 * time.Second

// dbTimeout bounds the database work of one API request. A database whose container went
// away leaves an address that no longer answers, and a connection to it would wait for the
// operating system's TCP timeout; with the bound, the client gets a 503 in seconds.
const dbTimeout = 2 * time.Second

// withTimeout gives the rest of the request a deadline, which the store's queries obey.
func withTimeout(d time.Duration) gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx, cancel := context.WithTimeout(c.Request.Context(), d)
		defer cancel()
		c.Request = c.Request.WithContext(ctx)
		c.Next()
	}
}

// handleHealthz says the process is up and serving; it does not touch the database.
func handleHealthz() gin.HandlerFunc {
	return func(c *gin.Context) {
		c.JSON(http.StatusOK, gin.H{"status": "ok"})
	}
}

// handleReadyz says whether the database answers now.
func handleReadyz(store *database.Store) gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx, cancel := context.WithTimeout(c.Request.Context(), readyzTimeout)
		defer cancel()
		if err := store.Ping(ctx); err != nil {
			_ = c.Error(database.Unavailable(err))
			return
		}
		c.JSON(http.StatusOK, gin.H{"status": "ready"})
	}
}

// handleListWorkers answers every worker as a JSON list ([] when there are none).
func handleListWorkers(store *database.Store) gin.HandlerFunc {
	return func(c *gin.Context) {
		workers, err := store.ListWorkers(c.Request.Context())
		if err != nil {
			_ = c.Error(err)
			return
		}
		c.JSON(http.StatusOK, workers)
	}
}

// handleGetWorker answers one worker by its id.
func handleGetWorker(store *database.Store) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, err := strconv.ParseInt(c.Param("id"), 10, 64)
		if err != nil || id < 1 {
			_ = c.Error(errBadID)
			return
		}
		w, err := store.GetWorker(c.Request.Context(), id)
		if err != nil {
			_ = c.Error(err)
			return
		}
		c.JSON(http.StatusOK, w)
	}
}
