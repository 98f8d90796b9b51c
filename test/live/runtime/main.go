// The container-start step of the live tier's kubelet double, standing in for a container
// runtime's init (runc init, crun): runs in the pod's network namespace, enters the container's
// root filesystem (an overlay on the image's unpacked layers, volumes mounted in it), takes the
// container's user, groups and capabilities, changes to its working directory, finds argv[0]
// on the container's PATH inside that root, and replaces itself by the image's program with
// exactly the container's environment. It needs nothing inside the image: an image made FROM
// scratch runs as well as one with a shell.
//
// Usage: runtime-double --root DIR --uid N --gid N [--groups A,B] [--cwd DIR] [--drop-caps]
//
//	[--no-new-privs] [--env K=V]... -- ARGV...
package main

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
)

const (
	prCapbsetDrop   = 24 // PR_CAPBSET_DROP
	prSetNoNewPrivs = 38 // PR_SET_NO_NEW_PRIVS
	lastCap         = 63
)

func die(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "runtime-double: "+format+"\n", args...)
	os.Exit(127)
}

func main() {
	// Capability and no_new_privs settings belong to a thread: keep this one to the exec.
	runtime.LockOSThread()
	var root, cwd string
	uid, gid := -1, -1
	var groups []int
	var env []string
	dropCaps, noNewPrivs := false, false
	args := os.Args[1:]
	for len(args) > 0 && args[0] != "--" {
		flag := args[0]
		value := func() string {
			if len(args) < 2 {
				die("%s needs a value", flag)
			}
			args = args[1:]
			return args[0]
		}
		switch flag {
		case "--root":
			root = value()
		case "--cwd":
			cwd = value()
		case "--uid":
			uid = atoi(flag, value())
		case "--gid":
			gid = atoi(flag, value())
		case "--groups":
			for _, g := range strings.Split(value(), ",") {
				if g != "" {
					groups = append(groups, atoi(flag, g))
				}
			}
		case "--env":
			env = append(env, value())
		case "--drop-caps":
			dropCaps = true
		case "--no-new-privs":
			noNewPrivs = true
		default:
			die("unknown flag %s", flag)
		}
		args = args[1:]
	}
	if len(args) < 2 || root == "" || uid < 0 || gid < 0 {
		die("usage: --root DIR --uid N --gid N [...] -- ARGV...")
	}
	argv := args[1:]
	if err := syscall.Chroot(root); err != nil {
		die("chroot %s: %v", root, err)
	}
	if err := syscall.Chdir("/"); err != nil {
		die("chdir /: %v", err)
	}
	if err := syscall.Setgroups(groups); err != nil {
		die("setgroups: %v", err)
	}
	if dropCaps {
		for c := 0; c <= lastCap; c++ {
			if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prCapbsetDrop, uintptr(c), 0); errno != 0 && errno != syscall.EINVAL {
				die("dropping capability %d: %v", c, errno)
			}
		}
	}
	if noNewPrivs {
		if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetNoNewPrivs, 1, 0); errno != 0 {
			die("no_new_privs: %v", errno)
		}
	}
	if err := syscall.Setgid(gid); err != nil {
		die("setgid %d: %v", gid, err)
	}
	if err := syscall.Setuid(uid); err != nil {
		die("setuid %d: %v", uid, err)
	}
	if cwd != "" {
		if err := syscall.Chdir(cwd); err != nil {
			die("chdir to the working directory %s: %v", cwd, err)
		}
	}
	// argv[0] on the container's PATH, looked up inside the root, as the container's user.
	prog := argv[0]
	if !strings.Contains(prog, "/") {
		os.Setenv("PATH", lookupEnv(env, "PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"))
		found, err := exec.LookPath(prog)
		if err != nil {
			die("exec: %q: executable file not found in $PATH", prog)
		}
		prog = found
	}
	if err := syscall.Exec(prog, argv, env); err != nil {
		die("exec %s: %v", prog, err)
	}
}

func atoi(flag, s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		die("%s: %q is not a non-negative integer", flag, s)
	}
	return n
}

func lookupEnv(env []string, key, fallback string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if strings.HasPrefix(env[i], key+"=") {
			return env[i][len(key)+1:]
		}
	}
	return fallback
}
