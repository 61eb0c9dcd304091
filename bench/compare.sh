#!/usr/bin/env bash
# Compares overlayd with the bare underlay and with its peers, wireguard-go and nebula, in one run
# (and overlayd against wireguard-go, the interoperation case):
# two test hosts (network namespaces a and b) joined by one veth pair (underlay 198.18.0.1 <-> .2),
# one system at a time, each started fresh in a fresh pair of namespaces. Per system:
#   iperf3 one TCP stream a->b and b->a (-R), four streams a->b (-P 4), UDP a->b at a fixed offered
#   rate (received rate, loss, jitter), ping RTT p50/p99 from individual replies, and for the daemons
#   CPU seconds per GB carried by the TCP tests (utime+stime of the daemons on both hosts) and the
#   peak RSS (VmHWM, the larger of the two daemons).
# Prints one table (a markdown table in fixed-width columns): a row per system, each figure followed
# by its ratio to the best peer (wireguard-go, nebula) in that column. Needs root.
#
# Every system keeps its own default MTU: wireguard-go 1420, overlayd 1420 (no MTU line in its
# config), nebula 1300 (the value of the anchors, /work/shared/tools/anchors.sh). The UDP test sends
# 1200-byte datagrams (-l 1200) so that every system carries the same packets per second at the
# offered rate, whatever its MTU.
#
# Addresses: underlay 198.18.0.0/24 (inside 198.18.0.0/15), WireGuard-protocol overlays 100.64.0.0/24,
# nebula 100.65.0.0/24 (inside 100.64.0.0/10). Nothing else is used.
#
# Everything it creates (namespaces, links, processes, temporary files, UAPI sockets) carries the
# prefix ovb<pid> and is removed on exit, failure or Ctrl-C. A system that does not come up is a
# "failed" row and the run goes on. Exit status: 0 when every system was measured, 1 otherwise.
set -uo pipefail

usage() {
  cat <<EOF
usage: bench/compare.sh [options]
  -t, --time SECONDS     length of each iperf3 test (default 5)
  --only LIST            comma-separated subset of: veth,overlayd,wireguard-go,nebula,overlayd-wireguard-go (default all)
  --udp-rate RATE        offered UDP rate for iperf3 -b (default 500M)
  --pings N              pings for the RTT percentiles, at 10 ms intervals (default 200)
  --warmup SECONDS       unmeasured TCP run before the measurements of each system (default 2)
  --raw DIR              keep the iperf3 JSON, ping output, daemon logs and the table in DIR
  --no-build             do not build overlayd first (use cli/target/overlayd.jar as it is)
  -h, --help             this text
Environment: OVERLAYD, WIREGUARD_GO, NEBULA, NEBULA_CERT name the programs to run
(default: bin/overlayd of this tree, and wireguard-go, nebula, nebula-cert from PATH).
EOF
}

top=$(cd "$(dirname "$0")/.." && pwd)
cmdline=$0
for a in "$@"; do [[ $a =~ ^[A-Za-z0-9_./,:=+-]+$ ]] && cmdline+=" $a" || cmdline+=" $(printf %q "$a")"; done
T=5 ONLY=veth,overlayd,wireguard-go,nebula,overlayd-wireguard-go UDP_RATE=500M PINGS=200 WARMUP=2 RAW= BUILD=1
while [ $# -gt 0 ]; do
  case "$1" in
    -t|--time) T=${2:?}; shift ;;
    --time=*) T=${1#*=} ;;
    --only) ONLY=${2:?}; shift ;;
    --only=*) ONLY=${1#*=} ;;
    --udp-rate) UDP_RATE=${2:?}; shift ;;
    --udp-rate=*) UDP_RATE=${1#*=} ;;
    --pings) PINGS=${2:?}; shift ;;
    --pings=*) PINGS=${1#*=} ;;
    --warmup) WARMUP=${2:?}; shift ;;
    --warmup=*) WARMUP=${1#*=} ;;
    --raw) RAW=${2:?}; shift ;;
    --raw=*) RAW=${1#*=} ;;
    --no-build) BUILD=0 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "compare: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
for v in "$T" "$PINGS" "$WARMUP"; do
  [[ $v =~ ^[0-9]+$ ]] || { echo "compare: '$v' is not a whole number" >&2; exit 2; }
done
[ "$T" -ge 1 ] && [ "$PINGS" -ge 1 ] || { echo "compare: --time and --pings must be at least 1" >&2; exit 2; }
ALL_SYSTEMS="veth overlayd wireguard-go nebula overlayd-wireguard-go"
SYSTEMS=()
for s in ${ONLY//,/ }; do
  case " $ALL_SYSTEMS " in
    *" $s "*) SYSTEMS+=("$s") ;;
    *) echo "compare: unknown system '$s' (known: ${ALL_SYSTEMS// /,})" >&2; exit 2 ;;
  esac
done
[ ${#SYSTEMS[@]} -gt 0 ] || { echo "compare: --only names no system" >&2; exit 2; }

[ "$(id -u)" = 0 ] || { echo "compare: run as root (it creates network namespaces and TUN devices)" >&2; exit 1; }
need() { # tool package
  command -v "$1" >/dev/null || { echo "compare: $1 is missing: apt-get install $2" >&2; exit 1; }
}
need ip iproute2; need ping iputils-ping; need iperf3 iperf3; need python3 python3; need timeout coreutils

OVERLAYD=${OVERLAYD:-$top/bin/overlayd}
WIREGUARD_GO=${WIREGUARD_GO:-wireguard-go}
NEBULA=${NEBULA:-nebula}
NEBULA_CERT=${NEBULA_CERT:-nebula-cert}

# Names unique to this run: namespaces ${P}a/${P}b, veth ${P}va/${P}vb (created inside the
# namespaces, never in the host's), tunnels ${P}wa/${P}wb (UAPI sockets are global, so the two
# hosts' names differ) and ${P}na/${P}nb for nebula.
P=ovb$$
NA=${P}a NB=${P}b
D=$(mktemp -d "/tmp/${P}.XXXXXX")
OUT=${RAW:-$D/raw}
mkdir -p "$OUT" || { echo "compare: cannot create $OUT" >&2; exit 1; }
RESULTS=$OUT/results.tsv
: > "$RESULTS"

log() { printf '== %s\n' "$*" >&2; }

# Kills every process in our namespaces (SIGTERM, then SIGKILL after 5 s), deletes the namespaces
# (and with them the veth pair and the tunnels) and the UAPI sockets.
teardown() {
  local ns pids i
  for i in $(seq 70); do
    pids=$(for ns in $NA $NB; do ip netns pids $ns 2>/dev/null; done)
    [ -n "$pids" ] || break
    if [ "$i" = 1 ]; then kill $pids 2>/dev/null; elif [ "$i" = 50 ]; then kill -9 $pids 2>/dev/null; fi
    sleep 0.1
  done
  for ns in $NA $NB; do ip netns del $ns 2>/dev/null; done
  rm -f /var/run/wireguard/${P}wa.sock /var/run/wireguard/${P}wb.sock \
        /var/run/overlayd/${P}wa.sock /var/run/overlayd/${P}wb.sock
  return 0
}
cleanup() {
  trap - EXIT INT TERM HUP
  teardown
  rm -rf "$D"
}
trap cleanup EXIT
trap 'echo "compare: interrupted" >&2; exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

result() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >> "$RESULTS"; }

# --- header ----------------------------------------------------------------------------------
version_of() {
  case "$1" in
    wireguard-go) command -v "$WIREGUARD_GO" >/dev/null || { echo "not installed"; return; }
      "$WIREGUARD_GO" --version 2>/dev/null | sed -n '1s/^wireguard-go //p' ;;
    nebula) command -v "$NEBULA" >/dev/null || { echo "not installed"; return; }
      "$NEBULA" -version 2>/dev/null | sed -n 's/^Version: //p' ;;
    jdk) ( . "$top/.mvn/select-jdk.sh" >/dev/null 2>&1 && "$JAVA_HOME/bin/java" -version 2>&1 | head -1 ) ;;
    iperf3) iperf3 --version 2>/dev/null | head -1 ;;
    overlayd) git -C "$top" describe --always --dirty 2>/dev/null ;;
  esac
}
V_WG=$(version_of wireguard-go); V_NEB=$(version_of nebula); V_JDK=$(version_of jdk)
V_IPERF=$(version_of iperf3); V_OVL=$(version_of overlayd)
{
  echo "command: $cmdline"
  echo "date:    $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  echo "kernel:  $(uname -sr)"
  echo "cpu:     $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1) ($(nproc) cpus), load at start $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "versions: overlayd ${V_OVL:-?} on ${V_JDK:-no JDK 25 found}; wireguard-go ${V_WG:-?}; nebula ${V_NEB:-?}; ${V_IPERF:-iperf3 ?}"
  echo "tests:   iperf3 ${T} s each (after ${WARMUP} s warm-up); UDP ${UDP_RATE}bit/s offered, 1200-byte datagrams; ${PINGS} pings at 10 ms"
} > "$OUT/header.txt"
cat "$OUT/header.txt" >&2

if [[ " ${SYSTEMS[*]} " == *overlayd* ]] && [ "$BUILD" = 1 ] && [ "$OVERLAYD" = "$top/bin/overlayd" ]; then
  log "building overlayd"
  "$top/mvnw" -q -f "$top/pom.xml" -pl cli -am package -DskipTests >"$D/build.log" 2>&1 \
    || { tail -n 20 "$D/build.log" >&2; echo "compare: building overlayd failed (its row will say so)" >&2; }
fi

# --- the two hosts ---------------------------------------------------------------------------
up_pair() {
  ip netns add $NA && ip netns add $NB \
    && ip link add ${P}va netns $NA type veth peer name ${P}vb netns $NB \
    && ip -n $NA addr add 198.18.0.1/24 dev ${P}va && ip -n $NB addr add 198.18.0.2/24 dev ${P}vb \
    && ip -n $NA link set lo up && ip -n $NB link set lo up \
    && ip -n $NA link set ${P}va up && ip -n $NB link set ${P}vb up
}

# Daemon processes of both hosts: everything in the namespaces whose command is the daemon's.
daemon_pids() { # comm
  local ns pid
  for ns in $NA $NB; do
    for pid in $(ip netns pids $ns 2>/dev/null); do
      [ "$(cat /proc/$pid/comm 2>/dev/null)" = "$1" ] && echo $pid
    done
  done
}
# utime+stime in clock ticks, summed over the given processes (all their threads).
cpu_ticks() {
  local sum=0 pid stat f
  for pid in "$@"; do
    stat=$(cat /proc/$pid/stat 2>/dev/null) || { echo "gone"; return; }
    read -ra f <<< "${stat##*) }"
    sum=$((sum + f[11] + f[12]))
  done
  echo $sum
}
peak_rss_kib() {
  local max=0 pid kib
  for pid in "$@"; do
    kib=$(awk '/^VmHWM:/{print $2}' /proc/$pid/status 2>/dev/null) || kib=
    [ -n "$kib" ] || { echo "gone"; return; }
    [ "$kib" -gt "$max" ] && max=$kib
  done
  echo $max
}

wait_for() { # seconds command...: retries the command every 0.1 s
  local n=$(($1 * 10)); shift
  while [ $n -gt 0 ]; do "$@" && return 0; sleep 0.1; n=$((n - 1)); done
  return 1
}
reachable() { # dst: one ping answered within ~20 s (nebula and WireGuard handshake on first packet)
  local i
  for i in $(seq 20); do ip netns exec $NA ping -c 1 -W 1 "$1" >/dev/null 2>&1 && return 0; done
  return 1
}
# Prints the reason (one line) and fails if the named tool is missing.
have() { # program package
  command -v "$1" >/dev/null && return 0
  echo "$1 missing: apt-get install $2" | tee -a "$D/why" >&2
  return 1
}
fail() { echo "$*" >> "$D/why"; return 1; }
logref() { [ -n "$RAW" ] && echo "(see $OUT/$SYS/daemon-$1.log)" || echo "(its log is printed below)"; }

keys() { # wg genkey/pubkey for a and b
  local n
  for n in a b; do (umask 077; wg genkey > "$D/$n.key") && wg pubkey < "$D/$n.key" > "$D/$n.pub" || return 1; done
}

# --- the systems: each prints nothing, fails with a reason in $D/why, sets DST and COMM -------
start_veth() { DST=198.18.0.2 COMM=; }

# Host n's side of a WireGuard-protocol pair: 100.64.0.1 on a, .2 on b, each the other's peer.
peer_of() { if [ $1 = a ]; then i=1 o=2 m=b; else i=2 o=1 m=a; fi; }

overlayd_on() { # n
  local n=$1 i o m
  peer_of $n
  # No MTU line: overlayd's default (1420), as wireguard-go's.
  printf '[Interface]\nPrivateKey = %s\nListenPort = 51820\nAddress = 100.64.0.%s/24\n\n[Peer]\nPublicKey = %s\nEndpoint = 198.18.0.%s:51820\nAllowedIPs = 100.64.0.%s/32\n' \
    "$(cat "$D/$n.key")" $i "$(cat "$D/$m.pub")" $o $o > "$D/${P}w$n.conf"
  chmod 600 "$D/${P}w$n.conf"
  # bin/overlayd returns once the UAPI socket exists and leaves the JVM running in the namespace.
  OVERLAYD_LOG="$OUT/$SYS/daemon-$n.log" ip netns exec ${P}$n "$OVERLAYD" --config "$D/${P}w$n.conf" \
    >>"$OUT/$SYS/daemon-$n.log" 2>&1 || fail "overlayd on host $n did not start $(logref $n)"
}

wireguard_go_on() { # n
  local n=$1 i o m
  peer_of $n
  ip netns exec ${P}$n env WG_PROCESS_FOREGROUND=1 "$WIREGUARD_GO" ${P}w$n >"$OUT/$SYS/daemon-$n.log" 2>&1 &
  wait_for 10 test -S /var/run/wireguard/${P}w$n.sock || fail "wireguard-go on host $n did not start $(logref $n)" || return 1
  # No MTU set: wireguard-go's default (1420).
  ip netns exec ${P}$n wg set ${P}w$n private-key "$D/$n.key" listen-port 51820 \
      peer "$(cat "$D/$m.pub")" endpoint 198.18.0.$o:51820 allowed-ips 100.64.0.$o/32 \
    && ip -n ${P}$n addr add 100.64.0.$i/24 dev ${P}w$n && ip -n ${P}$n link set ${P}w$n up \
    || fail "configuring wireguard-go on host $n failed"
}

start_overlayd() {
  DST=100.64.0.2 COMM=java
  have wg wireguard-tools || return 1
  [ -x "$OVERLAYD" ] || fail "$OVERLAYD is not executable" || return 1
  keys || fail "wg genkey failed" || return 1
  overlayd_on a && overlayd_on b
}

start_wireguard_go() {
  DST=100.64.0.2 COMM=$(basename "$WIREGUARD_GO" | cut -c1-15)
  have "$WIREGUARD_GO" wireguard-go && have wg wireguard-tools || return 1
  keys || fail "wg genkey failed" || return 1
  wireguard_go_on a && wireguard_go_on b
}

# Interoperation at speed: overlayd on a, wireguard-go on b. Two different daemons, so no CPU or
# RSS figures (COMM empty, as for the bare veth).
start_overlayd_wireguard_go() {
  DST=100.64.0.2 COMM=
  have "$WIREGUARD_GO" wireguard-go && have wg wireguard-tools || return 1
  [ -x "$OVERLAYD" ] || fail "$OVERLAYD is not executable" || return 1
  keys || fail "wg genkey failed" || return 1
  overlayd_on a && wireguard_go_on b
}

start_nebula() {
  DST=100.65.0.2 COMM=$(basename "$NEBULA" | cut -c1-15)
  have "$NEBULA" nebula && have "$NEBULA_CERT" nebula || return 1
  mkdir -p "$D/neb" && (cd "$D/neb" && "$NEBULA_CERT" ca -name $P && "$NEBULA_CERT" sign -name a -ip 100.65.0.1/24 \
    && "$NEBULA_CERT" sign -name b -ip 100.65.0.2/24) >"$D/neb/cert.log" 2>&1 || fail "nebula-cert failed" || return 1
  local n
  for n in a b; do
    # The anchors' configuration, MTU 1300 included.
    cat > "$D/neb/$n.yml" <<EOC
pki: {ca: $D/neb/ca.crt, cert: $D/neb/$n.crt, key: $D/neb/$n.key}
static_host_map: {"100.65.0.1": ["198.18.0.1:4242"], "100.65.0.2": ["198.18.0.2:4242"]}
lighthouse: {am_lighthouse: false}
listen: {host: 0.0.0.0, port: 4242}
tun: {dev: ${P}n$n, mtu: 1300}
logging: {level: warning}
firewall: {outbound: [{port: any, proto: any, host: any}], inbound: [{port: any, proto: any, host: any}]}
EOC
    ip netns exec ${P}$n "$NEBULA" -config "$D/neb/$n.yml" >"$OUT/$SYS/daemon-$n.log" 2>&1 &
  done
  for n in a b; do
    wait_for 10 ip -n ${P}$n link show ${P}n$n >/dev/null 2>&1 \
      || fail "nebula on host $n did not start $(logref $n)" || return 1
  done
}

# --- measurements ----------------------------------------------------------------------------
# iperf3 client in a against the server in b; the JSON goes to $OUT/$SYS/NAME.json.
iperf() { # name args...
  local name=$1; shift
  ip netns exec $NA timeout $((T + WARMUP + 30)) iperf3 -c "$DST" -p 5201 -J "$@" \
    >"$OUT/$SYS/$name.json" 2>"$OUT/$SYS/$name.err"
  sleep 0.5
}
# Prints "MBITS BYTES" (tcp) or "MBITS LOSS% JITTER_MS" (udp) from receiver-side sums, or nothing.
parse_iperf() { # tcp|udp file
  python3 - "$1" "$2" <<'EOF' 2>/dev/null
import json, sys
kind, path = sys.argv[1], sys.argv[2]
d = json.load(open(path))
if "error" in d: sys.exit(1)
r = d["end"]["sum_received"]
if kind == "tcp":
    print("%.3f %d" % (r["bits_per_second"] / 1e6, r["bytes"]))
else:
    print("%.3f %.4f %.4f" % (r["bits_per_second"] / 1e6, r["lost_percent"], r["jitter_ms"]))
EOF
}

# Fails (with the reason) once a daemon has exited, so that a dead system costs no more timeouts.
alive() {
  local pid
  for pid in "$@"; do kill -0 "$pid" 2>/dev/null || { fail "a daemon exited during the tests"; return 1; }; done
}

measure() {
  local pids=() t0 t1 bytes=0 v rtt rx loss jitter
  [ -n "$COMM" ] && pids=($(daemon_pids "$COMM"))
  if [ -n "$COMM" ] && [ ${#pids[@]} -ne 2 ]; then
    fail "expected 2 $COMM processes in the namespaces, found ${#pids[@]}"; return 1
  fi
  reachable "$DST" || { fail "no ping reply from $DST across the overlay"; return 1; }
  ip netns exec $NB iperf3 -s -p 5201 >"$OUT/$SYS/iperf3-server.log" 2>&1 &
  wait_for 5 sh -c "ip netns exec $NB ss -Hltn 'sport = :5201' | grep -q ." \
    || { fail "iperf3 server did not start"; return 1; }
  [ "$WARMUP" -gt 0 ] && { log "$SYS: warm-up ${WARMUP} s"; iperf warmup -t "$WARMUP"; }
  alive "${pids[@]}" || return 1

  log "$SYS: ping x$PINGS"
  ip netns exec $NA ping -c "$PINGS" -i 0.01 -W 1 "$DST" >"$OUT/$SYS/ping.txt" 2>&1
  rtt=$(python3 - "$OUT/$SYS/ping.txt" <<'EOF' 2>/dev/null
import math, re, sys
rtts = sorted(float(m) for m in re.findall(r"time=([0-9.]+) ms", open(sys.argv[1]).read()))
if not rtts: sys.exit(1)
rank = lambda p: rtts[max(0, math.ceil(p / 100 * len(rtts)) - 1)]   # nearest rank
print("%.4f %.4f" % (rank(50), rank(99)))
EOF
)
  [ -n "$rtt" ] && { result "$SYS" rtt_p50 "${rtt% *}"; result "$SYS" rtt_p99 "${rtt#* }"; }

  # The CPU window spans exactly the three TCP tests.
  t0=$(cpu_ticks "${pids[@]}")
  log "$SYS: TCP a->b ${T} s"; iperf tcp-ab -t "$T"; alive "${pids[@]}" || return 1
  log "$SYS: TCP b->a ${T} s"; iperf tcp-ba -t "$T" -R; alive "${pids[@]}" || return 1
  log "$SYS: TCP x4 a->b ${T} s"; iperf tcp-p4 -t "$T" -P 4; alive "${pids[@]}" || return 1
  t1=$(cpu_ticks "${pids[@]}")
  local name key
  for name in tcp-ab tcp-ba tcp-p4; do
    v=$(parse_iperf tcp "$OUT/$SYS/$name.json") || v=
    key=${name//-/_}
    if [ -n "$v" ]; then result "$SYS" "$key" "${v% *}"; bytes=$((bytes + ${v#* })); else result "$SYS" "$key" failed; fi
  done
  if [ -n "$COMM" ]; then
    if [ "$t0" != gone ] && [ "$t1" != gone ] && [ "$bytes" -gt 0 ]; then
      result "$SYS" cpu_gb "$(python3 -c "print('%.4f' % (($t1 - $t0) / $(getconf CLK_TCK) / ($bytes / 1e9)))")"
    else
      result "$SYS" cpu_gb failed
    fi
  fi

  log "$SYS: UDP a->b ${UDP_RATE} ${T} s"; iperf udp -t "$T" -u -b "$UDP_RATE" -l 1200
  alive "${pids[@]}" || return 1
  v=$(parse_iperf udp "$OUT/$SYS/udp.json") || v=
  if [ -n "$v" ]; then
    read -r rx loss jitter <<< "$v"
    result "$SYS" udp_rx "$rx"; result "$SYS" udp_loss "$loss"; result "$SYS" udp_jitter "$jitter"
  else
    result "$SYS" udp_rx failed; result "$SYS" udp_loss failed; result "$SYS" udp_jitter failed
  fi

  if [ -n "$COMM" ]; then
    v=$(peak_rss_kib "${pids[@]}")
    if [ "$v" = gone ]; then result "$SYS" rss failed; fail "a daemon exited during the tests"; return 1; fi
    result "$SYS" rss "$(python3 -c "print('%.1f' % ($v / 1024))")"
  fi
  return 0
}

FAILED=0
for SYS in "${SYSTEMS[@]}"; do
  log "$SYS"
  mkdir -p "$OUT/$SYS"; rm -f "$D/why" "$D"/*.key "$D"/*.pub; rm -rf "$D/neb"
  case $SYS in
    veth) label="veth (no overlay)" ;;
    overlayd) label="overlayd ${V_OVL:-}" ;;
    wireguard-go) label="wireguard-go ${V_WG#not installed}" ;;
    nebula) label="nebula ${V_NEB#not installed}" ;;
    overlayd-wireguard-go) label="overlayd ↔ wireguard-go" ;;
  esac
  result "$SYS" label "$label"
  ok=0
  if ! up_pair >"$OUT/$SYS/netns.log" 2>&1; then
    fail "creating the namespaces failed (see netns.log)"
  elif "start_${SYS//-/_}"; then
    measure && ok=1
  fi
  if [ $ok = 1 ]; then
    result "$SYS" status ok
  else
    FAILED=1
    why=$(head -1 "$D/why" 2>/dev/null); why=${why:-unknown reason}
    echo "compare: $SYS failed: $why" >&2
    for f in "$OUT/$SYS"/daemon-*.log; do
      [ -e "$f" ] || continue
      if [ -s "$f" ]; then echo "  last lines of $(basename "$f"):"; tail -n 5 "$f" | sed 's/^/    /'
      else echo "  $(basename "$f") is empty"; fi >&2
    done
    result "$SYS" status "failed: $why"
  fi
  teardown
done

# --- the table -------------------------------------------------------------------------------
python3 - "$RESULTS" "${SYSTEMS[@]}" > "$OUT/table.md" <<'EOF'
import sys
path, systems = sys.argv[1], sys.argv[2:]
res = {}
for line in open(path):
    s, k, v = line.rstrip("\n").split("\t", 2)
    res.setdefault(s, {})[k] = v
PEERS = ["wireguard-go", "nebula"]
COLS = [  # key, header, higher is better, decimals
    ("tcp_ab", "TCP a→b Mbit/s", True, 0), ("tcp_ba", "TCP b→a Mbit/s", True, 0),
    ("tcp_p4", "TCP 4× a→b Mbit/s", True, 0), ("udp_rx", "UDP rx Mbit/s", True, 0),
    ("udp_loss", "UDP loss %", False, 2), ("udp_jitter", "UDP jitter ms", False, 3),
    ("rtt_p50", "RTT p50 ms", False, 3), ("rtt_p99", "RTT p99 ms", False, 3),
    ("cpu_gb", "CPU s/GB", False, 2), ("rss", "peak RSS MiB", False, 0),
]
def num(s, k):
    try: return float(res.get(s, {}).get(k, ""))
    except ValueError: return None
header = ["system"] + [c[1] for c in COLS]
rows, notes = [], []
for s in systems:
    r = res.get(s, {})
    status = r.get("status", "failed: no result")
    row = [r.get("label", s).strip()]
    if status != "ok":
        notes.append("%s %s" % (s, status))
        rows.append(row + ["failed"] * len(COLS))
        continue
    for key, _, higher, dec in COLS:
        v = num(s, key)
        if v is None:
            row.append("—" if s == "veth" and key in ("cpu_gb", "rss") else r.get(key, "—"))
            continue
        # The reference: the best of the peers measured; with no peer measured, the best overlay.
        ref = [x for x in (num(p, key) for p in PEERS if res.get(p, {}).get("status") == "ok") if x is not None]
        if not ref:
            ref = [x for x in (num(p, key) for p in systems if p != "veth" and res.get(p, {}).get("status") == "ok") if x is not None]
        cell = "%.*f" % (dec, v)
        if ref:
            best = max(ref) if higher else min(ref)
            if best != 0: cell += " (%.2f×)" % (v / best)
            elif v == 0: cell += " (1.00×)"
            else: cell += " (—)"
        row.append(cell)
    rows.append(row)
w = [max(len(x) for x in col) for col in zip(header, *rows)]
line = lambda cells: "| " + " | ".join(c.ljust(w[i]) if i == 0 else c.rjust(w[i]) for i, c in enumerate(cells)) + " |"
print(line(header))
print("|" + "|".join("-" * (x + 1) + ":" if i else "-" * (x + 2) for i, x in enumerate(w)) + "|")
for r in rows: print(line(r))
print()
print("(×: ratio to the best of the peers wireguard-go and nebula in that column, the highest for"
      " throughput, the lowest for loss, jitter, RTT, CPU and RSS; (—): the best is 0.")
print(" a = client host 198.18.0.1, b = server host; CPU s/GB: daemons' utime+stime on both hosts"
      " during the three TCP tests per GB iperf3 received; RSS: VmHWM, larger of the two daemons.)")
for n in notes: print("failed: " + n)
EOF
{ echo; cat "$OUT/header.txt"; echo; cat "$OUT/table.md"; } | tee "$OUT/report.md"
[ -n "$RAW" ] && echo "raw outputs in $RAW" >&2
exit $FAILED
