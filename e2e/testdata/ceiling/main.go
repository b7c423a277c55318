// Command ceiling answers every request with one fixed body, the app's own list of workers
// read from /body.json at start: the most any Go server can do for that answer through the
// same Docker path. `make bench` compares the app with it (e2e/benchceiling_test.go).
package main

import (
	"log"
	"net/http"
	"os"
	"time"
)

func main() {
	body, err := os.ReadFile("/body.json")
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{
		Addr:              ":8080",
		ReadHeaderTimeout: 5 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			_, _ = w.Write(body)
		}),
	}
	log.Fatal(srv.ListenAndServe())
}
