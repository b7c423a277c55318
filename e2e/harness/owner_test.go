package harness

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestParseOwner(t *testing.T) {
	tests := []struct {
		in   string
		want owner
		ok   bool
	}{
		{in: "4242@0123456789ab.4026531836@1765075200", want: owner{pid: 4242, space: "0123456789ab.4026531836", start: 1765075200}, ok: true},
		{in: "4242@mac-mini.local@1765075200\n", want: owner{pid: 4242, space: "mac-mini.local", start: 1765075200}, ok: true},
		{in: "4242", want: owner{pid: 4242}, ok: true}, // a label written before spaces were recorded
		{in: " 4242\n", want: owner{pid: 4242}, ok: true},
		{in: "", ok: false},
		{in: "0", ok: false},
		{in: "-3", ok: false},
		{in: "x@y@1", ok: false},
		{in: "4242@@1765075200", ok: false},
		{in: "4242@space", ok: false},
		{in: "4242@space@soon", ok: false},
		{in: "4242@space@1@2", ok: false},
	}
	for _, tt := range tests {
		got, ok := parseOwner(tt.in)
		if ok != tt.ok || got != tt.want {
			t.Errorf("parseOwner(%q) = %+v, %v; want %+v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	if got, ok := parseOwner(self.String()); !ok || got != self {
		t.Errorf("parseOwner(%q) = %+v, %v; want this run, %+v", self.String(), got, ok, self)
	}
	if want := OwnerLabel + "=" + self.String(); Owner() != want {
		t.Errorf("Owner() = %q, want %q", Owner(), want)
	}
}

func TestSpaceOf(t *testing.T) {
	tests := []struct{ ns, boot, host, want string }{
		{"pid:[4026531836]", "3f2a9c1d-0b7e-4c55-9a0e-123456789abc\n", "box", "3f2a9c1d0b7e.4026531836"},
		// A container of the same machine: same boot, its own namespace.
		{"pid:[4026532301]", "3f2a9c1d-0b7e-4c55-9a0e-123456789abc\n", "c0ffee", "3f2a9c1d0b7e.4026532301"},
		// Another machine's first namespace has the same inode, not the same boot.
		{"pid:[4026531836]", "77aa9c1d-0b7e-4c55-9a0e-123456789abc\n", "box", "77aa9c1d0b7e.4026531836"},
		// macOS: no /proc.
		{"", "", "mac-mini.local", "mac-mini.local"},
		{"", "", "", "unknown"},
		{"pid:[4026531836]", "", "box", "box"},
	}
	for _, tt := range tests {
		if got := spaceOf(tt.ns, tt.boot, tt.host); got != tt.want {
			t.Errorf("spaceOf(%q, %q, %q) = %q, want %q", tt.ns, tt.boot, tt.host, got, tt.want)
		}
		if got := spaceOf(tt.ns, tt.boot, tt.host); strings.Contains(got, "@") {
			t.Errorf("spaceOf gives %q: an @ would break the label", got)
		}
	}
	if self.space == "" || self.space == "unknown" {
		t.Errorf("this run's space is %q", self.space)
	}
}

func TestOwnerOfProject(t *testing.T) {
	tests := map[string]int{
		"bdc-e2e-4242-3-teststage03": 4242,
		"bdc-e2e-x-3":                0,
		"03-compose":                 0,
	}
	for name, want := range tests {
		if got := ownerOfProject(name); got != want {
			t.Errorf("ownerOfProject(%q) = %d, want %d", name, got, want)
		}
	}
}

func TestAliveTakesEPERMAsAlive(t *testing.T) {
	tests := []struct {
		pid  int
		err  error
		want bool
	}{
		{pid: 4242, err: nil, want: true},
		{pid: 4242, err: syscall.EPERM, want: true}, // another user's process
		{pid: 4242, err: syscall.ESRCH, want: false},
		{pid: 0, err: nil, want: false},
		{pid: -1, err: nil, want: false},
		{pid: os.Getpid(), err: syscall.ESRCH, want: true},
	}
	for _, tt := range tests {
		kill := func(int, syscall.Signal) error { return tt.err }
		if got := aliveBy(tt.pid, kill); got != tt.want {
			t.Errorf("alive(%d) when kill says %v = %v, want %v", tt.pid, tt.err, got, tt.want)
		}
	}
	// For real, where this process may not signal pid 1 (not root).
	if syscall.Kill(1, 0) == syscall.EPERM && !alive(1) {
		t.Error("alive(1) = false: another user's process counts as dead, and its run's resources would be swept")
	}
}

func TestOwnerLive(t *testing.T) {
	here := "3f2a9c1d0b7e.4026531836"
	dead := func(int) bool { return false }
	live := func(int) bool { return true }
	tests := []struct {
		o     owner
		alive func(int) bool
		want  bool
	}{
		{owner{pid: 10, space: here, start: 1}, dead, false},
		{owner{pid: 10, space: here, start: 1}, live, true},
		{owner{pid: 10, start: 0}, dead, false}, // an old plain-pid label: this machine's
		{owner{pid: 10, start: 0}, live, true},
		// Another PID namespace (a dev container with the socket), another machine: its pid
		// cannot be asked about here.
		{owner{pid: 10, space: "3f2a9c1d0b7e.4026532301", start: 1}, dead, true},
		{owner{pid: 10, space: "mac-mini.local", start: 1}, dead, true},
	}
	for _, tt := range tests {
		if got := tt.o.live(here, tt.alive); got != tt.want {
			t.Errorf("%+v.live(%q) = %v, want %v", tt.o, here, got, tt.want)
		}
	}
}

func TestSweeperRemovesOnlyWhatIsOlderThanTheOldestLiveRun(t *testing.T) {
	here := "3f2a9c1d0b7e.4026531836"
	const now = 1765075200
	alivePids := map[int]bool{100: true}
	s := newSweeper([]string{
		"100@" + here + "@" + itoa(now-3600), // live, here, an hour old: the oldest live run
		"200@" + here + "@" + itoa(now-7200), // dead, here: does not count
		"300@otherspace.1@" + itoa(now-600),  // another space's run, live by rule
		"garbage", "", "400",
	}, here, func(pid int) bool { return alivePids[pid] }, owner{pid: 500, space: here, start: now})
	if want := time.Unix(now-3600, 0); !s.oldestLive.Equal(want) {
		t.Fatalf("oldest live run started %v, want %v", s.oldestLive, want)
	}
	old, recent := time.Unix(now-5000, 0), time.Unix(now-60, 0)
	label := []struct {
		value   string
		created time.Time
		want    bool
	}{
		{"200@" + here + "@" + itoa(now-7200), old, true},     // dead, made before every live run
		{"200@" + here + "@" + itoa(now-7200), recent, false}, // dead, but made after a live run started
		{"100@" + here + "@" + itoa(now-3600), old, false},    // live
		{"300@otherspace.1@" + itoa(now-600), old, false},     // another space's
		{"200", old, true},      // an old plain-pid label, dead
		{"100", old, false},     // an old plain-pid label, live
		{"garbage", old, false}, // not a run's
		{"200@" + here + "@" + itoa(now-7200), time.Time{}, false}, // no creation time
	}
	for _, tt := range label {
		if got := s.deadLabel(tt.value, tt.created); got != tt.want {
			t.Errorf("deadLabel(%q, %v) = %v, want %v", tt.value, tt.created, got, tt.want)
		}
	}
	name := []struct {
		name    string
		created time.Time
		want    bool
	}{
		{"bdc-e2e-200-4-teststage07swarm-api:1", old, true},
		{"bdc-e2e-200-4-teststage07swarm", recent, false},
		{"bdc-e2e-100-4-teststage07swarm", old, false},
		// pid 300 is dead here, but a live run of another space has that pid.
		{"bdc-e2e-300-4-teststage03", old, false},
		{"workers-api:1", old, false}, // a learner's
		{"bdc-e2e-x-1", old, false},
	}
	for _, tt := range name {
		if got := s.deadName(tt.name, tt.created); got != tt.want {
			t.Errorf("deadName(%q, %v) = %v, want %v", tt.name, tt.created, got, tt.want)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
