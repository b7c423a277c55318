package harness

import (
	"bytes"
	"sync"
)

// Buffer is a bytes.Buffer that a running command may write while a test reads it: exec's
// goroutines copy a process's output into it, and String may be called at any time.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String is what was written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
