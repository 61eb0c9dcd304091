#!/usr/bin/env bash
# Network faults on the underlay, with tc netem: does TCP keep flowing through the overlay, and how
# fast does the tunnel come back? Three test hosts (network namespaces): a (198.18.0.1) and b
# (198.18.2.2) reach each other through a router r (198.18.0.254, 198.18.2.254), on whose two
# interfaces the faults are put, so that both directions see them. The daemon (overlayd, or
# wireguard-go for comparison) runs on a and b, tunnel 100.64.0.1 <-> .2. Per fault, iperf3 one TCP
# stream a->b through the tunnel and, as the reference, over the bare underlay with the same fault:
#   none; loss 5 % (nftables); reorder 1 % and duplicate 1 %, delay 50 ms each way (netem; on a
#   kernel without sch_netem, the same in userspace: r routes what it forwards through a TUN where
#   dev.overlayd.bench.Impair holds each packet back); a path MTU of 1280 on r's link to b (below
#   the overlay's 1420 plus WireGuard's 80 bytes of headers).
# Then two recoveries, timed with a ping every 0.1 s from a to b through the tunnel:
#   roaming: a's underlay address changes (198.18.0.1 -> 198.18.0.3) mid-ping: seconds without replies;
#   partition: r drops everything between a and b (nftables) for 30 s, then passes it again: seconds from the
#   end of the partition to the first reply.
# Prints one markdown table per daemon. Needs root; everything it creates carries the prefix ovf<pid>
# and is removed on exit, failure or Ctrl-C.
set -uo pipefail

usage() {
  cat <<EOF
usage: bench/faults.sh [options]
  -t, --time SECONDS  length of each iperf3 test (default 5)
  --only LIST         comma-separated subset of: overlayd,wireguard-go (default both)
  --partition SECONDS length of the partition (default 30)
  --raw DIR           keep iperf3 JSON, ping output and daemon logs in DIR
  --no-build          use cli/target/overlayd.jar as it is
  -h, --help          this text
EOF
}

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/.compare-lib"
T=5 ONLY=overlayd,wireguard-go PARTITION=30 RAW= BUILD=1
cmdline=$(command_line "$0" "$@")
while [ $# -gt 0 ]; do
  case "$1" in
    -t|--time) T=${2:?}; shift ;;
    --only) ONLY=${2:?}; shift ;;
    --partition) PARTITION=${2:?}; shift ;;
    --raw) RAW=${2:?}; shift ;;
    --no-build) BUILD=0 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "faults: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
[ "$(id -u)" = 0 ] || { echo "faults: run as root (it creates network namespaces and TUN devices)" >&2; exit 1; }
need ip iproute2; need tc iproute2; need ping iputils-ping; need iperf3 iperf3; need python3 python3
need wg wireguard-tools; need nft nftables

start_run ovf
NA=${P}a NB=${P}b NR=${P}r

# Whether this kernel has netem (some have no sch_netem at all); without it, delay, reordering and
# duplication are done by dev.overlayd.bench.Impair on r (see impair below).
NETEM=0
ip netns add ${P}t 2>/dev/null && tc -n ${P}t qdisc add dev lo root netem delay 1ms 2>/dev/null && NETEM=1
ip netns del ${P}t 2>/dev/null
JAVA=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java

if [ "$BUILD" = 1 ] && [ $NETEM = 0 ]; then
  log "building overlayd and the impairer"
  "$top/mvnw" -q -f "$top/pom.xml" -pl cli,bench -am package -DskipTests -DskipITs >"$D/build.log" 2>&1 \
    || { tail -n 20 "$D/build.log" >&2; exit 1; }
elif [ "$BUILD" = 1 ] && [[ ",$ONLY," == *,overlayd,* ]]; then
  build_overlayd
fi
[ $NETEM = 1 ] || [ -f "$top/bench/target/benchmarks.jar" ] \
  || { echo "faults: bench/target/benchmarks.jar is missing (drop --no-build)" >&2; exit 1; }
header "$cmdline" "tests:   iperf3 ${T} s each, through the tunnel and over the bare underlay; partition ${PARTITION} s"

hosts_up() {
  ip netns add $NA && ip netns add $NB && ip netns add $NR \
    && ip link add ${P}va netns $NA type veth peer name ${P}ra netns $NR \
    && ip link add ${P}vb netns $NB type veth peer name ${P}rb netns $NR \
    && ip -n $NA addr add 198.18.0.1/24 dev ${P}va && ip -n $NR addr add 198.18.0.254/24 dev ${P}ra \
    && ip -n $NB addr add 198.18.2.2/24 dev ${P}vb && ip -n $NR addr add 198.18.2.254/24 dev ${P}rb \
    && for ns in $NA $NB $NR; do ip -n $ns link set lo up; done \
    && ip -n $NA link set ${P}va up && ip -n $NR link set ${P}ra up \
    && ip -n $NB link set ${P}vb up && ip -n $NR link set ${P}rb up \
    && ip -n $NA route add 198.18.2.0/24 via 198.18.0.254 && ip -n $NB route add 198.18.0.0/24 via 198.18.2.254 \
    && ip netns exec $NR sysctl -qw net.ipv4.ip_forward=1
}

FAULTS="none loss reorder delay mtu"

# impair DELAY_MS REORDER_PCT DUPLICATE_PCT: what r forwards, in both directions, goes through the
# TUN ${P}i of dev.overlayd.bench.Impair and comes back out of it impaired (policy routing by the
# interface a packet came in on; nothing that comes out of the TUN is sent into it again).
# impair_stop ends it and writes its counts to the raw output.
IMPAIR_PID=
impair() {
  ip netns exec $NR "$JAVA" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -cp "$top/bench/target/benchmarks.jar" dev.overlayd.bench.Impair ${P}i "$@" 100000 \
    >"$OUT/$SYS/impair-$FAULT.txt" 2>&1 &
  IMPAIR_PID=$!; BG_PIDS+=("$IMPAIR_PID")
  wait_for 20 ip -n $NR link show ${P}i >/dev/null 2>&1 || { echo "faults: the impairer's TUN did not appear" >&2; return 1; }
  ip netns exec $NR sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.${P}i.rp_filter=0 \
    && ip -n $NR link set ${P}i up \
    && ip -n $NR route add default dev ${P}i table 100 \
    && ip -n $NR rule add iif ${P}ra lookup 100 pref 100 && ip -n $NR rule add iif ${P}rb lookup 100 pref 101
}
impair_stop() {
  [ -n "$IMPAIR_PID" ] || return 0
  ip -n $NR rule del pref 100 2>/dev/null; ip -n $NR rule del pref 101 2>/dev/null
  ip -n $NR route flush table 100 2>/dev/null
  kill -TERM "$IMPAIR_PID" 2>/dev/null; wait "$IMPAIR_PID" 2>/dev/null
  IMPAIR_PID=
}

# fault NAME: r as the fault says (none clears it). Loss and the partition are nftables rules on r's
# forwarding path; delay, reordering and duplication are netem on r's two interfaces, or the impairer.
fault() {
  local dev
  FAULT=$1
  ip netns exec $NR nft delete table inet ${P} 2>/dev/null
  impair_stop
  if [ $NETEM = 0 ]; then
    case $1 in
      reorder) impair 1 1 1 || return 1 ;;
      delay) impair 50 0 0 || return 1 ;;
    esac
  fi
  case $1 in
    loss) ip netns exec $NR nft "add table inet ${P}; add chain inet ${P} forward { type filter hook forward priority 0; }; add rule inet ${P} forward numgen random mod 100 < 5 drop" ;;
    partition) ip netns exec $NR nft "add table inet ${P}; add chain inet ${P} forward { type filter hook forward priority 0; }; add rule inet ${P} forward drop" ;;
  esac
  for dev in ${P}ra ${P}rb; do
    ip -n $NR link set $dev mtu 1500
    [ $NETEM = 1 ] && tc -n $NR qdisc del dev $dev root 2>/dev/null
    case $1 in
      reorder) [ $NETEM = 1 ] && tc -n $NR qdisc add dev $dev root netem delay 1ms reorder 1% duplicate 1% ;;
      delay) [ $NETEM = 1 ] && tc -n $NR qdisc add dev $dev root netem delay 50ms limit 100000 ;;
      mtu) [ $dev = ${P}rb ] && ip -n $NR link set $dev mtu 1280 ;;
    esac
  done
  return 0
}

tcp() { # name destination: Mbit/s or "failed"
  ip netns exec $NA timeout $((T + 20)) iperf3 -c "$2" -t "$T" -J >"$OUT/$SYS/$1.json" 2>"$OUT/$SYS/$1.err"
  local v; v=$(parse_iperf tcp "$OUT/$SYS/$1.json") && printf '%.0f\n' "${v% *}" || echo failed
}
ratio() { python3 -c "import sys; a,b=sys.argv[1:]; print('%s (%.2f×)' % (a, float(a)/float(b)) if 'failed' not in (a,b) and float(b)>0 else a)" "$1" "$2"; }

# Pings a->b through the tunnel every 0.1 s into NAME.txt until stopped;
# after_s NAME T prints the seconds from epoch time T to the first reply after it.
ping_start() { ip netns exec $NA ping -D -i 0.1 -W 1 100.64.0.2 >"$OUT/$SYS/$1.txt" 2>&1 & PING_PID=$!; BG_PIDS+=("$PING_PID"); }
ping_stop() { kill -INT "$PING_PID" 2>/dev/null; wait "$PING_PID" 2>/dev/null; }
after_s() {
  python3 - "$OUT/$SYS/$1.txt" "$2" <<'PY'
import re, sys
after = float(sys.argv[2])
t = [float(m) for m in re.findall(r"^\[([0-9.]+)\] .*time=", open(sys.argv[1]).read(), re.M)]
later = [x for x in t if x > after]
print("%.1f" % (later[0] - after) if later else "never")
PY
}

measure() {
  mkdir -p "$OUT/$SYS"
  IMPAIR_PID=
  hosts_up >"$OUT/$SYS/netns.log" 2>&1 || { echo "creating the namespaces failed" >&2; return 1; }
  keys a b || return 1
  daemon_up "$SYS" $NA ${P}wa a 100.64.0.1/24 "$OUT/$SYS/daemon-a.log" "b 198.18.2.2:51820 100.64.0.2/32" || return 1
  daemon_up "$SYS" $NB ${P}wb b 100.64.0.2/24 "$OUT/$SYS/daemon-b.log" "a 198.18.0.1:51820 100.64.0.1/32" || return 1
  wait_for 20 ip netns exec $NA ping -c 1 -W 1 100.64.0.2 >/dev/null 2>&1 || { echo "$SYS: no ping through the tunnel" >&2; return 1; }
  ip netns exec $NB iperf3 -s >"$OUT/$SYS/iperf3-server.log" 2>&1 &
  BG_PIDS+=($!)
  sleep 0.5
  log "$SYS: warm-up"; tcp warmup 100.64.0.2 >/dev/null
  local rows=$'fault\tTCP through the overlay Mbit/s\tTCP over the bare underlay Mbit/s' f o u
  for f in $FAULTS; do
    log "$SYS: $f"
    fault $f || { rows+=$'\n'"$f"$'\tfailed\tfailed'; continue; }
    o=$(tcp "overlay-$f" 100.64.0.2); u=$(tcp "underlay-$f" 198.18.2.2)
    rows+=$'\n'"$f"$'\t'"$(ratio "$o" "$u")"$'\t'"$u"
  done
  fault none

  log "$SYS: roaming"
  ping_start roaming; sleep 2
  local moved; moved=$(date +%s.%N)
  # Promoted, the new address outlives the old one's removal (a secondary address goes with the primary otherwise).
  ip netns exec $NA sysctl -qw net.ipv4.conf.${P}va.promote_secondaries=1 \
    && ip -n $NA addr add 198.18.0.3/24 dev ${P}va && ip -n $NA addr del 198.18.0.1/24 dev ${P}va \
    && ip -n $NA route replace 198.18.2.0/24 via 198.18.0.254 src 198.18.0.3
  sleep 10; ping_stop
  local roam; roam=$(after_s roaming "$moved")

  log "$SYS: partition ${PARTITION} s"
  ping_start partition; sleep 2
  fault partition; sleep "$PARTITION"
  local healed; healed=$(date +%s.%N); fault none
  sleep 15; ping_stop
  local back; back=$(after_s partition "$healed")

  printf '%s\n\n' "$rows" | md_table
  echo
  [ $NETEM = 1 ] || echo "(delay, reordering and duplication by dev.overlayd.bench.Impair on r: this kernel has no sch_netem)"
  echo "$SYS: roaming (a's underlay address changed mid-ping): first reply ${roam} s after the change; partition of ${PARTITION} s: first reply ${back} s after it ended"
}

for SYS in ${ONLY//,/ }; do
  case $SYS in overlayd|wireguard-go) ;; *) echo "faults: unknown system $SYS" >&2; exit 2 ;; esac
  log "== $SYS"
  echo; echo "### $SYS"; echo
  measure || { show_logs "$OUT/$SYS"; echo "$SYS: failed"; }
  teardown_namespaces
done | tee "$OUT/report.md"
[ -n "$RAW" ] && echo "raw outputs in $RAW"
exit 0
