package database_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"base-docker-and-compose/shared/database"
	"base-docker-and-compose/shared/worker"
)

// A database out of reach is ErrUnavailable, for reads and writes on both engines, so that
// the HTTP layer answers 503 (try again) rather than 500.
func TestUnreachableDatabaseIsErrUnavailable(t *testing.T) {
	tests := map[string]string{
		// Nothing listens on port 1, so the dial is refused at once.
		"postgres refused": "postgres://u:p@127.0.0.1:1/db?sslmode=disable&connect_timeout=1",
		// The folder does not exist, so SQLite cannot open the file.
		"sqlite no folder": "sqlite:///" + filepath.Join(t.TempDir(), "missing", "app.db"),
	}
	for name, url := range tests {
		t.Run(name, func(t *testing.T) {
			s := open(t, url)
			if _, err := s.ListWorkers(t.Context()); !errors.Is(err, database.ErrUnavailable) {
				t.Errorf("ListWorkers: %v, want ErrUnavailable", err)
			}
			if _, err := s.GetWorker(t.Context(), 1); !errors.Is(err, database.ErrUnavailable) {
				t.Errorf("GetWorker: %v, want ErrUnavailable", err)
			}
			if _, err := s.Seed(t.Context()); !errors.Is(err, database.ErrUnavailable) {
				t.Errorf("Seed: %v, want ErrUnavailable", err)
			}
			newcomer := worker.Input{Name: "Ada", Email: "ada@example.com", Role: "engineer"}
			if _, err := s.CreateWorker(t.Context(), newcomer); !errors.Is(err, database.ErrUnavailable) {
				t.Errorf("CreateWorker: %v, want ErrUnavailable", err)
			}
			if err := s.Ping(t.Context()); !errors.Is(err, database.ErrUnavailable) {
				t.Errorf("Ping: %v, want ErrUnavailable", err)
			}
		})
	}
}

// A database that does not answer before the caller's deadline is unavailable too: the
// HTTP layer gives each request a deadline, so that a vanished database is a quick 503.
func TestDeadlineIsErrUnavailable(t *testing.T) {
	s := open(t, "sqlite://")
	ctx, cancel := context.WithTimeout(t.Context(), -time.Second)
	defer cancel()
	if _, err := s.ListWorkers(ctx); !errors.Is(err, database.ErrUnavailable) {
		t.Errorf("ListWorkers after the deadline: %v, want ErrUnavailable", err)
	}
}
