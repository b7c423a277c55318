package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"base-docker-and-compose/shared/database"
)

// The manage commands, the Go counterparts of the seed's manage.py (see commands in main.go).

// ready waits until the database answers, so that a script can start the database and
// go on only when it accepts connections.
func ready(ctx context.Context, cfg config, store *database.Store, log *slog.Logger, stdout io.Writer) error {
	log.Info("waiting for the database", "database_url", database.Redact(cfg.DatabaseURL), "timeout", cfg.ReadyTimeout)
	if err := store.WaitReady(ctx, cfg.ReadyTimeout); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "database is ready")
	return nil
}

// createDB drops the tables and creates them empty, as the seed's create_db does: a reset
// for development, which deletes every row.
func createDB(ctx context.Context, cfg config, store *database.Store, log *slog.Logger, stdout io.Writer) error {
	if err := store.ResetSchema(ctx); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "tables dropped and created empty")
	return nil
}

// initDB waits for the database, then creates the tables that are missing and leaves the
// others, rows and all, as they are. Unlike create_db it is safe to run at every start.
func initDB(ctx context.Context, cfg config, store *database.Store, log *slog.Logger, stdout io.Writer) error {
	if err := ready(ctx, cfg, store, log, io.Discard); err != nil {
		return err
	}
	if err := store.EnsureSchema(ctx); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "tables are in place (existing rows kept)")
	return nil
}

// seedDB adds the dummy workers; running it again adds none twice.
func seedDB(ctx context.Context, cfg config, store *database.Store, log *slog.Logger, stdout io.Writer) error {
	n, err := store.Seed(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "seeded %d new workers\n", n)
	return nil
}

// withHint adds to an error what to do about it: the one place for such advice.
func withHint(err error) error {
	var hint string
	switch {
	case errors.Is(err, database.ErrRejected):
		hint = "check the user, password and database name that DATABASE_URL gives; waiting will not help" +
			" (a data volume keeps the password it was first created with)"
	case errors.Is(err, database.ErrNoSchema):
		hint = "run the create_db command first"
	case errors.Is(err, database.ErrUnavailable):
		hint = "is the database running, and does DATABASE_URL point at it? READY_TIMEOUT sets how long to wait"
	default:
		return err
	}
	return fmt.Errorf("%w\n  %s", err, hint)
}
