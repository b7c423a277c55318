module base-docker-and-compose/tools/stages

go 1.26
