package e2e

import (
	"testing"

	"base-docker-and-compose/e2e/harness"
)

func TestMain(m *testing.M) { harness.Main(m) }
