// Command app is the course's web API: one binary that serves the workers API and, given a
// command, manages its database.
//
//	app             serve (DATABASE_URL defaults to an in-memory SQLite database)
//	app ready       wait until the database answers
//	app create_db   drop and recreate the tables
//	app seed_db     add the dummy workers that are not there yet
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
