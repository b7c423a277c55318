//go:build bench

package harness

import "testing"

func TestMedian(t *testing.T) {
	for _, tt := range []struct {
		xs   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{3}, 3},
		{[]float64{5, 1, 3}, 3},
		{[]float64{4, 1, 3, 2}, 2.5},
	} {
		if got := Median(tt.xs); got != tt.want {
			t.Errorf("Median(%v) = %v, want %v", tt.xs, got, tt.want)
		}
	}
}

func TestStatusMiB(t *testing.T) {
	status := "Name:\tapp\nVmPeak:\t  1 kB\nVmRSS:\t    9216 kB\nRssAnon:\t    2048 kB\nThreads:\t5\n"
	for field, want := range map[string]float64{"VmRSS": 9, "RssAnon": 2} {
		if got, err := StatusMiB(status, field); err != nil || got != want {
			t.Errorf("StatusMiB(%s) = %v, %v; want %v", field, got, err, want)
		}
	}
	if _, err := StatusMiB("Name:\tapp\n", "VmRSS"); err == nil {
		t.Errorf("StatusMiB of a status without VmRSS: no error")
	}
}

const wrkOutput = `Running 10s test @ http://127.0.0.1:8080/api/v1/workers
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   635.91us    1.09ms  26.41ms   92.57%
    Req/Sec    15.67k     1.23k   18.33k    73.00%
  Latency Distribution
     50%  302.00us
     75%  521.00us
     90%    1.25ms
     99%    1.05s
  311881 requests in 10.00s, 38.37MB read
  Non-2xx or 3xx responses: 3
  Socket errors: connect 0, read 1, write 0, timeout 2
Requests/sec:  31187.05
Transfer/sec:      3.84MB
`

func TestParseWrk(t *testing.T) {
	r, err := ParseWrk(wrkOutput)
	if err != nil {
		t.Fatal(err)
	}
	want := WrkResult{Requests: 311881, RPS: 31187.05, P50: 0.302, P99: 1050, Errors: 6}
	if r != want {
		t.Errorf("ParseWrk = %+v, want %+v", r, want)
	}
	if _, err := ParseWrk("wrk: command failed"); err == nil {
		t.Errorf("ParseWrk of a failure: no error")
	}
}
