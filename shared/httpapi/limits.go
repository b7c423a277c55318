package httpapi

import (
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"
)

// What one request may carry. The API reads only small JSON bodies (a worker to add) and
// needs no long URL or big header, so the limits are those of common reverse proxies: a
// client that hits one is broken or hostile, and gets a JSON error that names the limit.
//
// net/http checks first, before any handler runs, and answers in plain text: a request line
// and headers over http.Server.MaxHeaderBytes (server.go) get 431, and bytes that are not
// HTTP at all get 400, then the connection is closed. There is no request to route then,
// so no JSON either; MaxHeaderBytes is set well above these limits so that every request
// that is HTTP gets the API's own JSON answer.
const (
	MaxURLBytes    = 8 << 10  // the request target: path and query
	MaxHeaderBytes = 32 << 10 // every header name and value
	MaxBodyBytes   = 1 << 20  // a request body, whether it says its length or is chunked
)

var (
	errURLTooLong      = fmt.Errorf("the URL is longer than %d bytes", MaxURLBytes)
	errHeadersTooLarge = fmt.Errorf("the request headers are larger than %d bytes", MaxHeaderBytes)
	errBodyTooLarge    = fmt.Errorf("the request body is larger than %d bytes", MaxBodyBytes)
)

// limitRequests stops a request over a limit before it is routed: renderErrors answers it.
func limitRequests() gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := checkLimits(c.Request); err != nil {
			_ = c.Error(err)
			c.Abort()
			return
		}
		// A body sent in chunks has no length to check: reading past the limit fails.
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, MaxBodyBytes)
		c.Next()
	}
}

func checkLimits(r *http.Request) error {
	if len(r.RequestURI) > MaxURLBytes {
		return errURLTooLong
	}
	size := 0
	for name, values := range r.Header {
		for _, v := range values {
			size += len(name) + len(v) + len(": \r\n")
		}
	}
	if size > MaxHeaderBytes {
		return errHeadersTooLarge
	}
	if r.ContentLength > MaxBodyBytes {
		return errBodyTooLarge
	}
	return nil
}
