package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"base-docker-and-compose/e2e/harness"
	"base-docker-and-compose/shared/worker"
)

// Stage 07 runs the production image as a Docker Swarm stack: the README's commands, on a
// single-node swarm of the engine under test.

// The README's commands, as it shows them; the tests run them with the stack's name in place
// of "workers" (stackCommand).
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
)

// swarmStack is a deployed copy of 07-swarm.
type swarmStack struct {
	dir, name string
	url       string // the proxy's published port, on 127.0.0.1
}

// run runs a README command with the stack's name in place of "workers", in the stage copy.
func (s *swarmStack) run(t *testing.T, command string) (string, error) {
	t.Helper()
	return shell(t, s.dir, nil, stackCommand(command, s.name))
}

func (s *swarmStack) mustRun(t *testing.T, command string) string {
	t.Helper()
	out, err := s.run(t, command)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return out
}

// stackCommand puts name in place of the stack name the README uses.
func stackCommand(command, name string) string {
	command = strings.ReplaceAll(command, "workers_", name+"_")
	return strings.ReplaceAll(command, "-c stack.yaml workers", "-c stack.yaml "+name)
}

// swarmMode puts the engine in swarm mode for the test, unless it is in one already, and
// leaves the swarm at the end when the test made it.
func swarmMode(t *testing.T) {
	t.Helper()
	state := harness.MustDocker(t, "info", "--format", "{{.Swarm.LocalNodeState}}")
	switch state {
	case "active":
		return
	case "inactive":
	default:
		t.Fatalf("the engine's swarm state is %q; want inactive or active", state)
	}
	harness.MustDocker(t, "swarm", "init", "--advertise-addr", "127.0.0.1")
	t.Cleanup(func() {
		if r := harness.Docker("swarm", "leave", "--force"); r.Err != nil {
			t.Errorf("docker swarm leave --force: %v\n%s", r.Err, r.Output())
		}
		// The network swarm init made for the engine's side of published ports stays behind
		// after leave; removed, it takes its firewall rules with it (see swarmnodes_test.go).
		harness.Docker("network", "rm", "docker_gwbridge")
	})
}

// stage07 deploys a copy of 07-swarm as the README does, and waits until its proxy answers.
func stage07(t *testing.T) *swarmStack {
	t.Helper()
	swarmMode(t)
	s := &swarmStack{dir: copyStage(t, "07-swarm"), name: harness.UniqueName(t)}
	initEnv(t, s.dir)
	port := harness.FreePort(t)
	setEnvValue(t, filepath.Join(s.dir, ".env"), "APP_PORT", strconv.Itoa(port))
	s.url = fmt.Sprintf("http://127.0.0.1:%d", port)

	s.mustRun(t, swarmBuild)
	t.Cleanup(func() { harness.Docker("image", "rm", "workers-api:1", "workers-api:2", "workers-api:3") })
	s.mustRun(t, swarmLabel)
	t.Cleanup(func() { removeStack(t, s.name) })
	capture(t, "07-swarm", "deploy", s.name, swarmDeploy, sortCreated(s.mustRun(t, swarmDeploy)))
	s.waitConverged(t, 3)
	return s
}

// sortCreated sorts the "Creating network" and the "Creating service" lines of a deploy's
// output among themselves: the deploy creates them in no fixed order.
func sortCreated(out string) string {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	for _, kind := range []string{"Creating network ", "Creating service "} {
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

// load sends GET requests to url from clients goroutines until stopped (at most limit), and
// counts the answers that are not 2xx and the requests that got no answer.
type load struct {
	requests, non2xx, failed atomic.Int64
	lastFailure              atomic.Value
	stop                     chan struct{}
	wg                       sync.WaitGroup
	started                  time.Time
}

func startLoad(url string, clients int, limit time.Duration) *load {
	l := &load{stop: make(chan struct{}), started: time.Now()}
	deadline := time.Now().Add(limit)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	for range clients {
		l.wg.Go(func() {
			for time.Now().Before(deadline) {
				select {
				case <-l.stop:
					return
				default:
				}
				l.requests.Add(1)
				resp, err := client.Get(url)
				if err != nil {
					l.failed.Add(1)
					l.lastFailure.Store(err.Error())
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode/100 != 2 {
					l.non2xx.Add(1)
					l.lastFailure.Store(resp.Status)
				}
			}
		})
	}
	return l
}

// end stops the load and fails the test on any failed request.
func (l *load) end(t *testing.T, what string) {
	t.Helper()
	close(l.stop)
	l.wg.Wait()
	t.Logf("%s: %d requests in %s through the proxy, %d answers not 2xx, %d with no answer",
		what, l.requests.Load(), time.Since(l.started).Round(time.Second), l.non2xx.Load(), l.failed.Load())
	if l.requests.Load() == 0 {
		t.Errorf("%s: no request was sent", what)
	}
	if l.non2xx.Load() != 0 || l.failed.Load() != 0 {
		t.Errorf("%s: %d answers not 2xx and %d requests with no answer (last: %v)", what, l.non2xx.Load(), l.failed.Load(), l.lastFailure.Load())
	}
}

// The stack as the README deploys it: 3 replicas behind the proxy, updated, rolled back and
// restarted under load with no failed request. The parts share one stack and run in order.
func TestStage07Swarm(t *testing.T) {
	s := stage07(t)
	t.Run("DeployServesThroughTheProxyAlone", func(t *testing.T) { swarmDeployServesThroughTheProxyAlone(t, s) })
	t.Run("SecretInNoInspectAndNoEnvironment", func(t *testing.T) { swarmSecretInNoInspectAndNoEnvironment(t, s) })
	t.Run("UpdateToANewTagFailsNoRequest", func(t *testing.T) { swarmUpdateFailsNoRequest(t, s, swarmUpdate, "update-image") })
	t.Run("ForcedUpdateFailsNoRequest", func(t *testing.T) { swarmUpdateFailsNoRequest(t, s, swarmForce, "update-force") })
	t.Run("FailedUpdateRollsBackByItself", func(t *testing.T) { swarmFailedUpdateRollsBackByItself(t, s) })
	t.Run("ExerciseDeployWithoutAppTag", func(t *testing.T) { swarmExerciseDeployWithoutAppTag(t, s) })
	t.Run("ExerciseChangedConfig", func(t *testing.T) { swarmExerciseChangedConfig(t, s) })
	t.Run("DataSurvivesTheDatabaseTaskRescheduled", func(t *testing.T) { swarmDataSurvivesTheDatabaseTaskRescheduled(t, s) })
}

func swarmDeployServesThroughTheProxyAlone(t *testing.T, s *swarmStack) {
	capture(t, "07-swarm", "services", s.name, swarmServices, s.mustRun(t, swarmServices))
	s.mustRun(t, swarmSeed)
	var workers []worker.Worker
	harness.GetJSON(t, s.url+"/api/v1/workers", 200, &workers)
	if len(workers) != len(worker.Dummies()) {
		t.Errorf("%d workers through the proxy after seed_db, want %d", len(workers), len(worker.Dummies()))
	}
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

// swarmUpdateFailsNoRequest runs an update command under load and checks that no request
// failed and that every replica runs workers-api:2 at the end.
func swarmUpdateFailsNoRequest(t *testing.T, s *swarmStack, command, name string) {
	if command == swarmUpdate {
		// The new release, built as the README says. Built from the same code it is the same
		// image under a new tag: a new version to Swarm all the same.
		s.mustRun(t, swarmBuild2)
	}
	before := s.containers(t, "app")
	l := startLoad(s.url+"/api/v1/workers", 8, 3*time.Minute)
	started := time.Now()
	out := s.mustRun(t, command)
	took := time.Since(started)
	time.Sleep(2 * time.Second) // and a moment after the last old task stopped
	l.end(t, fmt.Sprintf("%s (the update took %s)", name, took.Round(time.Second)))
	capture(t, "07-swarm", name, s.name, command, out)
	if got := s.runningImages(t); !slices.Equal(got, []string{"workers-api:2", "workers-api:2", "workers-api:2"}) {
		t.Errorf("the app's running tasks run %v, want workers-api:2 on all 3", got)
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
	if command == swarmUpdate {
		capture(t, "07-swarm", "tasks-after-update", s.name, swarmTasks, s.mustRun(t, swarmTasks))
	}
}

func swarmFailedUpdateRollsBackByItself(t *testing.T, s *swarmStack) {
	s.mustRun(t, swarmBuildBroken)
	l := startLoad(s.url+"/api/v1/workers", 8, 3*time.Minute)
	started := time.Now()
	out, err := s.run(t, swarmBroken)
	took := time.Since(started)
	l.end(t, fmt.Sprintf("failed update (rolled back in %s)", took.Round(time.Second)))
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	capture(t, "07-swarm", "update-broken", s.name, swarmBroken, out)
	status := s.mustRun(t, swarmStatus)
	capture(t, "07-swarm", "update-broken-status", s.name, swarmStatus, status)
	if !strings.HasPrefix(status, "workers-api:2: rollback_completed") {
		t.Errorf("after the failed update: %q, want workers-api:2, rollback_completed", status)
	}
	if got := s.runningImages(t); !slices.Equal(got, []string{"workers-api:2", "workers-api:2", "workers-api:2"}) {
		t.Errorf("the app's running tasks run %v after the rollback, want workers-api:2 on all 3", got)
	}
}

// swarmDataSurvivesTheDatabaseTaskRescheduled: the rows seed_db wrote (first part) are there
// after the database's container is killed and Swarm starts a new task, on the node, and the
// volume, of the old one. Nothing else writes them: the app only creates missing tables.
func swarmDataSurvivesTheDatabaseTaskRescheduled(t *testing.T, s *swarmStack) {
	filter := "label=com.docker.swarm.service.name=" + s.name + "_db"
	old := harness.MustDocker(t, "ps", "-q", "--filter", filter)
	harness.MustDocker(t, "kill", old)
	started := time.Now()
	harness.Poll(t, 2*time.Minute, time.Second, func() error {
		now := strings.TrimSpace(harness.Docker("ps", "-q", "--filter", filter).Stdout)
		if now == "" || now == old {
			return fmt.Errorf("no new database task yet")
		}
		code, data, err := harness.TryGet(s.url + "/api/v1/workers")
		if err != nil || code != 200 {
			return fmt.Errorf("GET /api/v1/workers: %d %v", code, err)
		}
		var workers []worker.Worker
		if err := json.Unmarshal(data, &workers); err != nil {
			return err
		}
		if len(workers) != len(worker.Dummies()) {
			return fmt.Errorf("%d workers, want the %d written before the kill", len(workers), len(worker.Dummies()))
		}
		return nil
	})
	t.Logf("the database task was replaced and served the rows again %s after the kill", time.Since(started).Round(time.Second))
}

// The page's exercise: the deploy with .env's variables but no APP_TAG stops before it
// changes anything, naming the variable, with the stack file's hint.
func swarmExerciseDeployWithoutAppTag(t *testing.T, s *swarmStack) {
	command := strings.Replace(swarmDeploy, "APP_TAG=1 ", "", 1)
	out, err := s.run(t, command)
	capture(t, "07-swarm", "break-no-app-tag", s.name, command, out)
	if err == nil || !strings.Contains(out, "required variable APP_TAG is missing a value: set APP_TAG to the tag of the image to deploy") {
		t.Fatalf("deploy without APP_TAG: %v\n%s\nwant the stack file's error naming APP_TAG", err, out)
	}
	if got := s.runningImages(t); !slices.Equal(got, []string{"workers-api:2", "workers-api:2", "workers-api:2"}) {
		t.Errorf("the failed deploy changed the app: its tasks run %v", got)
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
