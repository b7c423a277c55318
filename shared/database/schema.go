package database

import (
	"context"

	"github.com/jmoiron/sqlx"
)

const dropWorkers = `DROP TABLE IF EXISTS workers`

// ResetSchema drops the workers table, rows and all, and creates it empty: the explicit reset
// that the create_db command asks for. Both engines can change tables in a transaction, so a
// failure leaves the old table as it was.
func (s *Store) ResetSchema(ctx context.Context) error {
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := s.lockSchema(ctx, tx); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, dropWorkers); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.dialect.createWorkers)
		return err
	})
	if err != nil {
		return s.wrap("reset schema", err)
	}
	return nil
}

// EnsureSchema creates the workers table if it does not exist, and never touches one that does:
// an app can run it every time it starts without losing data, and several replicas can run it
// at once.
func (s *Store) EnsureSchema(ctx context.Context) error {
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := s.lockSchema(ctx, tx); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.dialect.createWorkers)
		return err
	})
	if err != nil {
		return s.wrap("ensure schema", err)
	}
	return nil
}

// lockSchema waits for the engine's schema lock, where it has one (dialect.lockSchema).
func (s *Store) lockSchema(ctx context.Context, tx *sqlx.Tx) error {
	if s.dialect.lockSchema == "" {
		return nil
	}
	_, err := tx.ExecContext(ctx, s.dialect.lockSchema)
	return err
}

// DropSchema drops the workers table, rows and all, if it exists. The storetest suite uses it
// to leave a database as empty as it found it.
func (s *Store) DropSchema(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, dropWorkers); err != nil {
		return s.wrap("drop schema", err)
	}
	return nil
}
