#!/usr/bin/env bash
# Containers on the overlay, two cluster nodes (network namespaces on one bridge, 198.18.3.0/24), each
# with its own dockerd (docker.io) whose network plugin is its node's overlayd. It measures, in one run:
#   attach:     from `docker run -d` of a container on node 1 until that container's first ping of a
#               container on node 2 is answered (dockerd's FinishedAt of a container whose command is
#               that ping loop), RUNS times (default 20): median and worst; with overlayd as each
#               dockerd's authorization plugin, so every start waits for the attach;
#   RTT:        ping (50 × 10 ms) container to container across the nodes, beside node to node over
#               the overlay and host to host on the bare underlay;
#   throughput: iperf3 TCP (SECONDS, default 5) on the same three paths (iperf3 runs in the
#               container's network namespace through nsenter: busybox has none).
# Usage: bench/containers.sh [--runs N] [--seconds S] [--no-build]
# It removes everything it made, also on Ctrl-C. Needs root, docker.io, busybox-static, iperf3,
# wireguard-tools, nftables.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
runs=20 seconds=5 build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift ;;
    --seconds) seconds=$2; shift ;;
    --no-build) build=0 ;;
    *) echo "usage: $0 [--runs N] [--seconds S] [--no-build]" >&2; exit 2 ;;
  esac
  shift
done
[ "$build" = 1 ] && ./mvnw -q -pl cli -am package -DskipTests
dir=$(mktemp -d /tmp/overlayd-containers.XXXXXX)
docker_root=$dir sw=ovk-sw pfx=ovk
. "$top/bench/.container-hosts"
cleanup() { docker_hosts_down; switch_cleanup; }
trap cleanup EXIT INT TERM

container_hosts_up ovk1 ovk2 198.18.3
# The guaranteed path: each dockerd holds a container's start until its overlayd has attached it.
for h in ovk1 ovk2; do docker_authz_on $h; done
target=$(container_up ovk2 target)
echo "target container on node 2: $target; $runs containers started on node 1..." >&2

times=()
for i in $(seq 1 "$runs"); do
  t0=$(date +%s.%N)
  docker_on ovk1 run -d --init --name probe$i local/busybox sh -c "until ping -c 1 -W 1 $target >/dev/null 2>&1; do :; done" >/dev/null
  docker_on ovk1 wait probe$i >/dev/null
  done_at=$(date -d "$(docker_on ovk1 inspect -f '{{.State.FinishedAt}}' probe$i)" +%s.%N)
  times+=("$(awk -v a="$t0" -v b="$done_at" 'BEGIN { printf "%.3f", b - a }')")
  docker_on ovk1 rm probe$i >/dev/null
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
median=$(echo "$sorted" | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
worst=$(echo "$sorted" | tail -1)

container_up ovk1 source >/dev/null
src_pid=$(container_pid ovk1 source)
dst_pid=$(container_pid ovk2 target)
# path name, how to run a command at the client end, at the server end, the server's address
measure() {
  local name=$1 client=$2 server=$3 address=$4
  $server iperf3 -s -1 -D -p 5201 >/dev/null 2>&1; sleep 0.5
  local tp rtt
  tp=$($client iperf3 -c "$address" -p 5201 -t "$seconds" -J 2>/dev/null \
    | python3 -c 'import json,sys; print("%.0f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e6))')
  rtt=$($client ping -q -c 50 -i 0.01 "$address" | awk -F/ '/rtt|round-trip/ { print $5 }')
  printf '%-34s %8s Mbit/s   rtt %s ms\n' "$name" "$tp" "$rtt"
}
printf '%-34s median %s s, worst %s s of %s\n' "docker run → reaches node 2's container" "$median" "$worst" "$runs"
measure "host to host (underlay)" "ip netns exec ovk1" "ip netns exec ovk2" 198.18.3.2
measure "node to node (overlay)" "ip netns exec ovk1" "ip netns exec ovk2" 100.64.1.1
measure "container to container (overlay)" "nsenter --net=/proc/$src_pid/ns/net" "nsenter --net=/proc/$dst_pid/ns/net" "$target"
