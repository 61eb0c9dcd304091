#!/usr/bin/env bash
# Cluster membership timings on N hosts (default 10), each a network namespace on one bridge
# (198.18.2.0/24) running overlayd in cluster mode. With N-1 nodes up, it measures:
#   join:       from starting node N (bin/overlayd) until every member has a handshake with it
#               (also from bin/overlayd's return, when the daemon is up and joining: no JVM start);
#   removal:    from SIGKILL of node N until no member has it as a peer (goal: TTL + 1 s);
#   revocation: from `overlayctl revoke` on node 1 until no member has node N-1 as a peer.
# Before those, the cost of the steady cluster of N-1 nodes, after --settle seconds, over --steady
# seconds: per node, the bytes/s on its underlay veth (sent + received: gossip in WireGuard, or its
# etcd client's traffic) and the CPU ms/s of its overlayd (utime + stime); etcd's own CPU too.
# Usage: bench/cluster.sh [-n HOSTS] [--ttl SECONDS] [--backend embedded|etcd] [--settle S] [--steady S] [--no-build]
# It removes everything it made, also on Ctrl-C. Needs root, wireguard-tools, and etcd for etcd.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
n=10 ttl=5 backend=embedded build=1 settle=15 steady=20
while [ $# -gt 0 ]; do
  case "$1" in
    -n) n=$2; shift ;;
    --ttl) ttl=$2; shift ;;
    --backend) backend=$2; shift ;;
    --settle) settle=$2; shift ;;
    --steady) steady=$2; shift ;;
    --no-build) build=0 ;;
    *) echo "usage: $0 [-n HOSTS] [--ttl SECONDS] [--backend embedded|etcd] [--settle S] [--steady S] [--no-build]" >&2; exit 2 ;;
  esac
  shift
done
[ "$build" = 1 ] && ./mvnw -q -pl cli -am package -DskipTests
dir=$(mktemp -d /tmp/overlayd-cluster.XXXXXX)
sw=ovb-sw pfx=ovb
. "$top/bench/.switch-hosts"
trap switch_cleanup EXIT INT TERM

switch_up
ip -n $sw addr add 198.18.2.254/24 dev br0
if [ "$backend" = etcd ]; then
  switch_etcd 198.18.2.254
  # Plaintext, as the benchmark measures the membership itself; a deployment uses TLS (README).
  membership="  backend: etcd
  etcd: {endpoints: [\"http://198.18.2.254:2379\"], plaintext: true}"
  seeds="[]"
else
  membership="  backend: embedded"
  seeds='["198.18.2.1:51820"]'
fi
for i in $(seq 1 "$n"); do
  ns=ovb$i
  switch_host $ns $i 198.18.2
  cat >>"$dir/$ns/overlay.yaml" <<YAML
seeds: $([ "$i" = 1 ] && [ "$backend" = embedded ] && echo "[]" || echo "$seeds")
membership:
$membership
  ttl: ${ttl}s
YAML
done
start() { ip netns exec ovb$1 env OVERLAYD_LOG="$dir/ovb$1.log" "$top/bin/overlayd" --config "$dir/ovb$1/overlay.yaml"; }
key() { ip netns exec ovb$1 wg show ovb$1 public-key; }

for i in $(seq 1 $((n - 1))); do start "$i"; done
until_formed

# Per node i of 1..n-1: "i bytes ticks", its underlay veth's bytes both ways and its overlayd's utime + stime.
counters() {
  for i in $(seq 1 $((n - 1))); do
    local b pid
    b=$(ip netns exec ovb$i sh -c "cat /sys/class/net/ovb-u$i/statistics/tx_bytes /sys/class/net/ovb-u$i/statistics/rx_bytes" \
      | awk '{ s += $1 } END { print s }')
    pid=$(ip netns pids ovb$i | head -1)
    echo "$i $b $(awk '{ print $14 + $15 }' /proc/$pid/stat)"
  done
}
etcd_ticks() { local p; for p in $(ip netns pids $sw); do awk '{ print $14 + $15 }' /proc/$p/stat; done | awk '{ s += $1 } END { print s + 0 }'; }
echo "settling for ${settle}s, then measuring the steady cluster for ${steady}s..." >&2
sleep "$settle"
hz=$(getconf CLK_TCK)
c0=$(counters) e0=$(etcd_ticks) s0=$(now)
sleep "$steady"
c1=$(counters) e1=$(etcd_ticks)
secs=$(since "$s0")
steady_line=$(paste -d' ' <(echo "$c0") <(echo "$c1") | awk -v t="$secs" -v hz="$hz" '
  { b = ($5 - $2) / t; c = ($6 - $3) * 1000 / hz / t; sb += b; sc += c
    if (NR == 1 || b < minb) minb = b; if (b > maxb) maxb = b; if (NR == 1 || c < minc) minc = c; if (c > maxc) maxc = c }
  END { printf "%.0f B/s (%.0f-%.0f), CPU %.1f ms/s (%.1f-%.1f) per node, mean (min-max) of %d", sb / NR, minb, maxb, sc / NR, minc, maxc, NR }')
etcd_cpu=$(awk -v a="$e0" -v b="$e1" -v t="$secs" -v hz="$hz" 'BEGIN { printf "%.1f", (b - a) * 1000 / hz / t }')

newkey=$(wg pubkey < "$dir/ovb$n/h$n.key")
t0=$(now)
start "$n"
t1=$(now)
until_empty waiting "$newkey"
join=$(since "$t0")
join_up=$(since "$t1")

pid=$(ip netns pids ovb$n | head -1)
t0=$(now)
kill -9 "$pid"
until_empty holding "$newkey"
removal=$(since "$t0")

victim=$((n - 1))
vkey=$(key $victim)
"$top/bin/overlayctl" cert revoke h$victim --ca "$dir/ca" >/dev/null
t0=$(now)
ip netns exec ovb1 "$top/bin/overlayctl" revoke "$dir/ca/revoked.crl" ovb1 >/dev/null
until_empty bash -c "for j in \$(seq 1 $((n - 2))); do ip netns exec ovb\$j wg show ovb\$j peers | grep -qxF '$vkey' && echo \$j; done; true"
revocation=$(since "$t0")

printf '%-12s %s\n' "backend" "$backend, $n hosts, TTL ${ttl}s"
printf '%-12s %s nodes: %s over %.1f s%s\n' "steady" "$((n - 1))" "$steady_line" "$secs" \
  "$([ "$backend" = etcd ] && echo "; etcd ${etcd_cpu} ms/s")"
printf '%-12s %s s from bin/overlayd (JVM start included), %s s from the daemon being up (goal: 2 s)\n' "join" "$join" "$join_up"
printf '%-12s %s s (goal: TTL + 1 s = %s s)\n' "removal" "$removal" "$((ttl + 1))"
printf '%-12s %s s (goal: 2 s)\n' "revocation" "$revocation"
