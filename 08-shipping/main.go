// Command app is the course's web API: one binary that serves the workers API and, given a
// command, manages its database. Later stages run the same binary in containers.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/gin-gonic/gin"

	"base-docker-and-compose/shared/database"
	"base-docker-and-compose/shared/httpapi"
)

const usage = `usage: app [command]

With no command, serve the workers API. Commands:
  ready        wait until the database answers (at most READY_TIMEOUT)
  create_db    drop the tables and create them empty (the data is gone)
  init_db      wait for the database, then create the tables that are missing (keeps the data)
  seed_db      add the dummy workers that are not there yet
  healthcheck  exit 0 when the server on HOST:PORT answers /healthz (for a HEALTHCHECK)

Configuration comes from the environment: DATABASE_URL, DATABASE_PASSWORD_FILE, HOST, PORT,
LOG_LEVEL, LOG_FORMAT, INIT_DB, READY_TIMEOUT, SHUTDOWN_TIMEOUT, PPROF_ADDR.`

// commands are what the binary does: serve (server.go), or manage the database (manage.go).
var commands = map[string]func(ctx context.Context, cfg config, store *database.Store, log *slog.Logger, stdout io.Writer) error{
	"serve":     serve,
	"ready":     ready,
	"create_db": createDB,
	"init_db":   initDB,
	"seed_db":   seedDB,
}

// main only wires the process to run: its arguments, environment, output and signals.
func main() {
	gin.SetMode(gin.ReleaseMode)
	if err := run(stopOnSignal(), os.Args, os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "error: %v\n", err)
		os.Exit(1)
	}
}

// stopOnSignal returns a context that the first SIGINT (Ctrl-C) or SIGTERM (docker stop)
// cancels: the server then finishes the requests in flight. A second signal ends the process
// at once, as someone who presses Ctrl-C twice expects.
func stopOnSignal() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-signals
		cancel()
		sig := <-signals
		fmt.Fprintf(os.Stderr, "%v again: stopping now, without waiting for requests in flight\n", sig)
		os.Exit(128 + int(sig.(syscall.Signal)))
	}()
	return ctx
}

// run is the whole program: main gives it the process's arguments, environment and output,
// and tests give it their own. It returns when the command is done or, for the server,
// when ctx is cancelled and in-flight requests have finished.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 2 {
		return fmt.Errorf("too many arguments: %s\n%s", strings.Join(args[1:], " "), usage)
	}
	name := "serve"
	if len(args) == 2 {
		name = args[1]
	}
	command, known := commands[name]
	switch {
	case name == "help" || name == "-h" || name == "--help":
		fmt.Fprintln(stdout, usage)
		return nil
	case name == "healthcheck":
		// For a HEALTHCHECK: it needs HOST and PORT only, not the database or its password.
		if err := httpapi.Healthcheck(ctx, setting(getenv, "HOST"), setting(getenv, "PORT")); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "healthy")
		return nil
	case !known:
		return fmt.Errorf("unknown command %q\n%s", name, usage)
	}

	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	log := newLogger(stderr, cfg.LogLevel, cfg.LogFormat)
	store, err := database.Open(cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer store.Close()
	if name != "serve" { // the server logs its config when it starts serving
		log.Debug("running command", "command", name, "config", cfg)
	}
	return withHint(command(ctx, cfg, store, log, stdout))
}

// newLogger writes structured logs, one line a record, at the configured level: as text
// for people, or as JSON for a log collector.
//
// Each line is one write to w, made before the call that logs it returns: a request's line
// is on its way to `docker logs` before the request's answer is. Lines held in the process
// to be written in batches would cost fewer writes (and fewer wake-ups of Docker's log
// reader), but a SIGKILL, the OOM killer, a crash or the second Ctrl-C's os.Exit would lose
// them: the last lines, which are the ones read after such an end.
func newLogger(w io.Writer, level slog.Level, format string) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
