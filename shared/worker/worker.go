// Package worker holds the one model the course's API serves.
package worker

import "time"

// Worker is one row of the workers table and one object of the API's JSON.
//
// It is the Go counterpart of the Python seed's Serializer mixin, which turned a row, or a list of
// rows, into JSON. Go needs no such code: encoding/json encodes a Worker, or a []Worker, through
// the json tags below, and the db tags let sqlx scan a row into it. One thing the mixin did by
// hand still matters: an empty list must encode as [] and never as null, which a nil slice would
// give. The database package's store always returns a non-nil slice for that reason.
type Worker struct {
	ID        int64     `db:"id" json:"id"`
	Name      string    `db:"name" json:"name"`
	Email     string    `db:"email" json:"email"`
	Role      string    `db:"role" json:"role"`
	CreatedAt time.Time `db:"created_at" json:"created_at"`
}
