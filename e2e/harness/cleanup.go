package harness

import (
	"sync"
	"testing"
)

// cleanup runs f once: when the test ends (passed or failed) or when the test binary is
// interrupted, whichever comes first.
func cleanup(t testing.TB, f func()) {
	var once sync.Once
	run := func() { once.Do(f) }
	cancel := onInterrupt(run)
	t.Cleanup(func() {
		cancel()
		run()
	})
}
