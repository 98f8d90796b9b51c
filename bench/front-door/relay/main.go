// The front-door bench's floor: the least a TCP relay can do. It accepts on one address and
// connects every connection to one backend, copying both ways with io.Copy between
// *net.TCPConn values, which the Go runtime does with splice(2) on Linux (the bytes never
// enter this process). It reads nothing of the stream (no SNI parsing: it routes one name
// only), so it is the floor a relay that must read the ClientHello cannot go below.
//
// Usage: relay LISTEN_ADDR BACKEND_ADDR
package main

import (
	"fmt"
	"io"
	"net"
	"os"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: relay LISTEN_ADDR BACKEND_ADDR")
		os.Exit(2)
	}
	ln, err := net.Listen("tcp", os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "relay:", err)
		os.Exit(1)
	}
	fmt.Println("relay: listening on", ln.Addr())
	for {
		c, err := ln.Accept()
		if err != nil {
			fmt.Fprintln(os.Stderr, "relay: accept:", err)
			os.Exit(1)
		}
		go relay(c.(*net.TCPConn), os.Args[2])
	}
}

// relay copies client <-> backend until both directions have ended.
func relay(client *net.TCPConn, backend string) {
	defer client.Close()
	b, err := net.Dial("tcp", backend)
	if err != nil {
		fmt.Fprintln(os.Stderr, "relay: dial:", err)
		return
	}
	server := b.(*net.TCPConn)
	defer server.Close()
	done := make(chan struct{})
	go func() {
		copyHalf(server, client)
		close(done)
	}()
	copyHalf(client, server)
	<-done
}

// copyHalf copies src to dst (splice between two TCP sockets) and then half-closes dst.
func copyHalf(dst, src *net.TCPConn) {
	_, _ = io.Copy(dst, src)
	_ = dst.CloseWrite()
}
