package database

import (
	"errors"
	"strings"

	"github.com/lib/pq"
	"github.com/lib/pq/pqerror"
	"github.com/mattn/go-sqlite3"
)

// This file holds everything in which SQLite and PostgreSQL differ. Bind variables are the one
// difference sqlx handles itself: queries are written with ? (or :name), and sqlx rebinds them
// as $1, $2, … for lib/pq, knowing the driver's name.

// The database/sql driver names, as go-sqlite3 and lib/pq register them.
const (
	driverSQLite   = "sqlite3"
	driverPostgres = "postgres"
)

// sqliteOptions are the go-sqlite3 DSN parameters of every SQLite database. A connection waits
// up to 5s for another one's write lock instead of failing at once with "database is locked",
// and foreign keys are enforced, which SQLite otherwise leaves off. The journal stays in its
// default mode rather than WAL, whose shared-memory file is unreliable on the bind mounts that
// Docker Desktop shares from a Mac or Windows host.
const sqliteOptions = "_busy_timeout=5000&_foreign_keys=on"

// A dialect is what the store says, or hears, differently on each engine.
type dialect struct {
	// createWorkers creates the workers table unless it exists.
	createWorkers string
	// lockSchema, run first in a transaction that changes the schema, makes such
	// transactions take turns: two app replicas that start together would otherwise both
	// create the table at once, and on PostgreSQL one of them fails. Empty where the engine
	// serialises them itself (SQLite allows one writer at a time).
	lockSchema string
	// isMissingTable reports whether err says that a table does not exist.
	isMissingTable func(err error) bool
	// isUnavailable reports whether err is the engine saying that it cannot serve now; a
	// connection that could not be made at all is isUnreachable's, for every engine.
	isUnavailable func(err error) bool
	// isRejected reports whether err is the engine refusing the login itself, which no
	// retry can change.
	isRejected func(err error) bool
	// isDuplicate reports whether err is a UNIQUE constraint refusing a row.
	isDuplicate func(err error) bool
}

// dialects is keyed by driver name; ParseURL produces no other.
var dialects = map[string]dialect{
	driverSQLite: {
		// INTEGER PRIMARY KEY makes id the rowid, and AUTOINCREMENT keeps the ids of deleted rows
		// from being reused, as PostgreSQL's identity columns do. go-sqlite3 returns a column
		// declared TIMESTAMP as a time.Time, and CURRENT_TIMESTAMP is in UTC.
		createWorkers: `CREATE TABLE IF NOT EXISTS workers (
			id         INTEGER PRIMARY KEY AUTOINCREMENT,
			name       TEXT NOT NULL,
			email      TEXT NOT NULL UNIQUE,
			role       TEXT NOT NULL,
			created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
		)`,
		isMissingTable: func(err error) bool {
			// go-sqlite3 has no code of its own for this; SQLite's message is stable.
			sqliteErr, ok := errors.AsType[sqlite3.Error](err)
			return ok && strings.HasPrefix(sqliteErr.Error(), "no such table")
		},
		isUnavailable: func(err error) bool {
			// The file or its folder is missing, unreadable, or on a volume that went away.
			sqliteErr, ok := errors.AsType[sqlite3.Error](err)
			return ok && sqliteErr.Code == sqlite3.ErrCantOpen
		},
		// A file has no login to refuse.
		isRejected: func(error) bool { return false },
		isDuplicate: func(err error) bool {
			sqliteErr, ok := errors.AsType[sqlite3.Error](err)
			return ok && sqliteErr.ExtendedCode == sqlite3.ErrConstraintUnique
		},
	},
	driverPostgres: {
		// ALWAYS: the database alone assigns ids. TIMESTAMPTZ stores an instant, in UTC.
		// A lock of the whole database, held to the end of the transaction; the number is
		// this app's own (any constant that no other program uses here would do).
		lockSchema: `SELECT pg_advisory_xact_lock(7301)`,
		createWorkers: `CREATE TABLE IF NOT EXISTS workers (
			id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
			name       TEXT NOT NULL,
			email      TEXT NOT NULL UNIQUE,
			role       TEXT NOT NULL,
			created_at TIMESTAMPTZ NOT NULL DEFAULT now()
		)`,
		isMissingTable: func(err error) bool {
			return pq.As(err, pqerror.UndefinedTable) != nil
		},
		isUnavailable: func(err error) bool {
			// Class 08 is a connection exception; 57P01-57P03 are a server shutting down,
			// crashed, or still starting ("the database system is starting up"). 57014 is a
			// statement lib/pq had the server cancel when the request's deadline passed (one
			// waiting on a lock, say): the database did not answer in time, as with a dial
			// that timed out, so the same request may work shortly.
			pqErr := pq.As(err)
			return pqErr != nil && (pqErr.Code.Class() == pqerror.ClassConnectionException ||
				pq.As(err, pqerror.AdminShutdown, pqerror.CrashShutdown, pqerror.CannotConnectNow, pqerror.QueryCanceled) != nil)
		},
		isRejected: func(err error) bool {
			// Class 28 is a failed login (28P01: the password); 3D000 a database name that
			// does not exist. A server still initialising its volume listens on no TCP port,
			// so over TCP these are its final answer.
			pqErr := pq.As(err)
			return pqErr != nil && (pqErr.Code.Class() == pqerror.ClassInvalidAuthorizationSpecification ||
				pq.As(err, pqerror.InvalidCatalogName) != nil)
		},
		isDuplicate: func(err error) bool {
			return pq.As(err, pqerror.UniqueViolation) != nil
		},
	},
}
