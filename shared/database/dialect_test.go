package database

import (
	"fmt"
	"testing"

	"github.com/lib/pq"
	"github.com/lib/pq/pqerror"
)

// The PostgreSQL codes that WaitReady gives up on at once, and those it waits out.
func TestPostgresRejectedLogin(t *testing.T) {
	d := dialects[driverPostgres]
	for code, want := range map[pqerror.Code]bool{
		"28P01": true,  // wrong password
		"28000": true,  // no pg_hba.conf entry, say
		"3D000": true,  // no such database
		"57P03": false, // starting up: wait
		"08006": false, // connection failure: wait
		"42P01": false, // a missing table is not a login
	} {
		err := fmt.Errorf("ping: %w", &pq.Error{Severity: "FATAL", Code: code})
		if got := d.isRejected(err); got != want {
			t.Errorf("isRejected(%s) = %v, want %v", code, got, want)
		}
	}
	if dialects[driverSQLite].isRejected(fmt.Errorf("any")) {
		t.Errorf("SQLite rejected a login")
	}
}
