module base-docker-and-compose/e2e

go 1.26

require github.com/lib/pq v1.12.3

require base-docker-and-compose/shared v0.0.0

require (
	github.com/jmoiron/sqlx v1.4.0 // indirect
	github.com/mattn/go-sqlite3 v1.14.53 // indirect
)

replace base-docker-and-compose/shared => ../shared
