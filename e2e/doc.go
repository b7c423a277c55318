// Package e2e holds the course's end-to-end tests: each one builds and starts real images
// and containers through the harness (e2e/harness), and checks what a learner would see.
//
// A test that uses only what it makes (its own compose project, names from UniqueName, ports
// from FreePort or published on 127.0.0.1::PORT, its own copies of the stages) calls
// t.Parallel() first: `go test -parallel N` runs N of them at once. A test that changes what
// every test sees stays serial and says why: the swarm (TestStage07Swarm), the base image
// tags and the build cache (TestCleanupPage, which must run after all the others, in a go test
// of its own), and the benchmarks (their timings would measure the other tests). Go runs every
// serial test first, then the parallel ones.
package e2e
