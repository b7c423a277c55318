package logging

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer that the Writer's timer and the test may use at once.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestWriterHoldsLinesUntilFlush(t *testing.T) {
	var out lockedBuffer
	w := NewWriter(&out)
	fmt.Fprintln(w, "one")
	fmt.Fprintln(w, "two")
	if got := out.String(); got != "" {
		t.Fatalf("written out before Flush or the timer: %q", got)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "one\ntwo\n" {
		t.Errorf("after Flush: %q, want both lines in order", got)
	}
}

func TestWriterWritesOutWithoutFlushSoonAfter(t *testing.T) {
	var out lockedBuffer
	w := NewWriter(&out)
	fmt.Fprintln(w, "line")
	deadline := time.Now().Add(20 * FlushEvery)
	for out.String() != "line\n" {
		if time.Now().After(deadline) {
			t.Fatalf("the line is still buffered %s later: %q", 20*FlushEvery, out.String())
		}
		time.Sleep(FlushEvery / 5)
	}
	// And again: the timer is set anew for the next line.
	fmt.Fprintln(w, "next")
	for out.String() != "line\nnext\n" {
		if time.Now().After(deadline.Add(20 * FlushEvery)) {
			t.Fatalf("the second line is still buffered: %q", out.String())
		}
		time.Sleep(FlushEvery / 5)
	}
}

func TestWriterWritesAFullBufferAtOnce(t *testing.T) {
	var out lockedBuffer
	w := NewWriter(&out)
	line := strings.Repeat("x", 1023) + "\n"
	for range bufferSize/len(line) + 1 {
		fmt.Fprint(w, line)
	}
	if len(out.String()) < bufferSize {
		t.Errorf("%d bytes written out after more than the buffer's %d: a burst must not grow memory", len(out.String()), bufferSize)
	}
}

func TestFlushWarningsWritesWarningsAtOnceAfterWhatCameBefore(t *testing.T) {
	var out lockedBuffer
	w := NewWriter(&out)
	log := slog.New(FlushWarnings(slog.NewTextHandler(w, nil), w)).With("app", "test")
	log.Info("request")
	if got := out.String(); got != "" {
		t.Fatalf("an info line was written at once: %q", got)
	}
	log.Warn("database unavailable")
	got := out.String()
	if !strings.Contains(got, "msg=request") || !strings.Contains(got, "msg=\"database unavailable\"") ||
		strings.Index(got, "msg=request") > strings.Index(got, "database unavailable") {
		t.Errorf("after a warning: %q, want the info line, then the warning", got)
	}
}

func TestFlushWarningsLeavesOtherWritersAlone(t *testing.T) {
	var out strings.Builder
	h := slog.NewTextHandler(&out, nil)
	if FlushWarnings(h, &out) != h {
		t.Error("a writer with no Flush method got a wrapped handler")
	}
}

func TestWriterKeepsLinesWholeUnderConcurrentWrites(t *testing.T) {
	var out lockedBuffer
	w := NewWriter(&out)
	// Each goroutine writes to w itself, one Write a line, as several loggers sharing w would:
	// only the Writer's own lock keeps the lines whole (go test -race also checks the timer).
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				fmt.Fprintf(w, "line goroutine=%d i=%03d %s\n", g, i, strings.Repeat("x", 200))
			}
		}()
	}
	wg.Wait()
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 8*500 {
		t.Fatalf("%d lines, want %d", len(lines), 8*500)
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "line goroutine=") || len(l) != len("line goroutine=0 i=000 ")+200 {
			t.Fatalf("a line was cut or mixed with another: %q", l)
		}
	}
}
