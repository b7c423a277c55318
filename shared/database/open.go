package database

import (
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Open returns a Store on the database that a DATABASE_URL names (see ParseURL).
//
// It does not connect: like sql.Open it only prepares a connection pool, so it succeeds while
// the database is still starting, and WaitReady is what waits for it to answer.
func Open(raw string) (*Store, error) {
	src, err := ParseURL(raw)
	if err != nil {
		return nil, err
	}
	db, err := sqlx.Open(src.Driver, src.DSN)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", Redact(raw), err)
	}
	if src.Memory {
		// An in-memory SQLite database exists only inside the connection that made it: a second
		// connection would see a second, empty database, and closing this one would delete it.
		// So the pool has exactly one connection and keeps it for good (no ConnMaxLifetime or
		// ConnMaxIdleTime), and concurrent callers take turns with it.
		db.SetMaxOpenConns(1)
		db.SetMaxIdleConns(1)
	} else {
		// Plenty for a small API, and few enough that several replicas of it stay well under
		// PostgreSQL's default max_connections of 100. Connections idle for five minutes are
		// closed, which hands their resources back to the server when traffic dies down.
		db.SetMaxOpenConns(10)
		db.SetMaxIdleConns(10)
		db.SetConnMaxIdleTime(5 * time.Minute)
	}
	return &Store{db: db, dialect: dialects[src.Driver], url: Redact(raw), memory: src.Memory}, nil
}
