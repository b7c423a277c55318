// Command 01-starting-point is the course's web API as a developer first runs it on the
// host: one binary that serves the workers API and, given a command, manages its database.
//
//	go run .             serve (DATABASE_URL defaults to an in-memory SQLite database)
//	go run . ready       wait until the database answers
//	go run . create_db   drop and recreate the tables
//	go run . seed_db     add the dummy workers that are not there yet
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// main only wires the process to run: its arguments, environment, output and signals.
func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "error: %v\n", err)
		stop()
		os.Exit(1)
	}
}
