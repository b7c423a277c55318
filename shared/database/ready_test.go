package database_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"base-docker-and-compose/shared/database"
)

func TestWaitReadySQLite(t *testing.T) {
	s := open(t, "sqlite://")
	if err := s.WaitReady(t.Context(), time.Second); err != nil {
		t.Fatalf("WaitReady: %v", err)
	}
}

func TestWaitReadyTimesOut(t *testing.T) {
	// Nothing listens on port 1, so every ping is refused at once.
	s := open(t, "postgres://u:p@127.0.0.1:1/db?sslmode=disable&connect_timeout=1")
	const timeout = time.Second
	start := time.Now()
	err := s.WaitReady(t.Context(), timeout)
	elapsed := time.Since(start)

	if err == nil {
		t.Fatal("WaitReady: got no error from a database that is not there")
	}
	if elapsed < timeout || elapsed > timeout+time.Second {
		t.Errorf("WaitReady returned after %v, want about %v", elapsed, timeout)
	}
	if !errors.Is(err, database.ErrUnavailable) {
		t.Errorf("WaitReady: error %v is not ErrUnavailable", err)
	}
	if errors.Is(err, database.ErrRejected) {
		t.Errorf("WaitReady: error %v is ErrRejected too; nothing refused a login", err)
	}
	msg := err.Error()
	for _, want := range []string{
		"database postgres://u:xxxxx@127.0.0.1:1/db",
		"did not answer within 1s",
		"connection refused", // the last ping's error, not the deadline's
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("WaitReady: error %q does not contain %q", msg, want)
		}
	}
}

func TestWaitReadyStopsWithContext(t *testing.T) {
	s := open(t, "postgres://u:p@127.0.0.1:1/db?sslmode=disable&connect_timeout=1")
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := s.WaitReady(ctx, time.Minute)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitReady: got error %v, want one wrapping the context's", err)
	}
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Errorf("WaitReady returned after %v, want soon after its context ended", elapsed)
	}
}
