#!/usr/bin/env bash
# Service discovery on N test hosts (default 10; network namespaces on one bridge, 198.18.4.0/24),
# of which only node 1 runs a dockerd (docker.io): for each membership backend, RUNS times (default
# 50, after one more that is cold and reported apart) a container with a service of its own is started on node 1, and the time is taken from
# `docker run` returning until every node's DNS server answers the new instance, then from `docker
# stop` returning until every node answers NXDOMAIN (bench/discovery-probe.py asks them all from
# node 1's namespace, over the overlay, a thread per node). Then what the changes cost the last node
# when nobody asks it: the same number of starts and stops again, and the bytes it received on the
# underlay and its overlayd's CPU time meanwhile, beyond what the same time idle costs it.
# Usage: bench/discovery.sh [-n HOSTS] [--runs N] [--backend embedded|etcd|both] [--no-build]
# It removes everything it made, also on Ctrl-C. Needs root, docker.io, busybox-static, etcd-server,
# wireguard-tools, nftables, python3-dnspython.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
n=10 runs=50 backends="embedded etcd" build=1
while [ $# -gt 0 ]; do
  case "$1" in
    -n) n=$2; shift ;;
    --runs) runs=$2; shift ;;
    --backend) backends=$2; [ "$2" = both ] && backends="embedded etcd"; shift ;;
    --no-build) build=0 ;;
    *) echo "usage: $0 [-n HOSTS] [--runs N] [--backend embedded|etcd|both] [--no-build]" >&2; exit 2 ;;
  esac
  shift
done
/usr/bin/python3 -c 'import dns.message' 2>/dev/null || { echo "needs python3-dnspython (apt-get install python3-dnspython)" >&2; exit 2; }
[ "$build" = 1 ] && ./mvnw -q -pl cli -am package -DskipTests
dir=$(mktemp -d /tmp/overlayd-discovery.XXXXXX)
docker_root=$dir
sw=ovd-sw
. "$top/bin/.docker-hosts"
. "$top/bench/.switch-hosts"
down() {
  docker_hosts_down
  for ns in $(ip netns list | awk '/^ovd/{print $1}'); do
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  done
  rm -f /var/run/wireguard/ovd*.sock /var/run/overlayd/ovd*.sock
}
trap 'down; rm -rf "$dir"' EXIT INT TERM

# counters: the bytes node n received on its underlay so far, and the CPU seconds its overlayd used.
counters() {
  local pid p
  for p in $(ip netns pids ovd$n); do grep -q dev.overlayd /proc/$p/cmdline 2>/dev/null && pid=$p; done
  echo "$(cat /sys/class/net/ovd-u$n/statistics/rx_bytes 2>/dev/null || ip netns exec ovd$n cat /sys/class/net/ovd-u$n/statistics/rx_bytes) \
$(awk '{ print ($14 + $15) / 100 }' /proc/$pid/stat)"
}

run_backend() {
  local backend=$1 i ns membership seeds
  rm -rf "$dir"/ovd* "$dir/ca" "$dir/etcd"
  switch_up
  ip -n $sw addr add 198.18.4.254/24 dev br0
  if [ "$backend" = etcd ]; then
    switch_etcd 198.18.4.254
    # Plaintext, as the benchmark measures discovery itself; a deployment uses TLS (README).
    membership="  backend: etcd
  etcd: {endpoints: [\"http://198.18.4.254:2379\"], plaintext: true}"
  else
    membership="  backend: embedded"
  fi
  for i in $(seq 1 "$n"); do
    ns=ovd$i
    switch_host $ns $i 198.18.4
    seeds='["198.18.4.1:51820"]'
    { [ "$i" = 1 ] || [ "$backend" = etcd ]; } && seeds="[]"
    printf 'seeds: %s\nmembership:\n%s\n  ttl: 10s\n' "$seeds" "$membership" >>"$dir/$ns/overlay.yaml"
    if [ "$i" = 1 ]; then
      printf 'containers:\n  docker: unix://%s\ndiscovery:\n  docker: unix://%s\n  dns: {forward: []}\n' \
        "$dir/d1/docker.sock" "$dir/d1/docker.sock" >>"$dir/$ns/overlay.yaml"
      docker_host_up 1 $ns 198.19.1.1/24
      docker_inside 1 $ns env OVERLAYD_LOG="$dir/$ns.log" "$top/bin/overlayd" --config "$dir/$ns/overlay.yaml"
    else
      printf 'discovery:\n  docker: off\n  dns: {forward: []}\n' >>"$dir/$ns/overlay.yaml"
      ip netns exec $ns env OVERLAYD_LOG="$dir/$ns.log" "$top/bin/overlayd" --config "$dir/$ns/overlay.yaml"
    fi
  done
  for i in $(seq 1 "$n"); do
    until [ "$(ip netns exec ovd$i wg show ovd$i peers 2>/dev/null | wc -l)" = $((n - 1)) ]; do sleep 0.2; done
  done
  docker_authz_on 1
  local servers=() 
  for i in $(seq 1 "$n"); do servers+=("$(ip netns exec ovd$i ip -4 -o addr show dev ovd$i | awk '{print $4}' | cut -d/ -f1)"); done
  echo "== $backend, $n nodes, $runs starts and stops on node 1" >&2
  local c0 c1 t0 t1 i0 i1 u0 u1
  ip netns exec ovd1 /usr/bin/python3 "$top/bench/discovery-probe.py" "$dir/d1/docker.sock" "$runs" overlay "${servers[@]}"
  # The cost, with nobody asking the DNS servers: the same changes alone, then as long idle.
  c0=$(counters); t0=$(date +%s.%N)
  ip netns exec ovd1 /usr/bin/python3 "$top/bench/discovery-probe.py" "$dir/d1/docker.sock" "$runs" overlay
  c1=$(counters); t1=$(date +%s.%N)
  # The same time idle, right after (warm, as during the changes), to subtract.
  i0=$(counters); u0=$(date +%s.%N)
  sleep "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", b - a }')"
  i1=$(counters); u1=$(date +%s.%N)
  awk -v c0="$c0" -v c1="$c1" -v ct="$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')" \
      -v i0="$i0" -v i1="$i1" -v it="$(awk -v a="$u0" -v b="$u1" 'BEGIN{print b-a}')" -v changes=$((2 * runs)) -v node="$n" '
    BEGIN {
      split(c0, a, " "); split(c1, b, " "); split(i0, c, " "); split(i1, d, " ")
      ib = (d[1] - c[1]) / it; ic = (d[2] - c[2]) / it
      cb = (b[1] - a[1]) - ib * ct; cc = (b[2] - a[2]) - ic * ct
      printf "node %s idle: %.0f bytes/s in on the underlay, %.1f ms CPU/s; each change beyond that: %.0f bytes in, %.2f ms CPU\n", node, ib, ic * 1000, cb / changes, cc * 1000 / changes
    }'
  down
}
for b in $backends; do run_backend "$b"; done
