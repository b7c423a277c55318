package main

import (
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"base-docker-and-compose/shared/database"
)

// config is everything that may change between runs. It comes from the environment only,
// and every default is here. Later stages set what stage 01 leaves at its default.
type config struct {
	DatabaseURL     string        // DATABASE_URL, with the password of DATABASE_PASSWORD_FILE in it
	PasswordFile    string        // DATABASE_PASSWORD_FILE: a file (a Compose secret) that holds the password
	Host            string        // HOST: the address to listen on
	Port            int           // PORT
	LogLevel        slog.Level    // LOG_LEVEL: debug, info, warn or error
	LogFormat       string        // LOG_FORMAT: text (for people) or json (for log collectors)
	InitDB          bool          // INIT_DB: create the missing tables before serving
	ReadyTimeout    time.Duration // READY_TIMEOUT: how long `ready` and start-up wait for the database
	ShutdownTimeout time.Duration // SHUTDOWN_TIMEOUT: how long in-flight requests get on SIGTERM
	PprofAddr       string        // PPROF_ADDR: where Go's profiler listens, on loopback only; empty: off
}

// defaults: an in-memory SQLite database, so that `go run .` serves with no setup, and the
// loopback interface, so that a developer's API is not open to the whole network.
var defaults = map[string]string{
	"DATABASE_URL":     "sqlite://",
	"HOST":             "127.0.0.1",
	"PORT":             "8080",
	"LOG_LEVEL":        "info",
	"LOG_FORMAT":       "text",
	"INIT_DB":          "false",
	"READY_TIMEOUT":    "30s",
	"SHUTDOWN_TIMEOUT": "10s",
	"PPROF_ADDR":       "",
}

// setting is the value of an environment variable, or its default when it is empty.
func setting(getenv func(string) string, name string) string {
	if v := strings.TrimSpace(getenv(name)); v != "" {
		return v
	}
	return defaults[name]
}

// loadConfig reads the configuration. A bad value is an error that names its variable and
// says what would be right.
func loadConfig(getenv func(string) string) (config, error) {
	get := func(name string) string { return setting(getenv, name) }
	var cfg config
	var errs []string
	bad := func(name, format string, args ...any) {
		errs = append(errs, fmt.Sprintf("%s=%q: %s", name, get(name), fmt.Sprintf(format, args...)))
	}

	cfg.DatabaseURL = get("DATABASE_URL")
	if _, err := database.ParseURL(cfg.DatabaseURL); err != nil {
		errs = append(errs, err.Error()) // it names DATABASE_URL and masks the password
	} else if cfg.PasswordFile = get("DATABASE_PASSWORD_FILE"); cfg.PasswordFile != "" {
		if cfg.DatabaseURL, err = database.WithPasswordFile(cfg.DatabaseURL, cfg.PasswordFile); err != nil {
			bad("DATABASE_PASSWORD_FILE", "%v", err)
		}
	}
	cfg.Host = get("HOST")
	if net.ParseIP(cfg.Host) == nil && cfg.Host != "localhost" {
		bad("HOST", "not an IP address; use 127.0.0.1 (this machine only) or 0.0.0.0 (every interface)")
	}
	port, err := strconv.Atoi(get("PORT"))
	if err != nil || port < 1 || port > 65535 {
		bad("PORT", "not a port number; use a number from 1 to 65535")
	}
	cfg.Port = port
	if err := cfg.LogLevel.UnmarshalText([]byte(get("LOG_LEVEL"))); err != nil {
		bad("LOG_LEVEL", "not a log level; use debug, info, warn or error")
	}
	if cfg.LogFormat = get("LOG_FORMAT"); cfg.LogFormat != "text" && cfg.LogFormat != "json" {
		bad("LOG_FORMAT", "not a log format; use text or json")
	}
	if cfg.InitDB, err = strconv.ParseBool(get("INIT_DB")); err != nil {
		bad("INIT_DB", "not a boolean; use true or false")
	}
	duration := func(name string) time.Duration {
		d, err := time.ParseDuration(get(name))
		if err != nil || d <= 0 {
			bad(name, "not a positive duration; use a value such as 30s or 2m")
		}
		return d
	}
	cfg.ReadyTimeout = duration("READY_TIMEOUT")
	cfg.ShutdownTimeout = duration("SHUTDOWN_TIMEOUT")
	// The profiler shows the app's internals and costs CPU on demand: only someone inside the
	// container's network namespace (or on this machine, outside a container) may reach it.
	if cfg.PprofAddr = get("PPROF_ADDR"); cfg.PprofAddr != "" {
		host, port, err := net.SplitHostPort(cfg.PprofAddr)
		ip := net.ParseIP(host)
		if n, perr := strconv.Atoi(port); err != nil || perr != nil || n < 1 || n > 65535 {
			bad("PPROF_ADDR", "not host:port; use 127.0.0.1:6060, or leave it empty to turn the profiler off")
		} else if host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			bad("PPROF_ADDR", "the profiler must listen on the loopback interface only; use 127.0.0.1:%s", port)
		}
	}
	if len(errs) > 0 {
		return config{}, fmt.Errorf("bad configuration:\n  %s", strings.Join(errs, "\n  "))
	}
	return cfg, nil
}

// Addr is the listen address, host:port.
func (c config) Addr() string { return net.JoinHostPort(c.Host, strconv.Itoa(c.Port)) }

// LogValue keeps the database password out of every log line that prints the config.
func (c config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("database_url", database.Redact(c.DatabaseURL)),
		slog.String("database_password_file", c.PasswordFile),
		slog.String("addr", c.Addr()),
		slog.String("log_level", c.LogLevel.String()),
		slog.String("log_format", c.LogFormat),
		slog.Bool("init_db", c.InitDB),
		slog.Duration("ready_timeout", c.ReadyTimeout),
		slog.Duration("shutdown_timeout", c.ShutdownTimeout),
		slog.String("pprof_addr", c.PprofAddr),
	)
}
