package database

import (
	"errors"
	"fmt"
	"testing"

	"github.com/lib/pq"
	"github.com/lib/pq/pqerror"
	"github.com/mattn/go-sqlite3"
)

// kinds are every error kind the package marks errors with.
var kinds = []error{ErrNotFound, ErrNoSchema, ErrUnavailable, ErrRejected, ErrEmailTaken}

// mark is the one way the package says what kind of failure an error is: the result is that
// kind and no other, still reaches the driver's error, and says both.
func TestMarkKeepsTheKindAndTheCause(t *testing.T) {
	cause := &pq.Error{Severity: "ERROR", Code: pqerror.UniqueViolation, Message: "duplicate key value"}
	for _, kind := range kinds {
		err := fmt.Errorf("create worker: %w", mark(kind, fmt.Errorf("exec: %w", cause)))
		for _, other := range kinds {
			if got := errors.Is(err, other); got != (other == kind) {
				t.Errorf("errors.Is(mark(%q), %q) = %v", kind, other, got)
			}
		}
		if pqErr, ok := errors.AsType[*pq.Error](err); !ok || pqErr != cause {
			t.Errorf("mark(%q): errors.As does not reach the driver's error", kind)
		}
		if want := "create worker: " + kind.Error() + ": exec: " + cause.Error(); err.Error() != want {
			t.Errorf("mark(%q).Error() = %q, want %q", kind, err, want)
		}
	}
}

// wrap marks a driver's error with the kind its engine's code or type says, and only that one.
func TestWrapMarksEachEnginesErrors(t *testing.T) {
	tests := []struct {
		driver string
		err    error
		want   error // nil: no kind
	}{
		{driverPostgres, &pq.Error{Code: pqerror.UniqueViolation}, ErrEmailTaken},
		{driverPostgres, &pq.Error{Code: pqerror.UndefinedTable}, ErrNoSchema},
		{driverPostgres, &pq.Error{Code: pqerror.CannotConnectNow}, ErrUnavailable},
		{driverPostgres, &pq.Error{Code: pqerror.AdminShutdown}, ErrUnavailable},
		{driverPostgres, &pq.Error{Code: pqerror.QueryCanceled}, ErrUnavailable},
		{driverPostgres, &pq.Error{Code: pqerror.NotNullViolation}, nil},
		{driverSQLite, sqlite3.Error{Code: sqlite3.ErrConstraint, ExtendedCode: sqlite3.ErrConstraintUnique}, ErrEmailTaken},
		{driverSQLite, sqlite3.Error{Code: sqlite3.ErrConstraint, ExtendedCode: sqlite3.ErrConstraintNotNull}, nil},
		{driverSQLite, sqlite3.Error{Code: sqlite3.ErrCantOpen}, ErrUnavailable},
	}
	for _, tt := range tests {
		s := &Store{dialect: dialects[tt.driver]}
		err := s.wrap("op", tt.err)
		for _, kind := range kinds {
			if got := errors.Is(err, kind); got != (kind == tt.want) {
				t.Errorf("%s: wrap(%v) is %q: %v, want %v", tt.driver, tt.err, kind, got, kind == tt.want)
			}
		}
		if !errors.Is(err, tt.err) {
			t.Errorf("%s: wrap(%v) lost the driver's error", tt.driver, tt.err)
		}
	}
}
