package e2e

import (
	"testing"

	"base-docker-and-compose/e2e/bench"
)

func TestMain(m *testing.M) { bench.Main(m) }
