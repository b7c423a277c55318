package database_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"base-docker-and-compose/shared/database"
	"base-docker-and-compose/shared/database/storetest"
	"base-docker-and-compose/shared/worker"
)

// open opens raw, failing t if it cannot, and closes the Store when t ends.
func open(t *testing.T, raw string) *database.Store {
	t.Helper()
	s, err := database.Open(raw)
	if err != nil {
		t.Fatalf("Open(%q): %v", raw, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestStoreSQLiteMemory runs the suite on in-memory databases. Its subtest
// ConcurrentListsSeeTheSeededRows proves that every goroutine sees the one database.
func TestStoreSQLiteMemory(t *testing.T) {
	storetest.Run(t, func(t *testing.T) *database.Store {
		s, err := database.Open("sqlite://")
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestStoreSQLiteFile(t *testing.T) {
	storetest.Run(t, func(t *testing.T) *database.Store {
		s, err := database.Open("sqlite:///" + filepath.Join(t.TempDir(), "workers.db"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestMemorySurvivesCancellation checks that a context ending in the middle of a transaction
// does not cost the in-memory database its one connection, and with it every table and row.
func TestMemorySurvivesCancellation(t *testing.T) {
	s := open(t, "sqlite://")
	if err := s.ResetSchema(t.Context()); err != nil {
		t.Fatal(err)
	}
	for i := range 200 {
		// Deadlines of 0 to 99µs end some calls before their transaction, some during it and
		// some after. Whether each call fails is down to timing; what it leaves behind is not.
		timeout := time.Duration(i%100) * time.Microsecond
		ctx, cancel := context.WithTimeout(t.Context(), timeout)
		_ = s.ResetSchema(ctx)
		_, _ = s.Seed(ctx)
		_, _ = s.CreateWorker(ctx, worker.Input{Name: "W", Email: fmt.Sprintf("w%d@example.com", i), Role: "r"})
		cancel()
		if _, err := s.ListWorkers(t.Context()); err != nil {
			t.Fatalf("after calls with a %v deadline: %v", timeout, err)
		}
	}
}

// TestSQLiteFilePaths checks SQLAlchemy's convention end to end: three slashes before a path
// relative to the working directory, four before an absolute one.
func TestSQLiteFilePaths(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	for raw, file := range map[string]string{
		"sqlite:///relative.db":                          filepath.Join(dir, "relative.db"),
		"sqlite:///" + filepath.Join(dir, "absolute.db"): filepath.Join(dir, "absolute.db"),
	} {
		if err := open(t, raw).EnsureSchema(t.Context()); err != nil {
			t.Fatalf("%s: EnsureSchema: %v", raw, err)
		}
		if _, err := os.Stat(file); err != nil {
			t.Errorf("%s: %v", raw, err)
		}
	}
}
