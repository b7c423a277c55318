package database

import (
	"context"
	"fmt"
	"time"
)

// The waits between pings: the first is short, because a database that is starting is often
// seconds from ready, and they double up to a cap, so that a slow one is not flooded.
const (
	firstRetry = 100 * time.Millisecond
	maxRetry   = 2 * time.Second
)

// WaitReady pings the database until it answers, for at most timeout. Open does not connect,
// and a database that starts alongside the app (in Compose, say) takes a few seconds to accept
// connections, so an app waits here before it serves, and the ready command waits here too.
//
// A database that answers and refuses the login (ErrRejected) is not waited for: its answer
// would not change. When time runs out the error gives the timeout and the last ping's error,
// which says why the database did not answer, and is ErrUnavailable. When ctx ends first, the error wraps ctx's.
func (s *Store) WaitReady(ctx context.Context, timeout time.Duration) error {
	waitCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var lastErr error
	for wait := firstRetry; ; wait = min(2*wait, maxRetry) {
		err := s.db.PingContext(waitCtx)
		if err == nil {
			return nil
		}
		if s.dialect.isRejected(err) {
			return fmt.Errorf("database %s: %w", s.url, mark(ErrRejected, err))
		}
		// A ping that the deadline cut short only says so; the failure before it says why.
		if lastErr == nil || waitCtx.Err() == nil {
			lastErr = err
		}
		select {
		case <-waitCtx.Done():
			if ctx.Err() != nil {
				return fmt.Errorf("waiting for database %s: %w", s.url, ctx.Err())
			}
			return fmt.Errorf("database %s did not answer within %s: %w", s.url, timeout, mark(ErrUnavailable, lastErr))
		case <-time.After(wait):
		}
	}
}
