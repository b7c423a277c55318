package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"

	"base-docker-and-compose/shared/worker"
)

// Store reads and writes workers. It holds a connection pool, so one Store serves every request
// of an app, from as many goroutines as it likes.
type Store struct {
	db      *sqlx.DB
	dialect dialect
	url     string // the DATABASE_URL with its password masked, for error messages
	memory  bool   // an in-memory SQLite database, born empty with the Store
}

const selectWorkers = `SELECT id, name, email, role, created_at FROM workers`

// ListWorkers returns every worker, ordered by id. Without an error the slice is never nil, so
// that no workers encode as [] in JSON, not null. It fails with ErrNoSchema when the workers
// table does not exist.
func (s *Store) ListWorkers(ctx context.Context) ([]worker.Worker, error) {
	workers := []worker.Worker{}
	if err := s.db.SelectContext(ctx, &workers, selectWorkers+` ORDER BY id`); err != nil {
		return nil, s.wrap("list workers", err)
	}
	for i := range workers {
		inUTC(&workers[i])
	}
	return workers, nil
}

// GetWorker returns the worker with the given id. It fails with ErrNotFound when there is none,
// and with ErrNoSchema when the workers table does not exist.
func (s *Store) GetWorker(ctx context.Context, id int64) (worker.Worker, error) {
	var w worker.Worker
	err := s.db.GetContext(ctx, &w, s.db.Rebind(selectWorkers+` WHERE id = ?`), id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return worker.Worker{}, fmt.Errorf("worker %d: %w", id, ErrNotFound)
	case err != nil:
		return worker.Worker{}, s.wrap(fmt.Sprintf("get worker %d", id), err)
	}
	inUTC(&w)
	return w, nil
}

// insertReturning adds one worker and returns its row as the database filled it in: both
// engines accept RETURNING (SQLite since 3.35, PostgreSQL since 8.2), so the row takes one
// round trip and no second query that another writer could race.
const insertReturning = `INSERT INTO workers (name, email, role) VALUES (?, ?, ?)
	RETURNING id, name, email, role, created_at`

// CreateWorker adds a worker with in's name, email and role, and returns it with the id and
// created_at that the database gave it. It fails with ErrEmailTaken when a worker has that
// email already, and with ErrNoSchema when the workers table does not exist. It does not
// validate in: the caller does (worker.Input.Validate).
func (s *Store) CreateWorker(ctx context.Context, in worker.Input) (worker.Worker, error) {
	var w worker.Worker
	if err := s.db.GetContext(ctx, &w, s.db.Rebind(insertReturning), in.Name, in.Email, in.Role); err != nil {
		return worker.Worker{}, s.wrap("create worker", err)
	}
	inUTC(&w)
	return w, nil
}

// inUTC gives CreatedAt the same location on both engines: go-sqlite3 returns times in UTC,
// lib/pq in the time zone of the database session.
func inUTC(w *worker.Worker) {
	w.CreatedAt = w.CreatedAt.UTC()
}

// InMemory reports whether the database is an in-memory SQLite one: empty when the Store is
// opened, and gone when it is closed.
func (s *Store) InMemory() bool { return s.memory }

// Ping checks that the database answers now; WaitReady waits until it does. Whatever the
// reason it does not, the database cannot serve now: the error is ErrUnavailable.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("ping: %w", mark(ErrUnavailable, err))
	}
	return nil
}

// Close closes the connection pool. An in-memory SQLite database is gone after it.
func (s *Store) Close() error {
	return s.db.Close()
}

// inTx runs fn in a transaction, committed if fn returns nil and rolled back otherwise.
// fn must use tx alone: an in-memory database has one connection, which tx is holding.
func (s *Store) inTx(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	// If ctx ended mid-transaction, database/sql would roll back by closing the connection (as
	// go-sqlite3 cannot reset a session), and take an in-memory database with it. So the
	// transaction outlives ctx: fn's statements use ctx and fail when it ends, and the deferred
	// Rollback undoes them on a connection that stays open.
	tx, err := s.db.BeginTxx(context.WithoutCancel(ctx), nil)
	if err != nil {
		return err
	}
	// Rolling back a committed transaction does nothing, so this undoes only what fn left.
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}
