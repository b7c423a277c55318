package e2e

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"base-docker-and-compose/e2e/harness"
	"base-docker-and-compose/shared/database"
	"base-docker-and-compose/shared/database/storetest"
)

// startPostgres starts PostgreSQL 17 (testdata/postgres) and returns a DATABASE_URL for it,
// on its port published on 127.0.0.1.
// With fixedPort, the host port is one of FreePort's (SMOKE_DB_PORT), which a restart keeps;
// else Docker picks one.
func startPostgres(t *testing.T, fixedPort bool) (string, *harness.Project) {
	t.Helper()
	harness.RequireImage(t, "postgres:17-trixie")
	p := harness.NewProject(t, "testdata/postgres")
	if fixedPort {
		p.UpOnFreePorts("SMOKE_DB_PORT")
	} else {
		p.Up()
	}
	return "postgres://smoke:smoke-password@" + p.Addr("db", 5432) + "/smokedb?sslmode=disable&connect_timeout=5", p
}

// The shared store keeps its contract on a real PostgreSQL 17, as it does on SQLite in the
// shared module's own tests.
func TestSharedStoreOnPostgres(t *testing.T) {
	t.Parallel()
	url, _ := startPostgres(t, false)
	storetest.Run(t, func(t *testing.T) *database.Store { return openReady(t, url) })
}

func openReady(t *testing.T, url string) *database.Store {
	t.Helper()
	store, err := database.Open(url)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.WaitReady(t.Context(), 30*time.Second); err != nil {
		t.Fatal(err)
	}
	return store
}

// A PostgreSQL that stops under a store with open connections is ErrUnavailable (the HTTP
// layer's 503), not an unknown error; once it is back, the same store serves again.
func TestSharedStoreWhenPostgresStopsAndReturns(t *testing.T) {
	t.Parallel()
	// The host port must survive the restart: the store's URL names it.
	url, p := startPostgres(t, true)
	store := openReady(t, url)
	defer store.Close()
	if err := store.ResetSchema(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer store.DropSchema(context.Background())
	if _, err := store.Seed(t.Context()); err != nil {
		t.Fatal(err)
	}

	p.MustCompose("stop", "db")
	for range 3 { // the pool's idle connections are dead now; each call must say unavailable
		if _, err := store.ListWorkers(t.Context()); !errors.Is(err, database.ErrUnavailable) {
			t.Fatalf("ListWorkers with the database stopped: %v, want ErrUnavailable", err)
		}
	}

	p.MustCompose("start", "db")
	harness.Eventually(t, 30*time.Second, func() error {
		workers, err := store.ListWorkers(t.Context())
		if err == nil && len(workers) == 0 {
			err = errors.New("no workers after the restart")
		}
		return err
	})
}

// A PostgreSQL that answers and refuses the login is not waited for: a wrong password or an
// unknown database name is ErrRejected at once, not a READY_TIMEOUT later.
func TestWaitReadyGivesUpOnARejectedLogin(t *testing.T) {
	t.Parallel()
	url, _ := startPostgres(t, false)
	openReady(t, url).Close() // it is up: what follows is the login alone
	for name, bad := range map[string]string{
		"wrong password":   strings.Replace(url, "smoke-password", "not-the-password", 1),
		"unknown database": strings.Replace(url, "/smokedb?", "/nosuchdb?", 1),
	} {
		store, err := database.Open(bad)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		err = store.WaitReady(t.Context(), 20*time.Second)
		store.Close()
		if !errors.Is(err, database.ErrRejected) || time.Since(start) > 10*time.Second {
			t.Errorf("%s: WaitReady = %v after %s, want ErrRejected at once", name, err, time.Since(start).Round(time.Millisecond))
		}
		if strings.Contains(fmt.Sprint(err), "not-the-password") {
			t.Errorf("%s: the error shows the password: %v", name, err)
		}
	}
}
