package harness

import (
	"os"
	"testing"
)

func TestLoopbackAddr(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{in: "127.0.0.1:49153\n", want: "127.0.0.1:49153"},
		{in: "0.0.0.0:49153", wantErr: true},
		{in: "[::]:49153", wantErr: true},
		{in: "172.17.0.2:8080", wantErr: true},
		{in: "127.0.0.1:0", wantErr: true},
		{in: "", wantErr: true},
	}
	for _, tt := range tests {
		got, err := loopbackAddr(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("loopbackAddr(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
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

func TestAlive(t *testing.T) {
	if !alive(os.Getpid()) {
		t.Error("this process is not alive")
	}
	for _, pid := range []int{0, -1} {
		if alive(pid) {
			t.Errorf("alive(%d) = true; a leftover labelled with it would never be swept", pid)
		}
	}
}
