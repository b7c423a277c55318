package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"base-docker-and-compose/shared/database"
)

// commands are the manage commands, the Go counterparts of the seed's manage.py.
var commands = map[string]func(ctx context.Context, cfg config, store *database.Store, log *slog.Logger, stdout io.Writer) error{
	"ready":       ready,
	"create_db":   createDB,
	"init_db":     initDB,
	"seed_db":     seedDB,
	"healthcheck": healthcheck,
}

const usage = `usage: app [command]

With no command, serve the workers API. Commands:
  ready       wait until the database answers (at most READY_TIMEOUT)
  create_db   drop the tables and create them empty (the data is gone)
  init_db     wait for the database, then create the tables that are missing (keeps the data)
  seed_db     add the dummy workers that are not there yet
  healthcheck exit 0 when the server in this container answers /healthz (for HEALTHCHECK)

Configuration comes from the environment: DATABASE_URL, DATABASE_PASSWORD_FILE, HOST, PORT,
LOG_LEVEL, LOG_FORMAT, INIT_DB, READY_TIMEOUT, SHUTDOWN_TIMEOUT.`

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
	if name == "help" || name == "-h" || name == "--help" {
		fmt.Fprintln(stdout, usage)
		return nil
	}
	command, known := commands[name]
	if !known && name != "serve" {
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

	if name == "serve" {
		return serve(ctx, cfg, store, log)
	}
	log.Debug("running command", "command", name, "config", cfg)
	return command(ctx, cfg, store, log, stdout)
}

// newLogger writes structured logs, one line a record, at the configured level: as text
// for people, or as JSON for a log collector.
func newLogger(w io.Writer, level slog.Level, format string) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
