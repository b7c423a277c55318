package database

import (
	"context"

	"github.com/jmoiron/sqlx"

	"base-docker-and-compose/shared/worker"
)

// insertWorker adds a worker unless one has its email already. Both engines accept ON CONFLICT
// … DO NOTHING (SQLite since 3.24, PostgreSQL since 9.5), and with the unique email it is what
// makes seeding safe to repeat.
const insertWorker = `INSERT INTO workers (name, email, role) VALUES (:name, :email, :role)
	ON CONFLICT (email) DO NOTHING`

// Seed inserts those of worker.Dummies whose email is not in the table yet, in one transaction,
// and returns how many it inserted: all of them the first time, none the next. It fails with
// ErrNoSchema when the workers table does not exist.
func (s *Store) Seed(ctx context.Context) (inserted int, err error) {
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		for _, w := range worker.Dummies() {
			res, err := tx.NamedExecContext(ctx, insertWorker, w)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			inserted += int(n)
		}
		return nil
	})
	if err != nil {
		return 0, s.wrap("seed", err)
	}
	return inserted, nil
}
