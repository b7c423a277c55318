package main

// A stage is one folder of the course: the previous stage plus one lesson.
type stage struct {
	Dir   string
	Title string
	// Adds is what the stage adds, in a phrase, for the navigation of the page before it.
	Adds string
	// Changes are the files the lesson may add, remove or change relative to the previous
	// stage. Every other file must be the same, byte for byte, except for go.mod's module line.
	Changes []string
}

// stages is the course, in order.
var stages = []stage{
	{Dir: "01-starting-point", Title: "The starting point"},
	{Dir: "02-dockerizing", Title: "Dockerizing the app",
		Adds:    "a Dockerfile, and the app and PostgreSQL in containers on a network of their own",
		Changes: []string{"README.md", "Dockerfile", ".dockerignore", "run-dockered.sh"}},
	{Dir: "03-compose", Title: "Docker Compose",
		Adds:    "one compose file that starts both, with healthchecks and a named volume",
		Changes: []string{"README.md", "compose.yaml", "compose.reference.yaml", "api_token.example", "run-dockered.sh"}},
	{Dir: "04-entrypoint", Title: "An entrypoint that prepares the database",
		Adds: "an entrypoint script, so that `docker compose up` alone serves a seeded API",
		Changes: []string{"README.md", "entrypoint.sh", "Dockerfile", "compose.yaml",
			// The reference file is 03's lesson; later stages would only carry a stale copy.
			"compose.reference.yaml", "api_token.example"}},
	{Dir: "05-env-vars", Title: "Configuration and secrets from the environment",
		Adds:    "every setting and a generated password in `.env`, out of the compose file",
		Changes: []string{"README.md", ".env.template", "init-env.sh", "compose.yaml"}},
	{Dir: "06-profiles", Title: "Development and production profiles",
		Adds:    "dev and prod profiles, a small hardened production image and a Compose secret",
		Changes: []string{"README.md", "compose.yaml", "Dockerfile.prod", ".dockerignore", ".env.template", "init-env.sh"}},
	{Dir: "07-swarm", Title: "The production setup on Docker Swarm",
		Adds:    "a stack of 3 replicas behind a proxy, updated and rolled back while every read through it is answered",
		Changes: []string{"README.md", "stack.yaml", "haproxy.cfg", ".env.template"}},
	{Dir: "08-shipping", Title: "Shipping the image: a registry, two platforms, a signature, CI",
		Adds: "a registry, one image for amd64 and arm64 with its SBOM and provenance, signed, deployed by digest, built by CI",
		Changes: []string{"README.md", "Dockerfile.prod", ".dockerignore", "docker-bake.hcl", "stack.yaml",
			"deploy.sh", ".github/workflows/ship.yml"}},
}
