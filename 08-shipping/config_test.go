package main

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadConfigDefaults(t *testing.T) {
	cfg, err := loadConfig(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := config{DatabaseURL: "sqlite://", Host: "127.0.0.1", Port: 8080, LogLevel: slog.LevelInfo,
		LogFormat: "text", ReadyTimeout: 30 * time.Second, ShutdownTimeout: 10 * time.Second}
	if cfg != want {
		t.Errorf("defaults = %+v, want %+v", cfg, want)
	}
}

func TestLoadConfigErrorsNameTheVariable(t *testing.T) {
	tests := []struct {
		name string
		vars map[string]string
		want []string // in the error
	}{
		{"port not a number", map[string]string{"PORT": "http"}, []string{`PORT="http"`, "1 to 65535"}},
		{"port out of range", map[string]string{"PORT": "70000"}, []string{`PORT="70000"`}},
		{"port zero", map[string]string{"PORT": "0"}, []string{`PORT="0"`}},
		{"host", map[string]string{"HOST": "my host"}, []string{`HOST="my host"`, "0.0.0.0"}},
		{"log level", map[string]string{"LOG_LEVEL": "loud"}, []string{`LOG_LEVEL="loud"`, "debug, info, warn or error"}},
		{"ready timeout", map[string]string{"READY_TIMEOUT": "soon"}, []string{`READY_TIMEOUT="soon"`, "30s"}},
		{"negative shutdown timeout", map[string]string{"SHUTDOWN_TIMEOUT": "-1s"}, []string{`SHUTDOWN_TIMEOUT="-1s"`}},
		{"database scheme", map[string]string{"DATABASE_URL": "mysql://u:hunter2@db/app"}, []string{"DATABASE_URL", "mysql", "postgres://"}},
		{"two at once", map[string]string{"PORT": "x", "LOG_LEVEL": "y"}, []string{"PORT=", "LOG_LEVEL="}},
		{"log format", map[string]string{"LOG_FORMAT": "xml"}, []string{`LOG_FORMAT="xml"`, "text or json"}},
		{"init db", map[string]string{"INIT_DB": "yes please"}, []string{`INIT_DB="yes please"`, "true or false"}},
		{"profiler on every interface", map[string]string{"PPROF_ADDR": "0.0.0.0:6060"}, []string{`PPROF_ADDR="0.0.0.0:6060"`, "loopback", "127.0.0.1:6060"}},
		{"profiler without a port", map[string]string{"PPROF_ADDR": "127.0.0.1"}, []string{`PPROF_ADDR="127.0.0.1"`, "host:port"}},
		{"password file missing", map[string]string{"DATABASE_URL": "postgres://app@db/app", "DATABASE_PASSWORD_FILE": "/nonexistent/db_password"},
			[]string{`DATABASE_PASSWORD_FILE="/nonexistent/db_password"`, "cannot read the password"}},
		{"password file with sqlite", map[string]string{"DATABASE_PASSWORD_FILE": "/etc/hostname"},
			[]string{"DATABASE_PASSWORD_FILE", "needs a postgres:// DATABASE_URL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadConfig(env(tt.vars))
			if err == nil {
				t.Fatal("no error")
			}
			for _, want := range tt.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error %q shows the password", err)
			}
		})
	}
}

func TestLoadConfigAcceptsAProfilerOnLoopback(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:6060", "localhost:6060", "[::1]:6060"} {
		cfg, err := loadConfig(env(map[string]string{"PPROF_ADDR": addr}))
		if err != nil || cfg.PprofAddr != addr {
			t.Errorf("PPROF_ADDR=%s: %q, %v; want it accepted", addr, cfg.PprofAddr, err)
		}
	}
}

func TestConfigLogValueMasksThePassword(t *testing.T) {
	cfg, err := loadConfig(env(map[string]string{"DATABASE_URL": "postgres://app:hunter2@db:5432/app"}))
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	newLogger(&out, slog.LevelInfo, "text").Info("start", "config", cfg)
	if strings.Contains(out.String(), "hunter2") || !strings.Contains(out.String(), "app:xxxxx@db:5432") {
		t.Errorf("log line does not mask the password: %s", out.String())
	}
}

func TestLoadConfigReadsThePasswordFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "db_password")
	if err := os.WriteFile(file, []byte("s3cret-Pa55\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := loadConfig(env(map[string]string{
		"DATABASE_URL":           "postgres://app@db:5432/app?sslmode=disable",
		"DATABASE_PASSWORD_FILE": file,
	}))
	if err != nil {
		t.Fatal(err)
	}
	if want := "postgres://app:s3cret-Pa55@db:5432/app?sslmode=disable"; cfg.DatabaseURL != want {
		t.Errorf("DatabaseURL = %q, want %q", cfg.DatabaseURL, want)
	}
	var out strings.Builder
	newLogger(&out, slog.LevelInfo, "json").Info("start", "config", cfg)
	if strings.Contains(out.String(), "s3cret") || !strings.Contains(out.String(), `"database_password_file":"`+file+`"`) {
		t.Errorf("the JSON log line shows the password or not the file: %s", out.String())
	}

	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = loadConfig(env(map[string]string{"DATABASE_URL": "postgres://app@db/app", "DATABASE_PASSWORD_FILE": empty}))
	if err == nil || !strings.Contains(err.Error(), "the file is empty") {
		t.Errorf("an empty password file: %v, want an error that says so", err)
	}
}
