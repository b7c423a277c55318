// Package harness is the course's end-to-end test harness: it drives the real docker and
// docker compose commands against a real engine, so every stage is proven in real
// containers rather than mocked.
//
// Every resource a test makes is owned by the test process: compose projects are named
// bdc-e2e-<pid>-<n>-<test> and other resources carry the OwnerLabel,
// <pid>@<boot id.pid namespace>@<start>; a swarm the tests make carries it on its node
// (harness.Swarm). Cleanups run after each test (down -v, even after a failure), on
// SIGINT/SIGTERM, and at the next start for anything a crashed run left behind: what belongs
// to a run that is not live (EPERM, and another PID namespace or machine, count as live) and
// is older than the oldest live run.
//
// Containers are reached only through ports published on 127.0.0.1; the helpers refuse
// any other address.
//
// The helpers only `make bench` uses (figures.go: medians, memory, wrk) build only with the
// bench tag, like the benchmark tests that call them.
package harness
