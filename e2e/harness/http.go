package harness

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"
)

var client = &http.Client{Timeout: 10 * time.Second}

// Get fetches rawURL, which must point at 127.0.0.1, and returns the status and body.
func Get(t testing.TB, rawURL string) (int, []byte) {
	t.Helper()
	status, body, err := TryGet(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	return status, body
}

// TryGet is Get for callers that expect failures (polling, a stopped database).
func TryGet(rawURL string) (int, []byte, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return 0, nil, err
	}
	if _, err := loopbackAddr(u.Host); err != nil {
		return 0, nil, fmt.Errorf("refusing %s: %w", rawURL, err)
	}
	resp, err := client.Get(rawURL)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

// GetJSON fetches rawURL, checks the status, and decodes the JSON body into v.
func GetJSON(t testing.TB, rawURL string, wantStatus int, v any) {
	t.Helper()
	status, body := Get(t, rawURL)
	if status != wantStatus {
		t.Fatalf("GET %s: status %d, want %d; body: %s", rawURL, status, wantStatus, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: body is not the JSON expected: %v; body: %s", rawURL, err, body)
	}
}

// Eventually calls f every 250 ms until it returns nil or the timeout passes, then fails the
// test with f's last error.
func Eventually(t testing.TB, timeout time.Duration, f func() error) {
	t.Helper()
	Poll(t, timeout, 250*time.Millisecond, f)
}

// Poll is Eventually with its own interval, for a test whose steps must follow each other
// closely (within a deadline of the app's, say).
func Poll(t testing.TB, timeout, interval time.Duration, f func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("still failing after %s: %v", timeout, err)
		}
		time.Sleep(interval)
	}
}
