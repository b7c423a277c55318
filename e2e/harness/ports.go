package harness

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
)

// Ports a test publishes itself (`docker run -p 127.0.0.1:PORT:…`, a script's PORT) come from
// FreePort. It must close its listener before Docker binds the port, so another process may
// take the port in between: above all Docker itself, which gives a compose project's
// `127.0.0.1::8080` a port of the kernel's ephemeral range, the range an ordinary listen on
// port 0 draws from too. FreePort therefore draws from below that range, never gives the same
// port twice in one run, and WithFreePorts runs a command again on new ports when it says
// that a port was taken all the same. Tests run in parallel: FreePort's registry is shared
// under a lock, so two tests never get the same port.

var (
	portsMu    sync.Mutex
	portsGiven = map[int]bool{}
)

// pagePorts are the host ports the pages publish or tell a learner to use (8080 and 8081 for
// the app, 5432 and 5433 for PostgreSQL, 6060 for the profiler) and those a swarm manager
// binds (2377, 7946, 4789): a learner's own project may hold one while the tests run, and a
// test must never take one from it. The range FreePort draws from lies above them all with
// Linux's default ephemeral range, but not with every ip_local_port_range.
var pagePorts = map[int]bool{2377: true, 4789: true, 5432: true, 5433: true, 6060: true, 7946: true, 8080: true, 8081: true}

// FreePort returns a port on 127.0.0.1 that nothing listens on at the moment, below the
// kernel's ephemeral range, for a published port that must stay the same across restarts of
// its container.
func FreePort(t testing.TB) int {
	t.Helper()
	low, high := belowEphemeral()
	return freePortBetween(t, low, high)
}

// freePortBetween is FreePort drawing from [low, high).
func freePortBetween(t testing.TB, low, high int) int {
	t.Helper()
	portsMu.Lock()
	defer portsMu.Unlock()
	for range 200 {
		port := low + rand.IntN(high-low)
		if portsGiven[port] || pagePorts[port] {
			continue
		}
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			continue
		}
		ln.Close()
		portsGiven[port] = true
		return port
	}
	t.Fatalf("no free port on 127.0.0.1 between %d and %d", low, high)
	return 0
}

// belowEphemeral is the range FreePort draws from: the 10 000 ports below the kernel's
// ephemeral range (ip_local_port_range, 32768 and up by default), none under 1024.
func belowEphemeral() (int, int) {
	first := 32768
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		var lo, hi int
		if _, err := fmt.Sscan(string(b), &lo, &hi); err == nil && lo > 2048 {
			first = lo
		}
	}
	return max(1024, first-10000), first
}

// PortTaken says whether a command's output is Docker's or the kernel's refusal of a host
// port that something else holds.
func PortTaken(out string) bool {
	return strings.Contains(out, "port is already allocated") || strings.Contains(out, "address already in use")
}

// WithFreePorts runs start with n ports from FreePort; when what start printed says one of
// them was taken meanwhile (PortTaken), it runs start again on new ports, three tries in all.
// start must be able to run again: it removes what a failed try left. It returns the ports
// of the last try, with what that try printed and its error.
func WithFreePorts(t testing.TB, n int, start func(ports []int) (string, error)) ([]int, string, error) {
	t.Helper()
	for try := 1; ; try++ {
		ports := make([]int, n)
		for i := range ports {
			ports[i] = FreePort(t)
		}
		out, err := start(ports)
		if err == nil || !PortTaken(out) || try == 3 {
			return ports, out, err
		}
		t.Logf("try %d: a port of %v was taken before Docker bound it; again on new ports:\n%s", try, ports, out)
	}
}
