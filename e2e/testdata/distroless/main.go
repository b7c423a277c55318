// Prints what a program on a distroless runtime relies on: its user, the passwd entry,
// the CA bundle and the time zone database.
package main

import (
	"crypto/x509"
	"fmt"
	"os"
	"os/user"
	"time"
)

func main() {
	u, err := user.LookupId(fmt.Sprint(os.Getuid()))
	if err != nil {
		fail(err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		fail(err)
	}
	if _, err := time.LoadLocation("Europe/Rome"); err != nil {
		fail(err)
	}
	_, shellErr := os.Stat("/bin/sh")
	fmt.Printf("uid=%d user=%s home=%s certs=%t tz=ok shell=%t\n",
		os.Getuid(), u.Username, u.HomeDir, len(pool.Subjects()) > 0, shellErr == nil) //nolint:staticcheck // only a count
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
