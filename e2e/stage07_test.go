package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"base-docker-and-compose/e2e/harness"
	"base-docker-and-compose/shared/worker"
)

// Stage 07 runs the production image as a Docker Swarm stack: the README's commands, on a
// single-node swarm of the engine under test.

// The README's commands, as it shows them; the tests run them with the stack's name in place
// of "workers" (stackCommand) and an image name of the run's in place of workers-api, the
// learner's own (imageCommand).
const (
	swarmBuild    = "docker build --build-context shared=../shared -f Dockerfile.prod -t workers-api:1 ."
	swarmBuild2   = "docker build --build-context shared=../shared -f Dockerfile.prod -t workers-api:2 ."
	swarmLabel    = `docker node update --label-add workers-db=true "$(docker info --format '{{.Swarm.NodeID}}')"`
	swarmDeploy   = "(set -a && . ./.env && APP_TAG=1 docker stack deploy --detach=true --resolve-image never -c stack.yaml workers)"
	swarmServices = "docker service ls --format '{{.Name}}: {{.Mode}} {{.Replicas}}, {{.Image}}'"
	swarmTasks    = "docker service ps workers_app --filter desired-state=running --format '{{.Name}}: {{.Image}}'"
	swarmSeed     = `docker exec "$(docker ps -q --filter label=com.docker.swarm.service.name=workers_app | head -n 1)" app seed_db`
	swarmUpdate   = "docker service update --detach=false --quiet --no-resolve-image --image workers-api:2 workers_app"
	swarmForce    = "docker service update --detach=false --quiet --force workers_app"
	swarmBroken   = "docker service update --detach=false --quiet --no-resolve-image --image workers-api:3 workers_app; echo \"exit status $?\""
	swarmStatus   = "docker service inspect workers_app --format '{{.Spec.TaskTemplate.ContainerSpec.Image}}: {{.UpdateStatus.State}}, {{.UpdateStatus.Message}}'"
	// A release whose healthcheck has a typo: the command healthz does not exist.
	swarmBuildBroken = `printf 'FROM workers-api:2\nHEALTHCHECK --interval=2s --timeout=2s --start-period=2s --retries=2 CMD ["app", "healthz"]\n' | docker build -q -t workers-api:3 -`
	swarmCurlList    = "curl -s 127.0.0.1:8080/api/v1/workers"
	// A worker added by hand through the proxy; -i shows the status line and the headers.
	swarmAddWorker = `curl -s -i -X POST -H 'Content-Type: application/json' \
  -d '{"name":"Hedy Lamarr","email":"hedy@example.com","role":"inventor"}' \
  http://127.0.0.1:8080/api/v1/workers`
	// The load the page has the learner run in a second terminal during an update: a fixed
	// number of GET reads through the proxy, counted by HTTP status (000: no answer).
	swarmLoop = `i=0; while [ "$i" -lt 400 ]; do
  curl -s -o /dev/null --max-time 5 -w '%{http_code}\n' 127.0.0.1:8080/api/v1/workers
  i=$((i + 1)); sleep 0.2
done | sort | uniq -c`
	swarmLoopReads = "400"
	// The same for writes, during the update to the new tag: 200 workers added through the
	// proxy, one every 0.4 s (as long as the reads), each with an email of its own, counted
	// by HTTP status.
	swarmWriteLoop = `i=0; while [ "$i" -lt 200 ]; do
  curl -s -o /dev/null --max-time 5 -w '%{http_code}\n' -H 'Content-Type: application/json' \
    -d "{\"name\":\"Worker $i\",\"email\":\"update-$i@example.com\",\"role\":\"tester\"}" \
    127.0.0.1:8080/api/v1/workers
  i=$((i + 1)); sleep 0.4
done | sort | uniq -c`
	swarmWriteLoopWrites = "200"
	swarmKillDB          = `docker kill "$(docker ps -q --filter label=com.docker.swarm.service.name=workers_db)"`
	swarmDBTasks         = "docker service ps workers_db --format '{{.Name}}: {{.DesiredState}} {{.Error}}'"
	swarmCurlOne         = "curl -s 127.0.0.1:8080/api/v1/workers/5"
	// The password's rotation: in PostgreSQL first, then a new secret for the app, then for
	// the database, and the old secret removed. It stops at its first failing line.
	swarmRotate = `new=$(LC_ALL=C tr -dc 'A-Za-z0-9' </dev/urandom | head -c 32) &&
docker exec "$(docker ps -q --filter label=com.docker.swarm.service.name=workers_db)" \
  psql -U workers -d workers -c "ALTER USER workers PASSWORD '$new'" &&
printf '%s' "$new" > secrets/db_password &&
docker secret create workers_db_password_v2 secrets/db_password &&
docker service update --detach=false --quiet --secret-rm workers_db_password \
  --secret-add source=workers_db_password_v2,target=db_password workers_app &&
docker service update --detach=false --quiet --secret-rm workers_db_password \
  --secret-add source=workers_db_password_v2,target=db_password workers_db &&
docker secret rm workers_db_password`
	swarmDeploy2  = "(set -a && . ./.env && APP_TAG=2 docker stack deploy --detach=true --resolve-image never -c stack.yaml workers)"
	swarmRmOldV2  = "docker secret rm workers_db_password_v2"
	swarmSecrets  = "docker secret ls --format '{{.Name}}'"
	swarmDBSecret = "docker service inspect workers_db workers_app --format '{{.Spec.Name}}: {{range .Spec.TaskTemplate.ContainerSpec.Secrets}}{{.SecretName}}{{end}}'"
)

// swarmStack is a deployed copy of 07-swarm.
type swarmStack struct {
	dir, name string
	// repo is the image repository the stack runs, in place of the README's workers-api: the
	// stack's name and -api, which captures map back to workers-api with the stack's name.
	repo string
	url  string // the proxy's published port, on 127.0.0.1
	addr string // the same, as 127.0.0.1:port
	// The workers the updates' load wrote and the API answered 201 for: a later part checks
	// that they are still there.
	writes []worker.Worker
	// top is TestStage07Swarm's own T: the page's loops run under it, so that a loop an
	// update started runs on after that update's part, through the next one (settle).
	top *testing.T
	// pending are the checks of the page's loops still running: settle waits for them.
	pending []func(t *testing.T)
}

// later keeps the check of a page loop for settle. A loop of 400 reads takes a minute and a half
// (its sleeps alone take 80 s), an update under one: instead of waiting it out, the next part
// runs its own update while the loop goes on, and the loop must still get every answer right.
func (s *swarmStack) later(check func(t *testing.T)) { s.pending = append(s.pending, check) }

// settle waits for the page's loops that earlier parts left running and checks them, before a
// part that makes requests fail on purpose (the database killed) or at the end.
func (s *swarmStack) settle(t *testing.T) {
	t.Helper()
	pending := s.pending
	s.pending = nil
	for _, check := range pending {
		check(t)
	}
}

// run runs a README command in the stage copy, with the stack's name in place of "workers",
// its image repository in place of workers-api and the proxy's port in place of 8080.
func (s *swarmStack) run(t *testing.T, command string) (string, error) {
	t.Helper()
	command = imageCommand(stackCommand(command, s.name), s.repo)
	return shell(t, s.dir, nil, strings.ReplaceAll(command, "127.0.0.1:8080", s.addr))
}

// tag is the image the README calls workers-api:n, as this stack names it.
func (s *swarmStack) tag(n string) string { return imageCommand("workers-api:"+n, s.repo) }

func (s *swarmStack) mustRun(t *testing.T, command string) string {
	t.Helper()
	out, err := s.run(t, command)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return out
}

// imageCommand puts repo in place of the image repository the README uses (workers-api), which
// a learner may have built: a test never touches that tag. repo "" keeps it.
func imageCommand(command, repo string) string {
	if repo == "" {
		return command
	}
	return strings.ReplaceAll(command, "workers-api:", repo+":")
}

// stackCommand puts name in place of the stack name the README uses.
func stackCommand(command, name string) string {
	command = strings.ReplaceAll(command, "workers_", name+"_")
	return strings.ReplaceAll(command, "-c stack.yaml workers", "-c stack.yaml "+name)
}

// stage07 deploys a copy of 07-swarm as the README does, and waits until its proxy answers.
func stage07(t *testing.T) *swarmStack {
	t.Helper()
	harness.Swarm(t)
	s := &swarmStack{dir: copyStage(t, "07-swarm"), name: harness.UniqueName(t)}
	s.repo = s.name + "-api"
	// The stack file names the image the README builds; the copy names the run's.
	replaceOnce(t, filepath.Join(s.dir, "stack.yaml"), "image: workers-api:", "image: "+s.repo+":")
	initEnv(t, s.dir)
	port := harness.FreePort(t)
	setEnvValue(t, filepath.Join(s.dir, ".env"), "APP_PORT", strconv.Itoa(port))
	s.addr = fmt.Sprintf("127.0.0.1:%d", port)
	s.url = "http://" + s.addr

	s.mustRun(t, swarmBuild)
	t.Cleanup(func() { harness.Docker("image", "rm", s.tag("1"), s.tag("2"), s.tag("3")) })
	s.mustRun(t, swarmLabel)
	t.Cleanup(func() {
		// The README's node label goes before the swarm does (harness.Swarm's cleanup, after).
		harness.Docker("node", "update", "--label-rm", "workers-db", harness.NodeID())
		removeStack(t, s.name)
		// The rotation's secret is no part of the stack: `docker stack rm` leaves it.
		harness.Docker("secret", "rm", s.name+"_db_password_v2")
	})
	capture(t, "07-swarm", "deploy", s.name, swarmDeploy, sortCreated(s.mustRun(t, swarmDeploy)))
	s.waitConverged(t, 3)
	return s
}

// sortCreated sorts the "Creating network", the "Creating service" and the "Updating
// service" lines of a deploy's output among themselves: the deploy makes them in no fixed
// order.
func sortCreated(out string) string {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	for _, kind := range []string{"Creating network ", "Creating service ", "Updating service "} {
		var at []int
		var same []string
		for i, line := range lines {
			if strings.HasPrefix(line, kind) {
				at = append(at, i)
				same = append(same, line)
			}
		}
		slices.Sort(same)
		for j, i := range at {
			lines[i] = same[j]
		}
	}
	return strings.Join(lines, "\n") + "\n"
}

// setEnvValue replaces NAME's line in an env file.
func setEnvValue(t *testing.T, file, name, value string) {
	t.Helper()
	envValue(t, file, name) // fails when there is none
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	for i, line := range lines {
		if strings.HasPrefix(line, name+"=") {
			lines[i] = name + "=" + value
		}
	}
	if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
}

// removeStack removes the stack, waits until its containers are gone, then removes its volume.
func removeStack(t *testing.T, name string) {
	harness.Docker("stack", "rm", name)
	label := "label=com.docker.stack.namespace=" + name
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) && harness.Docker("ps", "-aq", "--filter", label).Stdout != "" {
		time.Sleep(500 * time.Millisecond)
	}
	// The volume stays busy for a moment after its container is gone.
	for time.Now().Before(deadline) && harness.Docker("volume", "rm", name+"_pgdata").Err != nil &&
		harness.Docker("volume", "inspect", name+"_pgdata").Err == nil {
		time.Sleep(500 * time.Millisecond)
	}
}

// waitConverged waits until the stack's services run all their replicas (app: apps) and the
// proxy answers the API.
func (s *swarmStack) waitConverged(t *testing.T, apps int) {
	t.Helper()
	want := map[string]string{"app": fmt.Sprintf("%d/%d", apps, apps), "db": "1/1", "proxy": "1/1"}
	harness.Poll(t, 3*time.Minute, time.Second, func() error {
		out := harness.Docker("service", "ls", "--filter", "label=com.docker.stack.namespace="+s.name,
			"--format", "{{.Name}} {{.Replicas}}").Stdout
		got := map[string]string{}
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			if name, replicas, ok := strings.Cut(line, " "); ok {
				got[strings.TrimPrefix(name, s.name+"_")] = replicas
			}
		}
		for service, replicas := range want {
			if got[service] != replicas {
				return fmt.Errorf("services %v, want %v", got, want)
			}
		}
		if code, _, err := harness.TryGet(s.url + "/api/v1/workers"); err != nil || code != 200 {
			return fmt.Errorf("GET /api/v1/workers through the proxy: %d %v", code, err)
		}
		return nil
	})
}

// containers returns the ids of a service's running containers.
func (s *swarmStack) containers(t *testing.T, service string) []string {
	t.Helper()
	return strings.Fields(harness.MustDocker(t, "ps", "-q", "--filter", "label=com.docker.swarm.service.name="+s.name+"_"+service))
}

// runningImages returns the image of each of the app's running tasks.
func (s *swarmStack) runningImages(t *testing.T) []string {
	t.Helper()
	out := harness.MustDocker(t, "service", "ps", s.name+"_app", "--filter", "desired-state=running", "--format", "{{.Image}}")
	images := strings.Fields(out)
	slices.Sort(images)
	return images
}

// loadLoop is the page's load loop (swarmLoop), run as written in the background, as in the
// learner's second terminal.
type loadLoop struct {
	s       *swarmStack
	started time.Time
	want    []string // what it must print: the count of requests, and their status
	out     string
	err     error
	ended   time.Time
	done    chan struct{}
}

func (s *swarmStack) startLoop(t *testing.T) *loadLoop {
	t.Helper()
	return s.startLoopOf(t, swarmLoop, swarmLoopReads, "200")
}

// startLoopOf runs a loop of the page's, which must print that all its count requests were
// answered with status.
func (s *swarmStack) startLoopOf(t *testing.T, command, count, status string) *loadLoop {
	t.Helper()
	l := &loadLoop{done: make(chan struct{}), s: s, started: time.Now(), want: []string{count, status}}
	// Under the test's own T, not the part's: the loop outlives the part that started it.
	top := s.top
	if top == nil {
		top = t
	}
	go func() {
		defer close(l.done)
		l.out, l.err = s.run(top, command)
		l.ended = time.Now()
	}()
	return l
}

// wait waits for the loop to end, and fails the test unless it was still sending when the
// update ended (updateEnded) and every one of its reads was answered 200. It returns what the
// loop printed.
func (l *loadLoop) wait(t *testing.T, what string, updateEnded time.Time) string {
	t.Helper()
	<-l.done
	if l.err != nil {
		t.Fatalf("%s: the load loop: %v\n%s", what, l.err, l.out)
	}
	if !l.ended.After(updateEnded) {
		t.Errorf("%s: the load loop ended %s before the update did: it must run through it (send more reads)",
			what, updateEnded.Sub(l.ended).Round(time.Second))
	}
	if got := strings.Fields(l.out); !slices.Equal(got, l.want) {
		t.Errorf("%s: the load loop printed %q; want all %s requests answered %s", what, l.out, l.want[0], l.want[1])
		// What the proxy and the app logged meanwhile, but for the requests answered right.
		since := l.started.UTC().Format(time.RFC3339)
		for _, service := range []string{"proxy", "app"} {
			logs := harness.Docker("service", "logs", "--no-task-ids", "--since", since, l.s.name+"_"+service).Output()
			var kept []string
			for _, line := range strings.Split(logs, "\n") {
				if !strings.Contains(line, `"status":200`) && !strings.Contains(line, `"status":201`) {
					kept = append(kept, line)
				}
			}
			t.Logf("%s's logs since the loop started, but for the 200 and 201 answers:\n%s", service, strings.Join(kept, "\n"))
		}
	}
	t.Logf("%s: the load loop ended %s after the update", what, l.ended.Sub(updateEnded).Round(time.Second))
	return l.out
}

// The stack as the README deploys it: 3 replicas behind the proxy, updated, rolled back and
// restarted under load with no failed request. The parts share one stack and run in order.
//
// It runs in parallel with the compose tests (each has its own project and ports); the swarm
// is the engine's, held by harness.Swarm for one test at a time.
func TestStage07Swarm(t *testing.T) {
	// Serial, so it runs first and alone: its rolling updates are checked under load for
	// every request answered with no gap over 3 s, which the builds of parallel tests on a
	// 2-core machine broke (a 13.8 s gap in a forced update, in .ci/run).
	s := stage07(t)
	s.top = t
	t.Run("DeployServesThroughTheProxyAlone", func(t *testing.T) { swarmDeployServesThroughTheProxyAlone(t, s) })
	t.Run("SecretInNoInspectAndNoEnvironment", func(t *testing.T) { swarmSecretInNoInspectAndNoEnvironment(t, s) })
	t.Run("UpdateToANewTagFailsNoRequest", func(t *testing.T) { swarmUpdateFailsNoRequest(t, s, swarmUpdate, "update-image") })
	t.Run("ForcedUpdateFailsNoRequest", func(t *testing.T) { swarmUpdateFailsNoRequest(t, s, swarmForce, "update-force") })
	t.Run("FailedUpdateRollsBackByItself", func(t *testing.T) { swarmFailedUpdateRollsBackByItself(t, s) })
	t.Run("ExerciseDeployWithoutAppTag", func(t *testing.T) { swarmExerciseDeployWithoutAppTag(t, s) })
	t.Run("ExerciseChangedConfig", func(t *testing.T) { swarmExerciseChangedConfig(t, s) })
	t.Run("DataSurvivesTheDatabaseTaskKilled", func(t *testing.T) { swarmDataSurvivesTheDatabaseTaskKilled(t, s) })
	t.Run("PasswordRotatedWithANewSecret", func(t *testing.T) { swarmPasswordRotatedWithANewSecret(t, s) })
	s.settle(t) // the loops of parts run alone (go test -run)
}

func swarmDeployServesThroughTheProxyAlone(t *testing.T, s *swarmStack) {
	capture(t, "07-swarm", "services", s.name, swarmServices, s.mustRun(t, swarmServices))
	capture(t, "07-swarm", "seed", s.name, swarmSeed, s.mustRun(t, swarmSeed))
	var workers []worker.Worker
	harness.GetJSON(t, s.url+"/api/v1/workers", 200, &workers)
	if len(workers) != len(worker.Dummies()) {
		t.Errorf("%d workers through the proxy after seed_db, want %d", len(workers), len(worker.Dummies()))
	}
	list := s.mustRun(t, swarmCurlList)
	if err := json.Unmarshal([]byte(list), &workers); err != nil || len(workers) != len(worker.Dummies()) {
		t.Errorf("%s: %q (%v), want the %d workers", swarmCurlList, list, err, len(worker.Dummies()))
	}
	capture(t, "07-swarm", "curl-workers", s.name, swarmCurlList, list)
	swarmAddsAWorker(t, s)
	// The proxy's port is the only one published, in host mode (no routing mesh).
	for _, service := range []string{"proxy", "app", "db"} {
		ports := harness.MustDocker(t, "service", "inspect", s.name+"_"+service, "--format", "{{json .Endpoint.Ports}}")
		var got []struct {
			TargetPort, PublishedPort int
			PublishMode               string
		}
		if err := json.Unmarshal([]byte(ports), &got); err != nil && ports != "null" {
			t.Fatalf("%s ports %s: %v", service, ports, err)
		}
		switch {
		case service == "proxy" && (len(got) != 1 || got[0].TargetPort != 8080 || got[0].PublishMode != "host"):
			t.Errorf("proxy publishes %s, want 8080 alone, in host mode", ports)
		case service != "proxy" && len(got) != 0:
			t.Errorf("%s publishes %s, want nothing", service, ports)
		}
		if mode := harness.MustDocker(t, "service", "inspect", s.name+"_"+service, "--format", "{{.Spec.EndpointSpec.Mode}}"); mode != "dnsrr" {
			t.Errorf("%s: endpoint mode %q, want dnsrr", service, mode)
		}
	}
}

// swarmAddsAWorker runs the page's POST through the proxy: 201, the worker with its id and
// its Location, which then reads back by that id. The capture shows the answer's date and the
// worker's creation time fixed, and the length of the body so fixed.
func swarmAddsAWorker(t *testing.T, s *swarmStack) {
	out := strings.ReplaceAll(s.mustRun(t, swarmAddWorker), "\r\n", "\n")
	head, body, ok := strings.Cut(out, "\n\n")
	var w worker.Worker
	if !ok || json.Unmarshal([]byte(body), &w) != nil {
		t.Fatalf("%s printed %q: want the headers, a blank line, and the worker as JSON", swarmAddWorker, out)
	}
	// HAProxy passes the app's headers on with their names in lower case.
	lines := strings.Split(head, "\n")
	header := func(name string) string {
		for _, line := range lines[1:] {
			if n, v, ok := strings.Cut(line, ": "); ok && strings.EqualFold(n, name) {
				return v
			}
		}
		return ""
	}
	if lines[0] != "HTTP/1.1 201 Created" || w.ID < 1 || w.Name != "Hedy Lamarr" || w.Email != "hedy@example.com" || w.Role != "inventor" || w.CreatedAt.IsZero() ||
		header("Location") != fmt.Sprintf("/api/v1/workers/%d", w.ID) || header("Content-Type") != "application/json; charset=utf-8" {
		t.Fatalf("%s printed:\n%s\nwant 201 Created, its Location and the worker sent, with an id and a creation time", swarmAddWorker, out)
	}
	var got worker.Worker
	harness.GetJSON(t, fmt.Sprintf("%s/api/v1/workers/%d", s.url, w.ID), 200, &got)
	if !sameWorker(got, w) {
		t.Errorf("GET /api/v1/workers/%d after the POST: %+v, want %+v", w.ID, got, w)
	}
	body = regexpCreatedAt.ReplaceAllString(body, `"created_at":"2026-01-01T00:00:00Z"`)
	for i, line := range lines {
		switch name, _, _ := strings.Cut(line, ": "); strings.ToLower(name) {
		case "date":
			lines[i] = name + ": Thu, 01 Jan 2026 00:00:00 GMT"
		case "content-length":
			lines[i] = fmt.Sprintf("%s: %d", name, len(strings.TrimRight(body, "\n")))
		}
	}
	capture(t, "07-swarm", "add-worker", s.name, swarmAddWorker, strings.Join(lines, "\n")+"\n\n"+body)
}

// regexpCreatedAt is a worker's creation time in the API's JSON.
var regexpCreatedAt = regexp.MustCompile(`"created_at":"[^"]+"`)

func swarmSecretInNoInspectAndNoEnvironment(t *testing.T, s *swarmStack) {
	password, err := os.ReadFile(filepath.Join(s.dir, "secrets", "db_password"))
	if err != nil || len(password) == 0 {
		t.Fatalf("secrets/db_password: %q %v", password, err)
	}
	secret := s.name + "_db_password"
	if got := harness.MustDocker(t, "secret", "ls", "--filter", "name="+secret, "--format", "{{.Name}}"); got != secret {
		t.Fatalf("docker secret ls: %q, want the Swarm secret %s", got, secret)
	}
	inspected := []string{
		harness.MustDocker(t, "secret", "inspect", secret),
		harness.MustDocker(t, "service", "inspect", s.name+"_app", s.name+"_db", s.name+"_proxy"),
	}
	containers := strings.Fields(harness.MustDocker(t, "ps", "-q", "--filter", "label=com.docker.stack.namespace="+s.name))
	if len(containers) != 5 {
		t.Fatalf("%d containers in the stack, want 5 (3 apps, db, proxy)", len(containers))
	}
	inspected = append(inspected, harness.MustDocker(t, append([]string{"inspect"}, containers...)...))
	for _, text := range inspected {
		if strings.Contains(text, string(password)) {
			t.Errorf("docker inspect shows the password:\n%s", text)
		}
	}
	// The environment the database's task is given, as a process started in it sees it (the
	// app's image has no env command; its environment is the one docker inspect shows).
	db := strings.Join(s.containers(t, "db"), " ")
	env := harness.MustDocker(t, "exec", db, "env")
	if strings.Contains(env, string(password)) {
		t.Errorf("the database task's environment holds the password")
	}
	if !strings.Contains(env, "POSTGRES_PASSWORD_FILE=/run/secrets/db_password") {
		t.Errorf("the database task's environment has no POSTGRES_PASSWORD_FILE:\n%s", env)
	}
	if got := harness.MustDocker(t, "exec", db, "cat", "/run/secrets/db_password"); got != strings.TrimSpace(string(password)) {
		t.Errorf("/run/secrets/db_password in the database task is not secrets/db_password")
	}
}

// startLoad starts the load 07's updates run under, through the proxy: 4 clients reading (the
// list and single workers in turn, 20 ms apart), 2 adding workers (250 ms apart). Its deadline is far beyond an update's
// few minutes; a test that reaches it fails.
func (s *swarmStack) startLoad(t *testing.T, tag string) *load {
	t.Helper()
	s.seeded(t)
	l := startLoad(t, loadSpec{base: s.url, readers: 4, writers: 2, pause: 20 * time.Millisecond, writePause: 250 * time.Millisecond,
		limit: 10 * time.Minute, tag: tag})
	// Running before the operation starts: each kind has been answered a few times.
	l.settled(t, l.started, 5, 30*time.Second)
	return l
}

// swarmWant is what 07's load must do during an update: every request answered right, at a
// rate and with no gap that says the clients were served all along, not queued.
var swarmWant = loadWant{
	minReads: 200, minReadRate: 10, maxReadGap: 3 * time.Second,
	minWrites: 50, minWriteRate: 2, maxWriteGap: 3 * time.Second,
}

// seeded runs seed_db, which adds nothing when the workers are there already: the load reads
// them, also in a subtest run alone.
func (s *swarmStack) seeded(t *testing.T) {
	t.Helper()
	id := s.containers(t, "app")
	if len(id) == 0 {
		t.Fatal("no app container runs")
	}
	harness.MustDocker(t, "exec", id[0], "app", "seed_db")
}

// psql runs SQL in the database's task, and returns what it printed, unaligned.
func (s *swarmStack) psql(t *testing.T, sql string) string {
	t.Helper()
	db := s.containers(t, "db")
	if len(db) != 1 {
		t.Fatalf("%d database containers run, want 1", len(db))
	}
	return harness.MustDocker(t, "exec", db[0], "psql", "-U", "workers", "-d", "workers", "-tAc", sql)
}

// endLoad ends an operation's load once the load has run past the operation's end (opEnd)
// and the tasks it replaced (replaced) are gone, checks what the load did, and that every
// write it got a 201 for is in the table. It keeps the writes for the later parts' checks.
func (s *swarmStack) endLoad(t *testing.T, l *load, what string, opStart, opEnd time.Time, replaced []string) loadReport {
	t.Helper()
	pollFor(t, time.Minute, "the replaced app containers to be gone", func() bool {
		for _, id := range replaced {
			if harness.Docker("ps", "-q", "--filter", "id="+id).Stdout != "" {
				return false
			}
		}
		return true
	})
	l.settled(t, time.Now(), 20, 30*time.Second)
	r := l.end(t, what, opStart, opEnd, swarmWant)
	assertWritesKept(t, what, r.writeResult, parseRows(t, s.psql(t, rowsOfTagSQL(l.spec.tag))))
	s.writes = append(s.writes, r.writeResult.acked...)
	return r
}

// swarmUpdateFailsNoRequest runs an update command under load (reads and writes, and the
// page's loop) and checks that no request failed and that every replica was replaced: by
// workers-api:2 for the update to the new tag, by the image it ran for the forced update.
func swarmUpdateFailsNoRequest(t *testing.T, s *swarmStack, command, name string) {
	if command == swarmUpdate {
		// The new release, built as the README says. Built from the same code it is the same
		// image under a new tag: a new version to Swarm all the same.
		s.mustRun(t, swarmBuild2)
	}
	before := s.containers(t, "app")
	images := s.runningImages(t)
	if len(images) != 3 || images[0] != images[2] {
		t.Fatalf("the app's running tasks run %v before the update, want one image on all 3", images)
	}
	want := images[0]
	if command == swarmUpdate {
		want = s.tag("2")
	}
	loop := s.startLoop(t)
	var writes *loadLoop
	if command == swarmUpdate {
		writes = s.startLoopOf(t, swarmWriteLoop, swarmWriteLoopWrites, "201")
	}
	l := s.startLoad(t, "07-"+name)
	started := time.Now()
	out, err := s.run(t, command)
	ended := time.Now()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if out != s.name+"_app\n" {
		t.Errorf("%s printed %q, want the service's name alone", command, out)
	}
	s.endLoad(t, l, name, started, ended, before)
	// The page's loops run on (later, settle); what they print is checked, and captured, when
	// they end.
	s.later(func(t *testing.T) {
		t.Helper()
		loopOut := loop.wait(t, name, ended)
		var writesOut string
		if writes != nil {
			writesOut = writes.wait(t, name+", the writes", ended)
			if got := s.psql(t, "SELECT count(*) FROM workers WHERE email LIKE 'update-%@example.com'"); got != swarmWriteLoopWrites {
				t.Errorf("%s rows of the page's write loop in the table, want %s", got, swarmWriteLoopWrites)
			}
		}
		if t.Failed() || command != swarmUpdate {
			return
		}
		capture(t, "07-swarm", "load-update", s.name, swarmLoop, loopOut)
		capture(t, "07-swarm", "load-update-writes", s.name, swarmWriteLoop, writesOut)
	})
	if got := s.runningImages(t); !slices.Equal(got, []string{want, want, want}) {
		t.Errorf("the app's running tasks run %v, want %s on all 3", got, want)
	}
	// Every task was replaced: none of the containers from before runs now.
	after := s.containers(t, "app")
	if len(after) != 3 {
		t.Errorf("%d app containers run after the update, want 3", len(after))
	}
	for _, id := range after {
		if slices.Contains(before, id) {
			t.Errorf("container %.12s ran before the update and still does: not every task was replaced", id)
		}
	}
	if t.Failed() {
		return
	}
	capture(t, "07-swarm", name, s.name, command, out)
	if command == swarmUpdate {
		capture(t, "07-swarm", "tasks-after-update", s.name, swarmTasks, s.mustRun(t, swarmTasks))
	}
}

// regexpExitStatus is the line the page's broken update ends with: the update's own status.
var regexpExitStatus = regexp.MustCompile(`(?m)^exit status (\d+)\n\z`)

func swarmFailedUpdateRollsBackByItself(t *testing.T, s *swarmStack) {
	s.mustRun(t, swarmBuildBroken)
	before := s.containers(t, "app")
	loop := s.startLoop(t)
	l := s.startLoad(t, "07-rollback")
	started := time.Now()
	out, err := s.run(t, swarmBroken)
	ended := time.Now()
	// The page's command prints the update's exit status itself (the echo's is always 0):
	// the update must have exited 0, Swarm's rollback being no error of the command.
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	m := regexpExitStatus.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("%s printed %q: no exit status line at its end", swarmBroken, out)
	}
	if m[1] != "0" || strings.TrimSuffix(out, m[0]) != s.name+"_app\n" {
		t.Errorf("%s printed %q: want the service's name, and the update's exit status 0", swarmBroken, out)
	}
	s.endLoad(t, l, "failed update and its rollback", started, ended, nil)
	s.later(func(t *testing.T) {
		t.Helper()
		loopOut := loop.wait(t, "failed update", ended)
		if !t.Failed() {
			capture(t, "07-swarm", "load-rollback", s.name, swarmLoop, loopOut)
		}
	})
	status := s.mustRun(t, swarmStatus)
	if !strings.HasPrefix(status, s.tag("2")+": rollback_completed") {
		t.Errorf("after the failed update: %q, want %s, rollback_completed", status, s.tag("2"))
	}
	if got, want := s.runningImages(t), s.tag("2"); !slices.Equal(got, []string{want, want, want}) {
		t.Errorf("the app's running tasks run %v after the rollback, want %s on all 3", got, want)
	}
	now := s.containers(t, "app")
	kept := 0
	for _, id := range now {
		if slices.Contains(before, id) {
			kept++
		}
	}
	t.Logf("after the rollback, %d of the %d app containers are those from before the failed update", kept, len(now))
	if t.Failed() {
		return
	}
	capture(t, "07-swarm", "update-broken", s.name, swarmBroken, out)
	capture(t, "07-swarm", "update-broken-status", s.name, swarmStatus, status)
}

// swarmDataSurvivesTheDatabaseTaskKilled: the page's kill of the database's container; Swarm
// starts a new task, on the node, and the volume, of the old one, and the rows seed_db wrote
// (first part) are there again. Nothing else writes them: the app only creates missing tables.
func swarmDataSurvivesTheDatabaseTaskKilled(t *testing.T, s *swarmStack) {
	s.settle(t) // the page's loops, which the kill would fail
	old := s.containers(t, "db")
	if len(old) != 1 {
		t.Fatalf("%d database containers run, want 1", len(old))
	}
	out := s.mustRun(t, swarmKillDB)
	if strings.TrimSpace(out) == "" || !strings.HasPrefix(old[0], strings.TrimSpace(out)) {
		t.Fatalf("%s printed %q; want the id of the database's container %.12s", swarmKillDB, out, old[0])
	}
	capture(t, "07-swarm", "kill-db", s.name, swarmKillDB, regexpShortID.ReplaceAllString(out, "0123456789ab"))
	started := time.Now()
	var tasks string
	harness.Poll(t, 2*time.Minute, time.Second, func() error {
		now := s.containers(t, "db")
		if len(now) != 1 || now[0] == old[0] {
			return fmt.Errorf("no new database task yet: %v", now)
		}
		if health := strings.TrimSpace(harness.Docker("inspect", "--format", "{{.State.Health.Status}}", now[0]).Stdout); health != "healthy" {
			return fmt.Errorf("the new database task is %s", health)
		}
		// The running task has no error: its line ends in a space, which no one sees.
		tasks = regexpTrailingSpace.ReplaceAllString(s.mustRun(t, swarmDBTasks), "")
		return nil
	})
	lines := strings.Split(strings.TrimSpace(tasks), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], s.name+"_db.1: Running") ||
		!strings.HasPrefix(lines[1], s.name+"_db.1: Shutdown") || !strings.Contains(lines[1], "137") {
		t.Errorf("%s:\n%s\nwant a running task, then the killed one (exit 137)", swarmDBTasks, tasks)
	}
	capture(t, "07-swarm", "db-tasks", s.name, swarmDBTasks, tasks)
	// The app reconnects to the new database; the rows written before the kill are there.
	harness.Poll(t, time.Minute, time.Second, func() error {
		code, _, err := harness.TryGet(s.url + "/api/v1/workers/5")
		if err != nil || code != 200 {
			return fmt.Errorf("GET /api/v1/workers/5: %d %v", code, err)
		}
		return nil
	})
	one := s.mustRun(t, swarmCurlOne)
	var w worker.Worker
	if err := json.Unmarshal([]byte(one), &w); err != nil || w.ID != 5 || w.Name != worker.Dummies()[4].Name {
		t.Errorf("%s after the kill: %q (%v), want the fifth worker seed_db wrote", swarmCurlOne, one, err)
	}
	capture(t, "07-swarm", "curl-after-kill", s.name, swarmCurlOne, one)
	// Every write the updates' load got a 201 for (Part 4, above) is there after the kill too.
	rows := parseRows(t, s.psql(t, "SELECT email, id FROM workers WHERE email LIKE '07-%@example.com'"))
	for _, w := range s.writes {
		if id, ok := rows[w.Email]; !ok || id != w.ID {
			t.Errorf("the write of %s, answered 201 with id %d before the kill, is not in the table after it (id %d, found %v)", w.Email, w.ID, id, ok)
		}
	}
	t.Logf("%d writes answered 201 during the updates: all in the table after the kill", len(s.writes))
	t.Logf("the database task was replaced and served the rows again %s after the kill", time.Since(started).Round(time.Second))
}

// regexpTrailingSpace is the blanks at the end of a line.
var regexpTrailingSpace = regexp.MustCompile(`(?m)[ \t]+$`)

// regexpShortID is a container id as docker ps -q and docker kill print it.
var regexpShortID = regexp.MustCompile(`(?m)^[0-9a-f]{12}$`)

// regexpSecretID is a secret's id as docker secret create prints it.
var regexpSecretID = regexp.MustCompile(`(?m)^[0-9a-z]{25}$`)

// swarmPasswordRotatedWithANewSecret runs the page's rotation: the database's password is
// changed, both services use a new secret with it, the old secret is gone, and the app
// still serves. Then the next deploy of the stack file makes the stack's secret again, from
// the file that holds the new password, and the rotation's secret can be removed.
func swarmPasswordRotatedWithANewSecret(t *testing.T, s *swarmStack) {
	s.settle(t)
	file := filepath.Join(s.dir, "secrets", "db_password")
	before, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	apps := s.containers(t, "app")
	out := s.mustRun(t, swarmRotate)
	after, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != 32 || string(after) == string(before) {
		t.Fatalf("secrets/db_password after the rotation: %d characters, changed: %v; want 32 new ones", len(after), string(after) != string(before))
	}
	want := "ALTER ROLE\n<id>\n" + s.name + "_app\n" + s.name + "_db\n" + s.name + "_db_password\n"
	if got := regexpSecretID.ReplaceAllString(out, "<id>"); got != want {
		t.Errorf("the rotation printed:\n%s\nwant:\n%s", got, want)
	}
	capture(t, "07-swarm", "rotate", s.name, swarmRotate, regexpSecretID.ReplaceAllString(out, "k0sjbs2oqgs1qtunzttkjgbzy"))
	// Both updates completed (a failed one rolls back and still exits 0), and every app task is
	// new: each read the new secret when it connected, at its start (INIT_DB).
	for _, service := range []string{"app", "db"} {
		if state := harness.MustDocker(t, "service", "inspect", s.name+"_"+service, "--format", "{{.UpdateStatus.State}}"); state != "completed" {
			t.Errorf("the %s service's update: %q, want completed", service, state)
		}
	}
	for _, id := range s.containers(t, "app") {
		if slices.Contains(apps, id) {
			t.Errorf("app container %.12s ran before the rotation and still does", id)
		}
	}
	inspected := s.mustRun(t, swarmDBSecret)
	wantSecrets := s.name + "_db: " + s.name + "_db_password_v2\n" + s.name + "_app: " + s.name + "_db_password_v2"
	if strings.TrimSpace(inspected) != wantSecrets {
		t.Errorf("the services' secrets: %q, want %q", inspected, wantSecrets)
	}
	// The app's image has no cat; its new tasks serve, so they logged in (INIT_DB, above).
	for _, id := range s.containers(t, "db") {
		if got := harness.MustDocker(t, "exec", id, "cat", "/run/secrets/db_password"); got != string(after) {
			t.Errorf("/run/secrets/db_password in the database's task %.12s is not the new password", id)
		}
	}
	harness.Poll(t, time.Minute, time.Second, func() error {
		code, _, err := harness.TryGet(s.url + "/api/v1/workers/5")
		if err != nil || code != 200 {
			return fmt.Errorf("GET /api/v1/workers/5 after the rotation: %d %v", code, err)
		}
		return nil
	})
	if got := s.mustRun(t, swarmSecrets); strings.Contains(got, s.name+"_db_password\n") || !strings.Contains(got, s.name+"_db_password_v2") {
		t.Errorf("docker secret ls after the rotation:\n%s\nwant %s_db_password_v2 and no %s_db_password", got, s.name, s.name)
	}

	// The next deploy: the stack file's secret is made again, from the new password, and
	// both services move to it (new tasks).
	apps, db := s.containers(t, "app"), s.containers(t, "db")
	deploy := s.mustRun(t, swarmDeploy2)
	capture(t, "07-swarm", "deploy-after-rotation", s.name, swarmDeploy2, regexpServiceID.ReplaceAllString(sortCreated(deploy), "(id: …)"))
	if !strings.Contains(deploy, "Creating secret "+s.name+"_db_password") {
		t.Errorf("the deploy after the rotation:\n%s\nwant it to create the stack's secret again", deploy)
	}
	wantSecrets = s.name + "_db: " + s.name + "_db_password\n" + s.name + "_app: " + s.name + "_db_password"
	if got := strings.TrimSpace(s.mustRun(t, swarmDBSecret)); got != wantSecrets {
		t.Errorf("the services' secrets after the deploy: %q, want %q", got, wantSecrets)
	}
	// No service names the rotation's secret any more: it can go at once, while the old
	// tasks, which have it, are still being replaced.
	rm := s.mustRun(t, swarmRmOldV2)
	capture(t, "07-swarm", "rm-old-secret", s.name, swarmRmOldV2, rm)
	if got := s.mustRun(t, swarmSecrets); strings.Contains(got, s.name+"_db_password_v2") {
		t.Errorf("docker secret ls after %s:\n%s", swarmRmOldV2, got)
	}
	harness.Poll(t, 3*time.Minute, time.Second, func() error {
		nowApps, nowDB := s.containers(t, "app"), s.containers(t, "db")
		if len(nowApps) != 3 || len(nowDB) != 1 || slices.Contains(db, nowDB[0]) {
			return fmt.Errorf("app %v, db %v: the update is not done", nowApps, nowDB)
		}
		for _, id := range nowApps {
			if slices.Contains(apps, id) {
				return fmt.Errorf("app container %.12s from before the deploy still runs", id)
			}
		}
		for _, service := range []string{"app", "db"} {
			if state := strings.TrimSpace(harness.Docker("service", "inspect", s.name+"_"+service, "--format", "{{.UpdateStatus.State}}").Stdout); state != "completed" {
				return fmt.Errorf("the %s service's update: %q", service, state)
			}
		}
		if code, _, err := harness.TryGet(s.url + "/api/v1/workers/5"); err != nil || code != 200 {
			return fmt.Errorf("GET /api/v1/workers/5 after the deploy: %d %v", code, err)
		}
		return nil
	})
}

// regexpServiceID is a service's id in the lines of docker stack deploy.
var regexpServiceID = regexp.MustCompile(`\(id: [0-9a-z]+\)`)

// The page's exercise: the deploy with .env's variables but no APP_TAG stops before it
// changes anything, naming the variable, with the stack file's hint.
func swarmExerciseDeployWithoutAppTag(t *testing.T, s *swarmStack) {
	command := strings.Replace(swarmDeploy, "APP_TAG=1 ", "", 1)
	out, err := s.run(t, command)
	capture(t, "07-swarm", "break-no-app-tag", s.name, command, out)
	if err == nil || !strings.Contains(out, "required variable APP_TAG is missing a value: set APP_TAG to the tag of the image to deploy") {
		t.Fatalf("deploy without APP_TAG: %v\n%s\nwant the stack file's error naming APP_TAG", err, out)
	}
	if got, want := s.runningImages(t), s.tag("2"); !slices.Equal(got, []string{want, want, want}) {
		t.Errorf("the failed deploy changed the app: its tasks run %v, want %s", got, want)
	}
}

// The page's exercise: a changed haproxy.cfg, deployed again under the same config name, is
// refused (a Swarm config cannot change), and the running proxy is kept.
func swarmExerciseChangedConfig(t *testing.T, s *swarmStack) {
	ex := exercise{"07-swarm", "break-config-change", "haproxy.cfg", "check inter 1s fall 2", "check inter 2s fall 2"}
	breakStage(t, ex) // the change, as git diff shows it
	file := filepath.Join(s.dir, ex.file)
	replaceOnce(t, file, ex.from, ex.to)
	defer replaceOnce(t, file, ex.to, ex.from)
	proxy := s.containers(t, "proxy")
	// The release Part 4 left running is 2.
	command := strings.Replace(swarmDeploy, "APP_TAG=1", "APP_TAG=2", 1)
	out, err := s.run(t, command)
	capture(t, "07-swarm", ex.name, s.name, command, out)
	if err == nil || !strings.Contains(out, "only updates to Labels are allowed") {
		t.Fatalf("deploy with a changed haproxy.cfg: %v\n%s\nwant Swarm's refusal to change the config", err, out)
	}
	if now := s.containers(t, "proxy"); !slices.Equal(now, proxy) {
		t.Errorf("the refused deploy replaced the proxy: %s, then %s", proxy, now)
	}
}
