package main

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"base-docker-and-compose/shared/database"
)

// addRoutes is the whole API surface, in one place.
func addRoutes(r *gin.Engine, store *database.Store) {
	r.GET("/healthz", handleHealthz())
	r.GET("/readyz", handleReadyz(store))

	v1 := r.Group("/api/v1", withTimeout(dbTimeout))
	v1.GET("/workers", handleListWorkers(store))
	v1.GET("/workers/:id", handleGetWorker(store))

	r.NoRoute(func(c *gin.Context) {
		c.JSON(http.StatusNotFound, gin.H{"error": "no route " + c.Request.URL.Path})
	})
	r.NoMethod(func(c *gin.Context) {
		c.JSON(http.StatusMethodNotAllowed, gin.H{"error": "method " + c.Request.Method + " not allowed on " + c.Request.URL.Path})
	})
}
