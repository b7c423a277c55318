package database

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
)

// Errors that callers test for with errors.Is.
var (
	// ErrNotFound means that no worker has the id asked for.
	ErrNotFound = errors.New("worker not found")

	// ErrNoSchema means that the workers table does not exist yet: neither create_db nor
	// EnsureSchema has run. An HTTP handler can say so instead of answering a bare 500.
	ErrNoSchema = errors.New("the workers table does not exist")

	// ErrUnavailable means that the database cannot be reached now: it is down, restarting or
	// out of reach. It is not the request's fault, and the same request may work shortly, so
	// an HTTP handler answers 503 rather than 500.
	ErrUnavailable = errors.New("the database is unavailable")

	// ErrRejected means that the database answered and refused the login: a wrong user or
	// password, or a database name it does not have. Waiting will not change its answer.
	ErrRejected = errors.New("the database rejected the login")

	// ErrEmailTaken means that a worker with the same email exists already: the table's
	// UNIQUE email refused the row. It is the client's to fix (a 409), not the server's.
	ErrEmailTaken = errors.New("a worker with this email already exists")
)

// mark returns err marked as kind, one of the errors above: the package's one way of saying
// what kind of failure an error is. errors.Is(err, kind) holds, errors.Is and errors.As still
// reach the driver's error for the logs, and the message reads "kind: err".
func mark(kind, err error) error {
	return fmt.Errorf("%w: %w", kind, err)
}

// isUnreachable reports whether err says that the database could not be reached or dropped
// the connection, on any engine: a refused or timed-out dial, a connection the pool found
// dead, one the server closed mid-reply, or no answer before the caller's deadline.
func isUnreachable(err error) bool {
	var netErr net.Error
	return errors.As(err, &netErr) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, context.DeadlineExceeded)
}

// wrap names the operation that failed, and marks a missing table as ErrNoSchema, a duplicate
// email as ErrEmailTaken and a database out of reach as ErrUnavailable, while keeping the
// driver's error for the logs.
func (s *Store) wrap(op string, err error) error {
	switch {
	case s.dialect.isMissingTable(err):
		err = mark(ErrNoSchema, err)
	case s.dialect.isDuplicate(err):
		// email is the one UNIQUE column that a client sets (id is the database's).
		err = mark(ErrEmailTaken, err)
	case isUnreachable(err) || s.dialect.isUnavailable(err):
		err = mark(ErrUnavailable, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}
