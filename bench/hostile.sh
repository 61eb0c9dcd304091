#!/usr/bin/env bash
# Hostile traffic on the underlay, overlayd and wireguard-go side by side. Three test hosts (network
# namespaces): a and b run the daemon as each other's peer (underlay 198.18.0.1 <-> .2, tunnel
# 100.64.0.1 <-> .2), x is the attacker on a link of its own to b (198.18.1.1 -> 198.18.1.2), sending
# with dev.overlayd.bench.Flood at --rate datagrams per second. Per daemon:
#   tcp:        iperf3 one TCP stream a->b through the tunnel, no attack (after an unmeasured warm-up);
#   initiation: the same during a flood of handshake initiations from unknown keys with a valid mac1
#               for b (each costs b a Diffie-Hellman unless it is under load and asks for cookies);
#   handshake:  during the same flood, a forgets its session (`wg set peer remove`, then the peer again)
#               and pings b once a second: the seconds until the first reply (a new handshake, which
#               under load takes the cookie round trip: a cookie reply, then a retry with mac2);
#   garbage:    TCP during a flood of random and truncated datagrams of every message type;
#   unused:     TCP during the same garbage flood aimed at a port of b where nothing listens: what the
#               attack costs the machine (the attacker shares its CPUs) whatever the daemon does;
#   replay:     data messages captured on b's link during a short TCP run, sent to b again from x:
#               how many were sent, how many reached b's TUN (must be 0) and, for overlayd, how many
#               its replayed_counter drop count went up by (wireguard-go counts none it shows).
# Prints one markdown table, throughput also as a ratio to the daemon's own no-attack figure.
# Needs root. Everything it creates carries the prefix ovh<pid> and is removed on exit, failure or Ctrl-C.
set -uo pipefail

usage() {
  cat <<EOF
usage: bench/hostile.sh [options]
  -t, --time SECONDS  length of each iperf3 test (default 5)
  --rate N            attack datagrams per second (default 50000)
  --only LIST         comma-separated subset of: overlayd,wireguard-go (default both)
  --raw DIR           keep iperf3 JSON, daemon logs, captures and the table in DIR
  --no-build          use cli/target/overlayd.jar and bench/target/benchmarks.jar as they are
  -h, --help          this text
EOF
}

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/.compare-lib"
T=5 RATE=50000 ONLY=overlayd,wireguard-go RAW= BUILD=1
cmdline=$(command_line "$0" "$@")
while [ $# -gt 0 ]; do
  case "$1" in
    -t|--time) T=${2:?}; shift ;;
    --rate) RATE=${2:?}; shift ;;
    --only) ONLY=${2:?}; shift ;;
    --raw) RAW=${2:?}; shift ;;
    --no-build) BUILD=0 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "hostile: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
[ "$(id -u)" = 0 ] || { echo "hostile: run as root (it creates network namespaces and TUN devices)" >&2; exit 1; }
need ip iproute2; need ping iputils-ping; need iperf3 iperf3; need python3 python3; need wg wireguard-tools
need tcpdump tcpdump; need wireguard-go wireguard-go
JAVA=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java

start_run ovh
NA=${P}a NB=${P}b NX=${P}x

if [ "$BUILD" = 1 ]; then
  log "building overlayd and the flood tool"
  "$top/mvnw" -q -f "$top/pom.xml" -pl cli,bench -am package -DskipTests -DskipITs >"$D/build.log" 2>&1 \
    || { tail -n 20 "$D/build.log" >&2; exit 1; }
fi
FLOOD=("$JAVA" -cp "$top/bench/target/benchmarks.jar" dev.overlayd.bench.Flood)
[ -f "$top/bench/target/benchmarks.jar" ] || { echo "hostile: bench/target/benchmarks.jar is missing (drop --no-build)" >&2; exit 1; }

header "$cmdline" "tests:   iperf3 ${T} s each; attacks at ${RATE} datagrams/s from a third host"

hosts_up() {
  ip netns add $NA && ip netns add $NB && ip netns add $NX \
    && ip link add ${P}va netns $NA type veth peer name ${P}vb netns $NB \
    && ip link add ${P}vx netns $NX type veth peer name ${P}vy netns $NB \
    && ip -n $NA addr add 198.18.0.1/24 dev ${P}va && ip -n $NB addr add 198.18.0.2/24 dev ${P}vb \
    && ip -n $NX addr add 198.18.1.1/24 dev ${P}vx && ip -n $NB addr add 198.18.1.2/24 dev ${P}vy \
    && for ns in $NA $NB $NX; do ip -n $ns link set lo up; done \
    && ip -n $NA link set ${P}va up && ip -n $NB link set ${P}vb up \
    && ip -n $NX link set ${P}vx up && ip -n $NB link set ${P}vy up
}

# iperf3 TCP a->b for SECONDS into NAME.json; prints Mbit/s or "failed".
tcp() { # name seconds
  ip netns exec $NA timeout $(($2 + 15)) iperf3 -c 100.64.0.2 -t "$2" -J >"$OUT/$SYS/$1.json" 2>"$OUT/$SYS/$1.err"
  local v; v=$(parse_iperf tcp "$OUT/$SYS/$1.json") && echo "${v% *}" || echo failed
}
# The attacker in the background for SECONDS: flood KIND [ARG] SECONDS; its count of datagrams sent goes to $OUT/$SYS/KIND.sent.
flood() { # kind [arg] seconds
  local kind=$1 arg=() secs
  [ $# -eq 3 ] && arg=("$2")
  secs=${!#}
  ip netns exec $NX "${FLOOD[@]}" "$kind" "${arg[@]}" 198.18.1.2 "${FLOOD_PORT:-51820}" "$RATE" "$secs" >"$OUT/$SYS/$kind.sent" 2>"$OUT/$SYS/$kind.err" &
  FLOOD_PID=$!
  BG_PIDS+=("$FLOOD_PID")
}
ratio() { python3 -c "import sys; a,b=sys.argv[1:]; print('%s (%.2f×)' % (a, float(a)/float(b)) if a!='failed' and b!='failed' and float(b)>0 else a)" "$1" "$2"; }
tun_rx() { ip -n $NB -s link show ${P}wb | awk '/RX:/ { getline; print $2; exit }'; }
replayed_drops() { # overlayd's drop counts on b, summed (NAME.json keeps them by reason); "—" for another daemon
  [ "$SYS" = overlayd ] || { echo —; return; }
  ip netns exec $NB "$top/bin/overlayctl" peers ${P}wb --json >"$OUT/$SYS/$1.json" 2>/dev/null \
    && python3 -c "import json,sys; print(sum(json.load(open(sys.argv[1]))[0]['drops'].values()))" "$OUT/$SYS/$1.json" 2>/dev/null \
    || echo failed
}
# UDP datagrams b's kernel dropped for a full receive buffer (they never reached the daemon).
rcvbuf_errors() { ip netns exec $NB nstat -az UdpRcvbufErrors 2>/dev/null | awk '/UdpRcvbufErrors/ { print $2 }'; }
ROWS=$'system\tTCP no attack Mbit/s\tTCP, initiation flood\tnew handshake under the flood, s\tTCP, garbage flood\tTCP, garbage flood at an unused port\treplayed sent\treplayed reaching the TUN\treplayed counted as dropped\treplayed lost in the socket buffer\tattack sent/s'
measure() {
  local base init hs garb unused rx0 rx1 dr0 dr1 rb0 rb1 t0 sent rate_sent
  mkdir -p "$OUT/$SYS"
  hosts_up >"$OUT/$SYS/netns.log" 2>&1 || { echo "creating the namespaces failed" >&2; return 1; }
  keys a b || return 1
  daemon_up "$SYS" $NA ${P}wa a 100.64.0.1/24 "$OUT/$SYS/daemon-a.log" "b 198.18.0.2:51820 100.64.0.2/32" || return 1
  daemon_up "$SYS" $NB ${P}wb b 100.64.0.2/24 "$OUT/$SYS/daemon-b.log" "a 198.18.0.1:51820 100.64.0.1/32" || return 1
  wait_for 20 ip netns exec $NA ping -c 1 -W 1 100.64.0.2 >/dev/null 2>&1 || { echo "$SYS: no ping through the tunnel" >&2; return 1; }
  ip netns exec $NB iperf3 -s >"$OUT/$SYS/iperf3-server.log" 2>&1 &
  BG_PIDS+=($!)
  sleep 0.5
  log "$SYS: warm-up"; tcp warmup 3 >/dev/null
  log "$SYS: TCP, no attack"; base=$(tcp tcp "$T")

  log "$SYS: TCP during an initiation flood"
  flood initiation "$(cat "$D/b.pub")" $((T + 2))
  sleep 1; init=$(tcp tcp-initiation "$T"); wait "$FLOOD_PID"
  rate_sent=$(( $(cat "$OUT/$SYS/initiation.sent" 2>/dev/null || echo 0) / (T + 2) ))

  log "$SYS: a new handshake during the flood"
  flood initiation "$(cat "$D/b.pub")" 40
  sleep 2
  ip netns exec $NA wg set ${P}wa peer "$(cat "$D/b.pub")" remove \
    && ip netns exec $NA wg set ${P}wa peer "$(cat "$D/b.pub")" endpoint 198.18.0.2:51820 allowed-ips 100.64.0.2/32
  t0=$(date +%s.%N); hs=failed
  for _ in $(seq 35); do
    if ip netns exec $NA ping -c 1 -W 1 100.64.0.2 >/dev/null 2>&1; then hs=$(python3 -c "import time; print('%.1f' % (time.time() - $t0))"); break; fi
  done
  kill "$FLOOD_PID" 2>/dev/null; wait "$FLOOD_PID" 2>/dev/null

  log "$SYS: TCP during a garbage flood"
  flood garbage $((T + 2))
  sleep 1; garb=$(tcp tcp-garbage "$T"); wait "$FLOOD_PID"

  # The attack's own cost, whoever it is aimed at (the attacker shares the machine's CPUs): the same
  # flood at a port of b where nothing listens.
  log "$SYS: TCP during a garbage flood at an unused port"
  FLOOD_PORT=51821 flood garbage $((T + 2))
  sleep 1; unused=$(tcp tcp-unused "$T"); wait "$FLOOD_PID"

  log "$SYS: replayed data messages"
  ip netns exec $NB timeout 10 tcpdump -i ${P}vb -w "$OUT/$SYS/data.pcap" -c 20000 'udp and src host 198.18.0.1 and udp[8] = 4' \
    >"$OUT/$SYS/tcpdump.log" 2>&1 &
  local dump=$!
  sleep 1; tcp tcp-capture 1 >/dev/null; kill -INT $dump 2>/dev/null; wait $dump 2>/dev/null
  sleep 1
  rx0=$(tun_rx) dr0=$(replayed_drops drops-before) rb0=$(rcvbuf_errors)
  flood replay "$OUT/$SYS/data.pcap" 2; wait "$FLOOD_PID"
  sleep 1
  rx1=$(tun_rx) dr1=$(replayed_drops drops-after) rb1=$(rcvbuf_errors)
  sent=$(cat "$OUT/$SYS/replay.sent" 2>/dev/null || echo failed)
  local counted=—
  [ "$dr0" != — ] && counted=$((dr1 - dr0))
  ROWS+=$'\n'"$SYS"$'\t'"$base"$'\t'"$(ratio "$init" "$base")"$'\t'"$hs"$'\t'"$(ratio "$garb" "$base")"$'\t'"$(ratio "$unused" "$base")"$'\t'"$sent"$'\t'"$((rx1 - rx0))"$'\t'"$counted"$'\t'"$((rb1 - rb0))"$'\t'"$rate_sent"
}

for SYS in ${ONLY//,/ }; do
  case $SYS in overlayd|wireguard-go) ;; *) echo "hostile: unknown system $SYS" >&2; exit 2 ;; esac
  log "== $SYS"
  measure || { show_logs "$OUT/$SYS"; ROWS+=$'\n'"$SYS"$'\tfailed'; }
  teardown_namespaces
done
echo
printf '%s\n\n' "$ROWS" | md_table | tee "$OUT/table.md"
echo
echo "(×: throughput under the attack over the same daemon's without it; reaching the TUN: b's TUN rx packets during the replay, which should stay 0.)"
[ -n "$RAW" ] && echo "raw outputs in $RAW"
exit 0
