#!/usr/bin/env bash
# Runs a command inside a network and mount namespace of its own: the live tier's private
# "cluster network". Nothing the command does reaches the machine's network: the namespace has
# only its own loopback, plus the veth pairs the tests create to their pod namespaces.
#
#   10.200.0.1       the node's address (API server, kwok's node), on lo
#   10.96.0.0/16     Service ClusterIPs, local on lo (the tests' Service proxy listens there)
#   10.244.0.0/16    pod addresses, one network namespace and veth pair per running pod
#   /etc/hosts       a private, writable copy (path in HEPAF_LIVE_HOSTS): the tests' DNS
#   /run             a private tmpfs (so `ip netns` leaves nothing behind on the machine)
#   PIDs             a PID namespace of its own: nothing started in here outlives the command
#
# Usage: scripts/live-netns.sh COMMAND [ARG...]
# Needs util-linux unshare and iproute2; runs as root, or as a user with user namespaces.
set -euo pipefail

if [ "${HEPAF_LIVE_NETNS:-}" != "inside" ]; then
  command -v unshare >/dev/null || { echo "live-netns: FAILED: 'unshare' (util-linux) is not on PATH" >&2; exit 1; }
  command -v ip >/dev/null || { echo "live-netns: FAILED: 'ip' (iproute2) is not on PATH" >&2; exit 1; }
  userns=()
  [ "$(id -u)" = 0 ] || userns=(--user --map-root-user)
  exec env HEPAF_LIVE_NETNS=inside unshare "${userns[@]}" --net --mount --pid --mount-proc --propagation private --fork -- bash "$0" "$@"
fi

ip link set lo up
ip addr add 10.200.0.1/32 dev lo
ip route add local 10.96.0.0/16 dev lo
echo 1 >/proc/sys/net/ipv4/ip_forward
mount -t tmpfs -o mode=0755 hepaf-live-run /run
mkdir -p /run/netns /run/hepaf-live
hosts=/run/hepaf-live/hosts
# The machine's own name resolves (as on any host): programs that look it up (HTCondor's
# bindings do at import) would otherwise wait for a DNS server that is not there.
printf '127.0.0.1\tlocalhost\n::1\tlocalhost\n10.200.0.1\thepaf-live-node %s\n' "$(hostname)" >"$hosts"
mount --bind "$hosts" /etc/hosts
export HEPAF_LIVE_HOSTS="$hosts" HEPAF_LIVE_NODE_IP=10.200.0.1
# Nothing in here may talk to a proxy of the machine's.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
# This shell is PID 1 of the namespace's own PID namespace: when it exits, the kernel ends
# every process still in there, so nothing a test started can outlive the run.
"$@"
