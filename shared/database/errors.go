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
)

// Unavailable marks err, the failure to reach the database (a failed Ping, say), as
// ErrUnavailable while keeping it for the logs.
func Unavailable(err error) error {
	return fmt.Errorf("%w: %w", ErrUnavailable, err)
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

// wrap names the operation that failed, and marks a missing table as ErrNoSchema and a database
// out of reach as ErrUnavailable, while keeping the driver's error for the logs.
func (s *Store) wrap(op string, err error) error {
	switch {
	case s.dialect.isMissingTable(err):
		return fmt.Errorf("%s: %w: %w", op, ErrNoSchema, err)
	case isUnreachable(err) || s.dialect.isUnavailable(err):
		return fmt.Errorf("%s: %w: %w", op, ErrUnavailable, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// alsoIs returns err, message and all, made to match target with errors.Is too.
func alsoIs(err, target error) error { return marked{err, target} }

type marked struct {
	error
	target error
}

func (m marked) Unwrap() []error { return []error{m.error, m.target} }
