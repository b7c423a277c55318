package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"base-docker-and-compose/shared/database"
)

// healthcheckTimeout bounds the probe: Docker's own timeout would kill it, without a message.
const healthcheckTimeout = 2 * time.Second

// healthcheck asks the server running in this container for /healthz and fails unless it
// answers 200. A distroless image has no shell and no curl, so its HEALTHCHECK runs this.
func healthcheck(ctx context.Context, cfg config, store *database.Store, log *slog.Logger, stdout io.Writer) error {
	host := cfg.Host
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1" // listening on every interface includes the loopback
	}
	url := "http://" + net.JoinHostPort(host, strconv.Itoa(cfg.Port)) + "/healthz"
	ctx, cancel := context.WithTimeout(ctx, healthcheckTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s answered %s", url, resp.Status)
	}
	fmt.Fprintln(stdout, "healthy")
	return nil
}
