package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
)

// jsonUnmarshal is json.Unmarshal with the body in the error, for Eventually's messages.
func jsonUnmarshal(body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("%w: %s", err, body)
	}
	return nil
}

// grepLines keeps the lines of text that contain pattern, as grep does.
func grepLines(text, pattern string) string {
	var kept []string
	for _, line := range strings.Split(text, "\n") {
		if strings.Contains(line, pattern) {
			kept = append(kept, line)
		}
	}
	return strings.Join(kept, "\n")
}
