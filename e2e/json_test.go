package e2e

import (
	"encoding/json"
	"fmt"
)

// jsonUnmarshal is json.Unmarshal with the body in the error, for Eventually's messages.
func jsonUnmarshal(body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("%w: %s", err, body)
	}
	return nil
}
