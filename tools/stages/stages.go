package main

// A stage is one folder of the course: the previous stage plus one lesson.
type stage struct {
	Dir   string
	Title string
	// Changes are the files the lesson may add, remove or change relative to the previous
	// stage. Every other file must be the same, byte for byte, except for go.mod's module line.
	Changes []string
}

// stages is the course, in order.
var stages = []stage{
	{Dir: "01-starting-point", Title: "The starting point"},
	{Dir: "02-dockerizing", Title: "Dockerizing the app",
		Changes: []string{"README.md", "Dockerfile", ".dockerignore", "run-dockered.sh"}},
	{Dir: "03-compose", Title: "Docker Compose",
		Changes: []string{"README.md", "compose.yaml", "compose.reference.yaml", "api_token.example", "run-dockered.sh"}},
	{Dir: "04-entrypoint", Title: "An entrypoint that prepares the database",
		Changes: []string{"README.md", "entrypoint.sh", "Dockerfile", "compose.yaml",
			// The reference file is 03's lesson; later stages would only carry a stale copy.
			"compose.reference.yaml", "api_token.example"}},
	{Dir: "05-env-vars", Title: "Configuration and secrets from the environment",
		Changes: []string{"README.md", ".env.template", "init-env.sh", "compose.yaml"}},
	{Dir: "06-profiles", Title: "Development and production profiles",
		Changes: []string{"README.md", "compose.yaml", "Dockerfile.prod", ".dockerignore", ".env.template", "init-env.sh"}},
}
