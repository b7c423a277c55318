// Package logging sends the app's log lines out in batches. In a container, every write to
// stdout or stderr is a system call that wakes Docker's log reader (containerd-shim, then
// dockerd), and the app logs a line per request: a batch of lines costs one write and one
// wake-up instead. docs/benchmarks.md measures what the request log costs.
package logging

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

// FlushEvery is the longest a line waits in a Writer before it is written out.
const FlushEvery = 50 * time.Millisecond

// bufferSize bounds what a Writer holds: a full buffer is written out at once, by the Write
// that filled it, so a burst of lines never grows memory, it only writes sooner.
const bufferSize = 64 << 10

// Writer buffers what is written to it, and writes it out at most FlushEvery after the first
// line it holds, when its buffer is full, or on Flush. Call Flush before the program ends:
// what is still buffered then is lost otherwise. It is safe for concurrent use.
type Writer struct {
	mu      sync.Mutex
	buf     *bufio.Writer
	timer   *time.Timer
	pending bool // the timer is set to flush what buf holds
}

// NewWriter returns a Writer that writes to w in batches.
func NewWriter(w io.Writer) *Writer {
	lw := &Writer{buf: bufio.NewWriterSize(w, bufferSize)}
	lw.timer = time.AfterFunc(time.Hour, func() { _ = lw.Flush() })
	lw.timer.Stop()
	return lw
}

// Write buffers p. An error is that of an earlier write out, which bufio keeps.
func (lw *Writer) Write(p []byte) (int, error) {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	n, err := lw.buf.Write(p)
	if !lw.pending && lw.buf.Buffered() > 0 {
		lw.pending = true
		lw.timer.Reset(FlushEvery)
	}
	return n, err
}

// Flush writes out everything buffered now.
func (lw *Writer) Flush() error {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	lw.pending = false
	lw.timer.Stop()
	return lw.buf.Flush()
}

// FlushWarnings returns h, except that after each record at warn level or above it flushes
// w, when w has a Flush method (a Writer has): a warning or an error is written out at once,
// after every line logged before it, and is not lost if the process dies just after it.
func FlushWarnings(h slog.Handler, w io.Writer) slog.Handler {
	f, ok := w.(interface{ Flush() error })
	if !ok {
		return h
	}
	return flushingHandler{h, f}
}

type flushingHandler struct {
	slog.Handler
	w interface{ Flush() error }
}

func (h flushingHandler) Handle(ctx context.Context, r slog.Record) error {
	err := h.Handler.Handle(ctx, r)
	if r.Level >= slog.LevelWarn {
		if ferr := h.w.Flush(); err == nil {
			err = ferr
		}
	}
	return err
}

func (h flushingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return flushingHandler{h.Handler.WithAttrs(attrs), h.w}
}

func (h flushingHandler) WithGroup(name string) slog.Handler {
	return flushingHandler{h.Handler.WithGroup(name), h.w}
}
