package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"base-docker-and-compose/shared/database"
)

// serve serves the API until ctx is cancelled (SIGINT or SIGTERM), then stops accepting
// connections and gives in-flight requests up to SHUTDOWN_TIMEOUT to finish.
func serve(ctx context.Context, cfg config, store *database.Store, log *slog.Logger) error {
	if src, _ := database.ParseURL(cfg.DatabaseURL); src.Memory {
		// An in-memory database is born empty with the process, so the server fills it.
		if err := store.ResetSchema(ctx); err != nil {
			return err
		}
		n, err := store.Seed(ctx)
		if err != nil {
			return err
		}
		log.Info("in-memory SQLite database created and seeded; it is gone when the server stops", "workers", n)
	}

	gin.SetMode(gin.ReleaseMode)
	srv := &http.Server{
		Handler:           newServer(log, store),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
		// Far above limits.go's JSON limits: over this, net/http answers a plain-text 431.
		MaxHeaderBytes: 1 << 20,
		ErrorLog:       slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", cfg.Addr())
	if err != nil {
		return fmt.Errorf("listen on %s: %w (is another process using PORT=%d? set PORT to a free port)", cfg.Addr(), err, cfg.Port)
	}
	// HOST as set, with the port bound (PORT=0 picks one): Go prints 0.0.0.0 as [::].
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	log.Info("serving the workers API", "url", "http://"+net.JoinHostPort(cfg.Host, port)+"/api/v1/workers", "config", cfg)

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}

	log.Info("shutting down: finishing in-flight requests", "timeout", cfg.ShutdownTimeout)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: in-flight requests did not finish within SHUTDOWN_TIMEOUT=%s: %w", cfg.ShutdownTimeout, err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}
