// Command acmesolver answers one ACME HTTP-01 challenge with cert-manager's own solver
// (pkg/issuer/acme/http/solver), taking the flags cert-manager's solver pods are started with.
// It is the entrypoint of the live tier's double of the cert-manager-acmesolver image; the
// release's own command is in a module the Go module proxy does not serve.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/cert-manager/cert-manager/pkg/issuer/acme/http/solver"
	logf "github.com/cert-manager/cert-manager/pkg/logs"
)

func main() {
	s := &solver.HTTP01Solver{}
	flag.IntVar(&s.ListenPort, "listen-port", 8089, "port to listen on")
	flag.StringVar(&s.Domain, "domain", "", "the domain name to answer for")
	flag.StringVar(&s.Token, "token", "", "the challenge token")
	flag.StringVar(&s.Key, "key", "", "the challenge key")
	flag.Parse()
	logf.InitLogs()
	defer logf.FlushLogs()
	if err := s.Listen(logf.Log); err != nil {
		fmt.Fprintln(os.Stderr, "acmesolver:", err)
		os.Exit(1)
	}
}
