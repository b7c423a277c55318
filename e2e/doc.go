// Package e2e holds the course's end-to-end tests: each one builds and starts real images
// and containers through the harness (e2e/harness), and checks what a learner would see.
package e2e
