// Package database is the data layer every stage of the course shares: it opens the SQLite or
// PostgreSQL database that a DATABASE_URL names, creates its one table and reads and writes
// workers in it. The stages import it so that their own code is only what each stage teaches.
//
// The rest of the package is written once, in SQL that both engines accept; dialect.go holds
// everything in which they differ.
package database
