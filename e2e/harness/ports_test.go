package harness

import (
	"sync"
	"testing"
)

// Parallel tests ask FreePort at once: no two get the same port, and none is a port the
// pages publish.
func TestFreePortConcurrently(t *testing.T) {
	const tests, each = 8, 25
	got := make([][]int, tests)
	var wg sync.WaitGroup
	for i := range tests {
		wg.Go(func() {
			for range each {
				got[i] = append(got[i], FreePort(t))
			}
		})
	}
	wg.Wait()
	seen := map[int]bool{}
	for _, ports := range got {
		for _, port := range ports {
			if seen[port] {
				t.Errorf("port %d given twice", port)
			}
			if pagePorts[port] {
				t.Errorf("port %d is one the pages publish", port)
			}
			seen[port] = true
		}
	}
	if len(seen) != tests*each {
		t.Errorf("%d ports, want %d", len(seen), tests*each)
	}
}

// Where the kernel's ephemeral range starts low, the range below it holds the pages' ports,
// which FreePort still never gives: of 6059, 6060 and 6061, two draws give 6059 and 6061.
func TestFreePortSkipsThePagesPorts(t *testing.T) {
	got := map[int]bool{freePortBetween(t, 6059, 6062): true, freePortBetween(t, 6059, 6062): true}
	if !got[6059] || !got[6061] {
		t.Errorf("two ports of FreePort between 6059 and 6061: %v, want 6059 and 6061", got)
	}
}
