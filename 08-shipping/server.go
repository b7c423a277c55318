package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"

	"base-docker-and-compose/shared/database"
	"base-docker-and-compose/shared/httpapi"
)

// serve serves the API until ctx is cancelled (SIGINT or SIGTERM), then stops accepting
// connections and gives in-flight requests up to SHUTDOWN_TIMEOUT to finish.
func serve(ctx context.Context, cfg config, store *database.Store, log *slog.Logger, _ io.Writer) error {
	switch {
	case store.InMemory():
		// An in-memory database is born empty with the process, so the server fills it.
		if err := store.ResetSchema(ctx); err != nil {
			return err
		}
		n, err := store.Seed(ctx)
		if err != nil {
			return err
		}
		log.Info("in-memory SQLite database created and seeded; it is gone when the server stops", "workers", n)
	case cfg.InitDB:
		// An image with no shell has no entrypoint script: the server prepares the tables.
		if err := initDB(ctx, cfg, store, log, io.Discard); err != nil {
			return err
		}
		log.Info("tables are in place (existing rows kept)")
	}

	// The server's timeouts and limits are in shared/httpapi: no lesson is about them.
	srv := httpapi.NewServer(newRouter(log, store), log)
	ln, err := net.Listen("tcp", cfg.Addr())
	if err != nil {
		return fmt.Errorf("listen on %s: %w (is another process using PORT=%d? set PORT to a free port)", cfg.Addr(), err, cfg.Port)
	}

	// Go's profiler, when PPROF_ADDR asks for it (docs/profiling.md): a port of its own,
	// never the API's, so that no client of the API can reach it. It starts only once the
	// API has its port, so that an app refused its port runs no profiler, and it stops when
	// serve returns, however it returns.
	if cfg.PprofAddr != "" {
		stopProfiler, err := httpapi.ListenProfiler(cfg.PprofAddr, log)
		if err != nil {
			ln.Close()
			return err
		}
		defer stopProfiler()
	}
	log.Info("serving the workers API", "url", "http://"+cfg.Addr()+"/api/v1/workers", "config", cfg)

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
