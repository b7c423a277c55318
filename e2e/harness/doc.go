// Package harness is the course's end-to-end test harness: it drives the real docker and
// docker compose commands against a real engine, so every stage is proven in real
// containers rather than mocked.
//
// Every resource a test makes is owned by the test process: compose projects are named
// bdc-e2e-<pid>-<n>-<test> and other resources carry the OwnerLabel with the pid. Cleanups
// run after each test (down -v, even after a failure), on SIGINT/SIGTERM, and at the next
// start for anything a crashed run left behind (its pid no longer alive).
//
// Containers are reached only through ports published on 127.0.0.1; the helpers refuse
// any other address.
//
// The helpers only `make bench` uses (figures.go: medians, memory, wrk) build only with the
// bench tag, like the benchmark tests that call them.
package harness
