package main

import (
	"os"
	"testing"

	"github.com/gin-gonic/gin"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	os.Exit(m.Run())
}

// env is a fake environment for run and loadConfig.
func env(vars map[string]string) func(string) string {
	return func(name string) string { return vars[name] }
}
