// Package storetest is the contract that database.Store keeps on every engine: one suite of
// tests that the database package runs on SQLite and the end-to-end tests run on PostgreSQL.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"base-docker-and-compose/shared/database"
	"base-docker-and-compose/shared/worker"
)

// concurrentReaders is how many goroutines list workers at once, more than a pool holds.
const concurrentReaders = 32

// Run runs the suite. Each subtest calls open for a Store on an empty database, one without a
// workers table, and closes that Store when it ends.
//
// The subtests may share one database, so they run one at a time, and each drops the workers
// table when it ends: Run leaves the database as empty as it found it and can run on it again.
// It will not start on a database that has a workers table, whose rows it would delete.
func Run(t *testing.T, open func(t *testing.T) *database.Store) {
	o := opener(open)
	t.Run("ListAndGetWithoutSchemaFailWithErrNoSchema", o.listAndGetWithoutSchemaFailWithErrNoSchema)
	t.Run("SeedWithoutSchemaFailsWithErrNoSchema", o.seedWithoutSchemaFailsWithErrNoSchema)
	t.Run("EmptyTableListsAsEmptyJSONArray", o.emptyTableListsAsEmptyJSONArray)
	t.Run("SeedInsertsTheDummiesOnce", o.seedInsertsTheDummiesOnce)
	t.Run("GetReturnsEachSeededWorker", o.getReturnsEachSeededWorker)
	t.Run("GetOfAMissingIDFailsWithErrNotFound", o.getOfAMissingIDFailsWithErrNotFound)
	t.Run("ResetSchemaEmptiesTheTableTwiceInARow", o.resetSchemaEmptiesTheTableTwiceInARow)
	t.Run("EnsureSchemaKeepsTheRows", o.ensureSchemaKeepsTheRows)
	t.Run("EnsureSchemaCreatesMissingTables", o.ensureSchemaCreatesMissingTables)
	t.Run("ConcurrentListsSeeTheSeededRows", o.concurrentListsSeeTheSeededRows)
	t.Run("ConcurrentEnsureSchemaSucceedsEverywhere", o.concurrentEnsureSchemaSucceedsEverywhere)
	t.Run("CreateReturnsTheStoredWorker", o.createReturnsTheStoredWorker)
	t.Run("CreateWithATakenEmailFailsWithErrEmailTaken", o.createWithATakenEmailFailsWithErrEmailTaken)
	t.Run("ConcurrentCreatesGetDistinctIDs", o.concurrentCreatesGetDistinctIDs)
	t.Run("Ping", o.ping)
}

// opener opens a Store on an empty database: the open that Run was given.
type opener func(t *testing.T) *database.Store

// fresh returns an open Store on an empty database, to be cleaned up when t ends.
func (open opener) fresh(t *testing.T) *database.Store {
	t.Helper()
	s := open(t)
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	// Checked before the drop below is registered: the suite deletes only tables it made.
	if _, err := s.ListWorkers(t.Context()); !errors.Is(err, database.ErrNoSchema) {
		t.Fatalf("storetest needs a database without a workers table; ListWorkers returned %v", err)
	}
	// Cleanups run in reverse order, so this one runs before Close, and after t.Context()
	// is canceled.
	t.Cleanup(func() {
		if err := s.DropSchema(context.Background()); err != nil {
			t.Errorf("DropSchema: %v", err)
		}
	})
	return s
}

// seeded returns an open Store whose workers table holds the dummies.
func (open opener) seeded(t *testing.T) *database.Store {
	t.Helper()
	s := open.fresh(t)
	resetSchema(t, s)
	if _, err := s.Seed(t.Context()); err != nil {
		t.Fatalf("Seed: %v", err)
	}
	return s
}

func (open opener) listAndGetWithoutSchemaFailWithErrNoSchema(t *testing.T) {
	s := open.fresh(t)
	if _, err := s.ListWorkers(t.Context()); !errors.Is(err, database.ErrNoSchema) {
		t.Errorf("ListWorkers: got error %v, want ErrNoSchema", err)
	}
	if _, err := s.GetWorker(t.Context(), 1); !errors.Is(err, database.ErrNoSchema) {
		t.Errorf("GetWorker: got error %v, want ErrNoSchema", err)
	}
	if _, err := s.CreateWorker(t.Context(), newcomer); !errors.Is(err, database.ErrNoSchema) {
		t.Errorf("CreateWorker: got error %v, want ErrNoSchema", err)
	}
}

func (open opener) seedWithoutSchemaFailsWithErrNoSchema(t *testing.T) {
	s := open.fresh(t)
	if _, err := s.Seed(t.Context()); !errors.Is(err, database.ErrNoSchema) {
		t.Errorf("Seed: got error %v, want ErrNoSchema", err)
	}
}

// emptyTableListsAsEmptyJSONArray: an empty table lists as an empty, non-nil slice, whose
// JSON is [].
func (open opener) emptyTableListsAsEmptyJSONArray(t *testing.T) {
	s := open.fresh(t)
	resetSchema(t, s)
	workers := listWorkers(t, s)
	if workers == nil || len(workers) != 0 {
		t.Fatalf("ListWorkers: got %#v, want an empty, non-nil slice", workers)
	}
	encoded, err := json.Marshal(workers)
	if err != nil {
		t.Fatal(err)
	}
	if string(encoded) != "[]" {
		t.Errorf("JSON of no workers: got %s, want []", encoded)
	}
}

// seedInsertsTheDummiesOnce: a second Seed inserts nothing.
func (open opener) seedInsertsTheDummiesOnce(t *testing.T) {
	s := open.fresh(t)
	resetSchema(t, s)
	want := len(worker.Dummies())
	if n, err := s.Seed(t.Context()); err != nil || n != want {
		t.Fatalf("first Seed: got (%d, %v), want (%d, nil)", n, err, want)
	}
	if n, err := s.Seed(t.Context()); err != nil || n != 0 {
		t.Fatalf("second Seed: got (%d, %v), want (0, nil)", n, err)
	}
	checkDummies(t, listWorkers(t, s))
}

// getReturnsEachSeededWorker: by the id the list gives it.
func (open opener) getReturnsEachSeededWorker(t *testing.T) {
	s := open.seeded(t)
	var got []worker.Worker
	for _, listed := range listWorkers(t, s) {
		w, err := s.GetWorker(t.Context(), listed.ID)
		if err != nil {
			t.Fatalf("GetWorker(%d): %v", listed.ID, err)
		}
		if w.ID != listed.ID {
			t.Errorf("GetWorker(%d): got the worker with id %d", listed.ID, w.ID)
		}
		got = append(got, w)
	}
	checkDummies(t, got)
}

func (open opener) getOfAMissingIDFailsWithErrNotFound(t *testing.T) {
	s := open.seeded(t)
	listed := listWorkers(t, s)
	missing := listed[len(listed)-1].ID + 1000
	if _, err := s.GetWorker(t.Context(), missing); !errors.Is(err, database.ErrNotFound) {
		t.Errorf("GetWorker(%d): got error %v, want ErrNotFound", missing, err)
	}
}

func (open opener) resetSchemaEmptiesTheTableTwiceInARow(t *testing.T) {
	s := open.seeded(t)
	resetSchema(t, s)
	resetSchema(t, s)
	if workers := listWorkers(t, s); len(workers) != 0 {
		t.Errorf("after ResetSchema: got %d workers, want none", len(workers))
	}
}

func (open opener) ensureSchemaKeepsTheRows(t *testing.T) {
	s := open.seeded(t)
	ensureSchema(t, s)
	checkDummies(t, listWorkers(t, s))
}

// ensureSchemaCreatesMissingTables: twice in a row, on a database without them.
func (open opener) ensureSchemaCreatesMissingTables(t *testing.T) {
	s := open.fresh(t)
	ensureSchema(t, s)
	ensureSchema(t, s)
	if workers := listWorkers(t, s); len(workers) != 0 {
		t.Errorf("after EnsureSchema: got %d workers, want none", len(workers))
	}
}

// concurrentListsSeeTheSeededRows: more lists at once than a pool holds. On an in-memory
// SQLite database it proves that every goroutine sees the one database: were the pool to open
// a second connection, that connection would find an empty one with no table.
func (open opener) concurrentListsSeeTheSeededRows(t *testing.T) {
	s := open.seeded(t)
	want := len(worker.Dummies())
	var wg sync.WaitGroup
	for range concurrentReaders {
		wg.Go(func() {
			workers, err := s.ListWorkers(t.Context())
			if err != nil {
				t.Errorf("ListWorkers: %v", err)
			} else if len(workers) != want {
				t.Errorf("ListWorkers: got %d workers, want %d", len(workers), want)
			}
		})
	}
	wg.Wait()
}

// concurrentEnsureSchemaSucceedsEverywhere: replicas that start together (stage 07's three)
// each create the missing table at once, on connections of their own. Every one of them must
// succeed: on PostgreSQL, two CREATE TABLE IF NOT EXISTS of the same new table at once can
// fail with a unique violation in the system catalogue unless they take turns.
func (open opener) concurrentEnsureSchemaSucceedsEverywhere(t *testing.T) {
	s := open.fresh(t)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for range concurrentReaders {
		wg.Go(func() {
			<-start
			if err := s.EnsureSchema(t.Context()); err != nil {
				t.Errorf("EnsureSchema at the same time as others: %v", err)
			}
		})
	}
	close(start)
	wg.Wait()
	if workers := listWorkers(t, s); len(workers) != 0 {
		t.Errorf("after EnsureSchema: got %d workers, want none", len(workers))
	}
}

// newcomer is a worker that is not among the dummies.
var newcomer = worker.Input{Name: "Edsger Dijkstra", Email: "edsger.dijkstra@example.com", Role: "engineer"}

// createReturnsTheStoredWorker: the row as the database filled it in, after the dummies'
// ids, which GetWorker and ListWorkers then return too.
func (open opener) createReturnsTheStoredWorker(t *testing.T) {
	s := open.seeded(t)
	before := listWorkers(t, s)
	created, err := s.CreateWorker(t.Context(), newcomer)
	if err != nil {
		t.Fatalf("CreateWorker: %v", err)
	}
	if created.Name != newcomer.Name || created.Email != newcomer.Email || created.Role != newcomer.Role {
		t.Errorf("CreateWorker: got %+v, want the fields of %+v", created, newcomer)
	}
	if last := before[len(before)-1].ID; created.ID <= last {
		t.Errorf("CreateWorker: id %d does not follow the last one, %d", created.ID, last)
	}
	if age := time.Since(created.CreatedAt); age < -time.Minute || age > time.Minute || created.CreatedAt.Location() != time.UTC {
		t.Errorf("CreateWorker: created_at %v is not within a minute of now, in UTC", created.CreatedAt)
	}
	got, err := s.GetWorker(t.Context(), created.ID)
	if err != nil || !got.CreatedAt.Equal(created.CreatedAt) || got.Email != created.Email || got.ID != created.ID {
		t.Errorf("GetWorker(%d) = %+v, %v; want %+v", created.ID, got, err, created)
	}
	if after := listWorkers(t, s); len(after) != len(before)+1 || after[len(after)-1].ID != created.ID {
		t.Errorf("after CreateWorker: %d workers, the last %+v; want %d, the last the new one", len(after), after[len(after)-1], len(before)+1)
	}
}

// createWithATakenEmailFailsWithErrEmailTaken: the table's UNIQUE email refuses the row, on
// every engine, and the table is left as it was.
func (open opener) createWithATakenEmailFailsWithErrEmailTaken(t *testing.T) {
	s := open.seeded(t)
	taken := worker.Dummies()[1]
	_, err := s.CreateWorker(t.Context(), worker.Input{Name: "Someone Else", Email: taken.Email, Role: "analyst"})
	if !errors.Is(err, database.ErrEmailTaken) {
		t.Fatalf("CreateWorker with %s taken: got error %v, want ErrEmailTaken", taken.Email, err)
	}
	if errors.Is(err, database.ErrUnavailable) || errors.Is(err, database.ErrNoSchema) {
		t.Errorf("CreateWorker with a taken email: %v is marked as another kind too", err)
	}
	checkDummies(t, listWorkers(t, s))
}

// concurrentCreatesGetDistinctIDs: writers at once, more than a pool holds, each get a row
// of their own, and every one of them is in the table afterwards.
func (open opener) concurrentCreatesGetDistinctIDs(t *testing.T) {
	s := open.fresh(t)
	resetSchema(t, s)
	ids := make(chan int64, concurrentReaders)
	var wg sync.WaitGroup
	for i := range concurrentReaders {
		wg.Go(func() {
			in := worker.Input{Name: fmt.Sprintf("Writer %d", i), Email: fmt.Sprintf("writer%d@example.com", i), Role: "engineer"}
			w, err := s.CreateWorker(t.Context(), in)
			if err != nil {
				t.Errorf("CreateWorker(%s): %v", in.Email, err)
				return
			}
			ids <- w.ID
		})
	}
	wg.Wait()
	close(ids)
	seen := map[int64]bool{}
	for id := range ids {
		if seen[id] {
			t.Errorf("id %d given to two workers", id)
		}
		seen[id] = true
	}
	listed := listWorkers(t, s)
	if len(listed) != concurrentReaders || len(seen) != concurrentReaders {
		t.Fatalf("%d writers: %d ids returned, %d workers listed", concurrentReaders, len(seen), len(listed))
	}
	for _, w := range listed {
		if !seen[w.ID] {
			t.Errorf("listed worker %+v was not returned by any CreateWorker", w)
		}
	}
}

func (open opener) ping(t *testing.T) {
	s := open.fresh(t)
	if err := s.Ping(t.Context()); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

func resetSchema(t *testing.T, s *database.Store) {
	t.Helper()
	if err := s.ResetSchema(t.Context()); err != nil {
		t.Fatalf("ResetSchema: %v", err)
	}
}

func ensureSchema(t *testing.T, s *database.Store) {
	t.Helper()
	if err := s.EnsureSchema(t.Context()); err != nil {
		t.Fatalf("EnsureSchema: %v", err)
	}
}

func listWorkers(t *testing.T, s *database.Store) []worker.Worker {
	t.Helper()
	workers, err := s.ListWorkers(t.Context())
	if err != nil {
		t.Fatalf("ListWorkers: %v", err)
	}
	return workers
}

// checkDummies checks that workers are the dummies, seeded once, in order of increasing id,
// with the fields the database fills in set sensibly.
func checkDummies(t *testing.T, workers []worker.Worker) {
	t.Helper()
	dummies := worker.Dummies()
	if len(workers) != len(dummies) {
		t.Fatalf("got %d workers, want the %d dummies", len(workers), len(dummies))
	}
	var lastID int64
	for i, w := range workers {
		d := dummies[i]
		if w.Name != d.Name || w.Email != d.Email || w.Role != d.Role {
			t.Errorf("worker %d: got %s <%s> (%s), want %s <%s> (%s)", i, w.Name, w.Email, w.Role, d.Name, d.Email, d.Role)
		}
		if w.ID <= lastID {
			t.Errorf("worker %d: id %d does not follow %d", i, w.ID, lastID)
		}
		lastID = w.ID
		// A minute either way allows for a database whose clock is not quite the test's.
		if age := time.Since(w.CreatedAt); age < -time.Minute || age > time.Minute {
			t.Errorf("worker %d: created_at %v is not within a minute of now", i, w.CreatedAt)
		}
		if w.CreatedAt.Location() != time.UTC {
			t.Errorf("worker %d: created_at %v is not in UTC", i, w.CreatedAt)
		}
	}
}
