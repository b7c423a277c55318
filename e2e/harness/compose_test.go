package harness

import (
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
