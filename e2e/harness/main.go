package harness

import (
	"fmt"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// cleanups that must also run when the test binary is interrupted.
var (
	interruptMu       sync.Mutex
	interruptCleanups = map[int64]func(){}
)

func onInterrupt(f func()) (cancel func()) {
	interruptMu.Lock()
	defer interruptMu.Unlock()
	id := seq.Add(1)
	interruptCleanups[id] = f
	return func() {
		interruptMu.Lock()
		defer interruptMu.Unlock()
		delete(interruptCleanups, id)
	}
}

// Main is the TestMain of every package of end-to-end tests:
//
//	func TestMain(m *testing.M) { harness.Main(m) }
//
// Without a Docker engine the package is skipped with one line, unless CI=true, where
// that is a failure. Then it removes a crashed run's leftovers, and makes SIGINT and
// SIGTERM take everything down before the process exits.
func Main(m *testing.M) {
	if r := Docker("info", "--format", "{{.ServerVersion}}"); r.Err != nil {
		reason := strings.TrimSpace(r.Stderr)
		if os.Getenv("CI") == "true" {
			fmt.Fprintf(os.Stderr, "FAIL e2e: CI=true and no Docker engine answers (%s); run .ci/provision-docker.sh\n", reason)
			os.Exit(1)
		}
		fmt.Printf("SKIP e2e: no Docker engine answers (%s); run .ci/provision-docker.sh, or set CI=true to make this a failure\n", reason)
		os.Exit(0)
	}
	if why := platformSetting(WantPlatform(), os.Getenv("DOCKER_DEFAULT_PLATFORM"), os.Getenv("UPDATE_CAPTURES"), os.Getenv("E2E_PINNED")); why != "" {
		fmt.Fprintf(os.Stderr, "FAIL e2e: %s\n", why)
		os.Exit(1)
	}
	for _, r := range SweepLeftovers() {
		fmt.Printf("e2e: removed a crashed run's leftover %s\n", r)
	}

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-signals
		fmt.Fprintf(os.Stderr, "e2e: %v: taking down what the tests started\n", s)
		// Tests run in parallel, so several projects may be up: each is taken down in a
		// goroutine of its own, all at once, rather than one after another.
		interruptMu.Lock()
		var wg sync.WaitGroup
		for _, f := range interruptCleanups {
			wg.Go(f)
		}
		wg.Wait()
		interruptMu.Unlock()
		EndRun()
		os.Exit(2)
	}()

	code := m.Run()
	EndRun() // the run's marker goes with it: the next sweep finds nothing of this run
	if want := WantPlatform(); want != "" {
		// A run for another platform in which no container was checked proved nothing of it.
		fmt.Printf("e2e: %d containers ran images for %s\n", ContainersChecked(), want)
		if code == 0 && ContainersChecked() == 0 {
			fmt.Fprintf(os.Stderr, "FAIL e2e: %s=%s, and no test ran a container to check\n", PlatformEnv, want)
			code = 1
		}
	}
	os.Exit(code)
}
