//go:build bench

package harness

import (
	"fmt"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Median is the middle value of xs (the mean of the two middle ones for an even count).
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	} else {
		return (s[n/2-1] + s[n/2]) / 2
	}
}

// StatusMiB reads one memory field (VmRSS, RssAnon, …), in MiB, from the text of
// /proc/PID/status.
func StatusMiB(status, field string) (float64, error) {
	for _, line := range strings.Split(status, "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			if err != nil {
				return 0, fmt.Errorf("%s %q: %w", field, v, err)
			}
			return kb / 1024, nil
		}
	}
	return 0, fmt.Errorf("no %s line in the process status", field)
}

// WrkResult is what one wrk run measured.
type WrkResult struct {
	Requests int
	RPS      float64
	P50, P99 float64 // milliseconds
	Errors   int     // non-2xx/3xx answers and socket errors
}

var (
	wrkRequests = regexp.MustCompile(`(?m)^\s*(\d+) requests in `)
	wrkRPS      = regexp.MustCompile(`(?m)^Requests/sec:\s+([0-9.]+)`)
	wrkLatency  = regexp.MustCompile(`(?m)^\s+(50|99)%\s+([0-9.]+)(us|ms|s)\s*$`)
	wrkNon2xx   = regexp.MustCompile(`(?m)^\s*Non-2xx or 3xx responses: (\d+)`)
	wrkSocket   = regexp.MustCompile(`(?m)^\s*Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
)

// ParseWrk reads the output of `wrk --latency`.
func ParseWrk(out string) (WrkResult, error) {
	var r WrkResult
	m := wrkRequests.FindStringSubmatch(out)
	rps := wrkRPS.FindStringSubmatch(out)
	lat := wrkLatency.FindAllStringSubmatch(out, -1)
	if m == nil || rps == nil || len(lat) != 2 {
		return r, fmt.Errorf("not the output of wrk --latency:\n%s", out)
	}
	r.Requests, _ = strconv.Atoi(m[1])
	r.RPS, _ = strconv.ParseFloat(rps[1], 64)
	for _, l := range lat {
		v, _ := strconv.ParseFloat(l[2], 64)
		v *= map[string]float64{"us": 0.001, "ms": 1, "s": 1000}[l[3]]
		if l[1] == "50" {
			r.P50 = v
		} else {
			r.P99 = v
		}
	}
	if m := wrkNon2xx.FindStringSubmatch(out); m != nil {
		n, _ := strconv.Atoi(m[1])
		r.Errors += n
	}
	if m := wrkSocket.FindStringSubmatch(out); m != nil {
		for _, s := range m[1:] {
			n, _ := strconv.Atoi(s)
			r.Errors += n
		}
	}
	return r, nil
}

// Wrk runs wrk (Debian's package) against url with this many connections for d, and fails
// the test when it cannot run or when any request failed.
func Wrk(t testing.TB, url string, connections int, d time.Duration) WrkResult {
	t.Helper()
	return wrk(t, nil, url, connections, d)
}

// WrkInNetns is Wrk run inside the network namespace of the host process pid (a container's
// main process), where url's 127.0.0.1 is the container's own loopback: no published port
// and no docker-proxy between wrk and the server.
func WrkInNetns(t testing.TB, pid, url string, connections int, d time.Duration) WrkResult {
	t.Helper()
	return wrk(t, InNetns(pid), url, connections, d)
}

// InNetns is the command prefix that runs a host program inside the network namespace of the
// host process pid.
func InNetns(pid string) []string { return []string{"nsenter", "--target", pid, "--net"} }

func wrk(t testing.TB, prefix []string, url string, connections int, d time.Duration) WrkResult {
	t.Helper()
	cmd := WrkCommand(prefix, url, connections, d)
	out, err := cmd.CombinedOutput()
	return CheckWrk(t, cmd, out, err)
}

// CheckWrk reads what a WrkCommand printed, and fails the test when it could not run or when
// any request failed.
func CheckWrk(t testing.TB, cmd *exec.Cmd, out []byte, err error) WrkResult {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v\n%s\n(install wrk with: apt-get install wrk)", strings.Join(cmd.Args, " "), err, out)
	}
	r, err := ParseWrk(string(out))
	if err != nil {
		t.Fatal(err)
	}
	if r.Errors > 0 || r.Requests == 0 {
		t.Fatalf("%s: %d of %d requests failed\n%s", strings.Join(cmd.Args, " "), r.Errors, r.Requests, out)
	}
	return r
}

// WrkCommand is the wrk command line that Wrk runs, after prefix (such as InNetns's).
func WrkCommand(prefix []string, url string, connections int, d time.Duration) *exec.Cmd {
	threads := min(connections, 2) // one per core of the bench machine; wrk needs threads <= connections
	args := append(slices.Clone(prefix), "wrk", "--latency", "--timeout", "5s", "-t", strconv.Itoa(threads),
		"-c", strconv.Itoa(connections), "-d", fmt.Sprintf("%ds", int(d.Seconds())), url)
	return exec.Command(args[0], args[1:]...)
}
