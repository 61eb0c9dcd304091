#!/usr/bin/env bash
# Compares overlayd with the bare underlay and with its peers, wireguard-go and nebula, in one run
# (and overlayd against wireguard-go, the interoperation case):
# two test hosts (network namespaces a and b) joined by one veth pair (underlay 198.18.0.1 <-> .2),
# one system at a time, each started fresh in a fresh pair of namespaces. Per system:
#   cold: iperf3 one TCP stream a->b started as soon as the first ping through the tunnel is answered,
#   before anything else (the daemons' first traffic, JIT and all); then, after an unmeasured warm-up,
#   iperf3 one TCP stream a->b and b->a (-R), four streams a->b (-P 4), UDP a->b at a fixed offered
#   rate (received rate, loss, jitter), ping RTT p50/p99 from individual replies, and for the daemons
#   CPU seconds per GB carried by the TCP tests (utime+stime of the daemons on both hosts) and the
#   peak RSS (VmHWM, the larger of the two daemons).
# Prints one table (a markdown table in fixed-width columns): a row per system, each figure followed
# by its ratio to the best peer (wireguard-go, nebula) in that column. Needs root.
#
# overlayd-containers is overlayd as containers use it: two cluster nodes a and b on one bridge
# (bench/.container-hosts: overlayd in cluster mode, a dockerd per node with overlayd as its network
# driver, a busybox container on each), measured container to container (iperf3 and ping run in the
# containers' network namespaces through nsenter), then node to node over the same overlay (the
# host-to-host case of the same setup, a row of its own). A line under the table gives the ratios of
# the two, and of the containers to the overlayd row (wg-quick-style config on a veth pair).
#
# Every system keeps its own default MTU: wireguard-go 1420, overlayd 1420 (no MTU line in its
# config), nebula 1300 (the value of the anchors, /work/shared/tools/anchors.sh). The UDP test sends
# 1200-byte datagrams (-l 1200) so that every system carries the same packets per second at the
# offered rate, whatever its MTU.
#
# Addresses: underlay 198.18.0.0/24 (inside 198.18.0.0/15; Docker's bridges of the cluster nodes
# 198.19.1.0/24 and 198.19.2.0/24), WireGuard-protocol overlays 100.64.0.0/24 (the cluster 100.64.0.0/16),
# nebula 100.65.0.0/24 (inside 100.64.0.0/10). Nothing else is used.
#
# Everything it creates (namespaces, links, processes, temporary files, UAPI sockets, dockerds and
# their containers) carries the prefix ovb<pid> and is removed on exit, failure or Ctrl-C. A system that does not come up is a
# "failed" row and the run goes on. Exit status: 0 when every system was measured, 1 otherwise.
set -uo pipefail

usage() {
  cat <<EOF
usage: bench/compare.sh [options]
  -t, --time SECONDS     length of each iperf3 test (default 5)
  --only LIST            comma-separated subset of: veth,overlayd,overlayd-containers,wireguard-go,nebula,
                         overlayd-wireguard-go (default all)
  --udp-rate RATE        offered UDP rate for iperf3 -b (default 500M)
  --pings N              pings for the RTT percentiles, at 10 ms intervals (default 200)
  --warmup SECONDS       unmeasured TCP run after the cold one, before the other measurements (default 2)
  --raw DIR              keep the iperf3 JSON, ping output, daemon logs and the table in DIR
  --no-build             do not build overlayd first (use cli/target/overlayd.jar as it is)
  -h, --help             this text
Environment: OVERLAYD, WIREGUARD_GO, NEBULA, NEBULA_CERT name the programs to run
(default: bin/overlayd of this tree, and wireguard-go, nebula, nebula-cert from PATH);
overlayd-containers always runs bin/overlayd, with /usr/sbin/dockerd and /bin/busybox.
EOF
}

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/.compare-lib"
T=5 ONLY=veth,overlayd,overlayd-containers,wireguard-go,nebula,overlayd-wireguard-go UDP_RATE=500M PINGS=200 WARMUP=2 RAW= BUILD=1
cmdline=$(command_line "$0" "$@")
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
ALL_SYSTEMS="veth overlayd overlayd-containers wireguard-go nebula overlayd-wireguard-go"
SYSTEMS=()
for s in ${ONLY//,/ }; do
  case " $ALL_SYSTEMS " in
    *" $s "*) SYSTEMS+=("$s") ;;
    *) echo "compare: unknown system '$s' (known: ${ALL_SYSTEMS// /,})" >&2; exit 2 ;;
  esac
done
[ ${#SYSTEMS[@]} -gt 0 ] || { echo "compare: --only names no system" >&2; exit 2; }

[ "$(id -u)" = 0 ] || { echo "compare: run as root (it creates network namespaces and TUN devices)" >&2; exit 1; }
need ip iproute2; need ping iputils-ping; need iperf3 iperf3; need python3 python3; need timeout coreutils

# Names unique to this run: namespaces ${P}a/${P}b, veth ${P}va/${P}vb (created inside the
# namespaces, never in the host's), tunnels ${P}wa/${P}wb (UAPI sockets are global, so the two
# hosts' names differ) and ${P}na/${P}nb for nebula; the cluster's switch ${P}-sw, its tunnels named
# as its nodes' namespaces, its dockerds too.
start_run ovb
NA=${P}a NB=${P}b
RESULTS=$OUT/results.tsv
: > "$RESULTS"
# The cluster of overlayd-containers (bench/.container-hosts): its CA, dockerds and image under $dir.
dir=$D/cluster docker_root=$D/cluster sw=${P}-sw
. "$top/bench/.container-hosts"

teardown() {
  # Containers and dockerds first, while their overlayd still answers as their plugin.
  [ ${#docker_hosts[@]} -eq 0 ] || docker_hosts_down
  teardown_namespaces
}

result() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >> "$RESULTS"; }

header "$cmdline" \
  "tests:   iperf3 ${T} s each: one cold, then (after ${WARMUP} s warm-up) the others; UDP ${UDP_RATE}bit/s offered, 1200-byte datagrams; ${PINGS} pings at 10 ms"

if [[ " ${SYSTEMS[*]} " == *overlayd* ]] && [ "$BUILD" = 1 ] && [ "$OVERLAYD" = "$top/bin/overlayd" ]; then
  build_overlayd
fi

# --- the two hosts ---------------------------------------------------------------------------
up_pair() {
  ip netns add $NA && ip netns add $NB \
    && ip link add ${P}va netns $NA type veth peer name ${P}vb netns $NB \
    && ip -n $NA addr add 198.18.0.1/24 dev ${P}va && ip -n $NB addr add 198.18.0.2/24 dev ${P}vb \
    && ip -n $NA link set lo up && ip -n $NB link set lo up \
    && ip -n $NA link set ${P}va up && ip -n $NB link set ${P}vb up
}
pair() { up_pair >"$OUT/$SYS/netns.log" 2>&1 || fail "creating the namespaces failed (see netns.log)"; }

reachable() { # one ping from a answered within ~20 s (nebula and WireGuard handshake on first packet)
  local i
  for i in $(seq 20); do "${AT_A[@]}" ping -c 1 -W 1 "$DST" >/dev/null 2>&1 && return 0; done
  return 1
}

# --- the systems: each prints nothing, fails with a reason in $D/why, sets DST and COMM -------
# and where the tests run: AT_A, AT_B (the command prefixes that run a program on host a, b), by
# default the namespaces of the pair.
start_veth() { pair && DST=198.18.0.2 COMM=; }

# Host n's side of a WireGuard-protocol pair: 100.64.0.1 on a, .2 on b, each the other's peer.
wg_on() { # overlayd|wireguard-go n
  local n=$2 i=1 o=2 m=b
  [ "$n" = a ] || { i=2 o=1 m=a; }
  daemon_up "$1" ${P}$n ${P}w$n $n 100.64.0.$i/24 "$OUT/$SYS/daemon-$n.log" "$m 198.18.0.$o:51820 100.64.0.$o/32"
}

start_overlayd() {
  DST=100.64.0.2 COMM=java
  have wg wireguard-tools || return 1
  [ -x "$OVERLAYD" ] || fail "$OVERLAYD is not executable" || return 1
  keys a b || fail "wg genkey failed" || return 1
  pair && wg_on overlayd a && wg_on overlayd b
}

start_wireguard_go() {
  DST=100.64.0.2 COMM=$(daemon_comm wireguard-go)
  have "$WIREGUARD_GO" wireguard-go && have wg wireguard-tools || return 1
  keys a b || fail "wg genkey failed" || return 1
  pair && wg_on wireguard-go a && wg_on wireguard-go b
}

# Interoperation at speed: overlayd on a, wireguard-go on b. Two different daemons, so no CPU or
# RSS figures (COMM empty, as for the bare veth).
start_overlayd_wireguard_go() {
  DST=100.64.0.2 COMM=
  have "$WIREGUARD_GO" wireguard-go && have wg wireguard-tools || return 1
  [ -x "$OVERLAYD" ] || fail "$OVERLAYD is not executable" || return 1
  keys a b || fail "wg genkey failed" || return 1
  pair && wg_on overlayd a && wg_on wireguard-go b
}

start_nebula() {
  DST=100.65.0.2 COMM=$(daemon_comm nebula)
  have "$NEBULA" nebula && have "$NEBULA_CERT" nebula || return 1
  mkdir -p "$D/neb" && (cd "$D/neb" && "$NEBULA_CERT" ca -name $P && "$NEBULA_CERT" sign -name a -ip 100.65.0.1/24 \
    && "$NEBULA_CERT" sign -name b -ip 100.65.0.2/24) >"$D/neb/cert.log" 2>&1 || fail "nebula-cert failed" || return 1
  pair || return 1
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
      || fail "nebula on host $n did not start $(logref "$OUT/$SYS/daemon-$n.log")" || return 1
  done
}

# Two cluster nodes a (198.18.0.1) and b (.2) on a bridge, each with its dockerd, a container on
# each; the tests run in the containers' network namespaces.
start_overlayd_containers() {
  COMM=java
  have wg wireguard-tools && have /usr/sbin/dockerd docker.io && have /usr/bin/docker docker.io \
    && have /bin/busybox busybox-static && have nsenter util-linux && have nft nftables || return 1
  [ -x "$top/bin/overlayd" ] || fail "$top/bin/overlayd is not executable" || return 1
  rm -rf "$dir"; mkdir -p "$dir"
  container_hosts_up $NA $NB 198.18.0 "$OUT/$SYS/daemon-a.log" "$OUT/$SYS/daemon-b.log" >"$OUT/$SYS/setup.log" 2>&1 \
    || fail "the cluster nodes did not come up (see setup.log, daemon-*.log, dockerd logs in $dir/d*)" || return 1
  local pa pb
  container_up $NA src >/dev/null 2>>"$OUT/$SYS/setup.log" && DST=$(container_up $NB dst 2>>"$OUT/$SYS/setup.log") \
    && pa=$(container_pid $NA src) && pb=$(container_pid $NB dst) \
    || fail "the containers were not attached (see setup.log)" || return 1
  AT_A=(nsenter --net=/proc/$pa/ns/net) AT_B=(nsenter --net=/proc/$pb/ns/net)
}
# After the containers, the same two nodes host to host over the overlay (no cold run: the path is
# the one the containers' traffic took).
then_overlayd_containers() {
  AT_A=(ip netns exec $NA) AT_B=(ip netns exec $NB)
  DST=$(ip -n $NB -4 -o addr show dev $NB | awk '{sub("/.*", "", $4); print $4}')
  [ -n "$DST" ] || fail "node b has no overlay address" || return 1
  measure overlayd-containers:nodes "$OUT/$SYS/nodes" 0
}
# The rows a system gives, in the table's order.
rows_of() {
  case $1 in
    overlayd-containers) echo overlayd-containers:nodes overlayd-containers ;;
    *) echo "$1" ;;
  esac
}

# --- measurements ----------------------------------------------------------------------------
# iperf3 client on a against the server on b; the JSON goes to $RD/NAME.json.
iperf() { # name args...
  local name=$1; shift
  "${AT_A[@]}" timeout $((T + WARMUP + 30)) iperf3 -c "$DST" -p 5201 -J "$@" \
    >"$RD/$name.json" 2>"$RD/$name.err"
  sleep 0.5
}
listening() { "${AT_B[@]}" ss -Hltn 'sport = :5201' | grep -q .; }

# measure ROW DIR COLD: the tests of one row (results under ROW, raw outputs in DIR), the cold run
# first when COLD is 1.
measure() {
  local ROW=$1 RD=$2 cold=$3 pids=() t0 t1 bytes=0 v rtt rx loss jitter
  mkdir -p "$RD"
  # shellcheck disable=SC2207 # pids are words
  [ -n "$COMM" ] && pids=($(pids_in "$COMM" $NA $NB))
  if [ -n "$COMM" ] && [ ${#pids[@]} -ne 2 ]; then
    fail "expected 2 $COMM processes in the namespaces, found ${#pids[@]}"; return 1
  fi
  "${AT_B[@]}" iperf3 -s -p 5201 >"$RD/iperf3-server.log" 2>&1 &
  BG_PIDS+=($!)
  wait_for 5 listening || { fail "iperf3 server did not start"; return 1; }
  reachable || { fail "no ping reply from $DST across the overlay"; return 1; }
  if [ "$cold" = 1 ]; then
    log "$ROW: TCP a->b cold ${T} s"; iperf tcp-cold -t "$T"; alive "${pids[@]}" || return 1
    v=$(parse_iperf tcp "$RD/tcp-cold.json") || v=failed
    result "$ROW" tcp_cold "${v% *}"
  fi
  [ "$WARMUP" -gt 0 ] && { log "$ROW: warm-up ${WARMUP} s"; iperf warmup -t "$WARMUP"; }
  alive "${pids[@]}" || return 1

  log "$ROW: ping x$PINGS"
  "${AT_A[@]}" ping -c "$PINGS" -i 0.01 -W 1 "$DST" >"$RD/ping.txt" 2>&1
  rtt=$(python3 - "$RD/ping.txt" <<'PY' 2>/dev/null
import math, re, sys
rtts = sorted(float(m) for m in re.findall(r"time=([0-9.]+) ms", open(sys.argv[1]).read()))
if not rtts: sys.exit(1)
rank = lambda p: rtts[max(0, math.ceil(p / 100 * len(rtts)) - 1)]   # nearest rank
print("%.4f %.4f" % (rank(50), rank(99)))
PY
)
  [ -n "$rtt" ] && { result "$ROW" rtt_p50 "${rtt% *}"; result "$ROW" rtt_p99 "${rtt#* }"; }

  # The CPU window spans exactly the three TCP tests.
  t0=$(cpu_ticks "${pids[@]}")
  log "$ROW: TCP a->b ${T} s"; iperf tcp-ab -t "$T"; alive "${pids[@]}" || return 1
  log "$ROW: TCP b->a ${T} s"; iperf tcp-ba -t "$T" -R; alive "${pids[@]}" || return 1
  log "$ROW: TCP x4 a->b ${T} s"; iperf tcp-p4 -t "$T" -P 4; alive "${pids[@]}" || return 1
  t1=$(cpu_ticks "${pids[@]}")
  local name key
  for name in tcp-ab tcp-ba tcp-p4; do
    v=$(parse_iperf tcp "$RD/$name.json") || v=
    key=${name//-/_}
    if [ -n "$v" ]; then result "$ROW" "$key" "${v% *}"; bytes=$((bytes + ${v#* })); else result "$ROW" "$key" failed; fi
  done
  [ -n "$COMM" ] && result "$ROW" cpu_gb "$(cpu_per_gb "$t0" "$t1" "$bytes")"

  log "$ROW: UDP a->b ${UDP_RATE} ${T} s"; iperf udp -t "$T" -u -b "$UDP_RATE" -l 1200
  alive "${pids[@]}" || return 1
  v=$(parse_iperf udp "$RD/udp.json") || v=
  if [ -n "$v" ]; then
    read -r rx loss jitter <<< "$v"
    result "$ROW" udp_rx "$rx"; result "$ROW" udp_loss "$loss"; result "$ROW" udp_jitter "$jitter"
  else
    result "$ROW" udp_rx failed; result "$ROW" udp_loss failed; result "$ROW" udp_jitter failed
  fi

  if [ -n "$COMM" ]; then
    v=$(peak_rss_kib "${pids[@]}")
    if [ "$v" = gone ]; then result "$ROW" rss failed; fail "a daemon exited during the tests"; return 1; fi
    result "$ROW" rss "$(python3 -c "print('%.1f' % ($v / 1024))")"
  fi
  # The server goes with its row: the next row's may run in another namespace.
  kill "${BG_PIDS[-1]}" 2>/dev/null
  result "$ROW" status ok
}

FAILED=0 ROWS=()
for SYS in "${SYSTEMS[@]}"; do
  log "$SYS"
  mkdir -p "$OUT/$SYS"; rm -f "$D/why" "$D"/*.key "$D"/*.pub; rm -rf "$D/neb"
  case $SYS in
    veth) result veth label "veth (no overlay)" ;;
    overlayd) result overlayd label "overlayd ${V_OVL:-}" ;;
    overlayd-containers)
      result overlayd-containers:nodes label "overlayd cluster, nodes"
      result overlayd-containers label "overlayd cluster, containers" ;;
    wireguard-go) result wireguard-go label "wireguard-go ${V_WG#not installed}" ;;
    nebula) result nebula label "nebula ${V_NEB#not installed}" ;;
    overlayd-wireguard-go) result overlayd-wireguard-go label "overlayd ↔ wireguard-go" ;;
  esac
  AT_A=(ip netns exec $NA) AT_B=(ip netns exec $NB)
  if "start_${SYS//-/_}" && measure "$SYS" "$OUT/$SYS" 1; then
    if declare -F "then_${SYS//-/_}" >/dev/null; then "then_${SYS//-/_}"; fi
  fi
  # shellcheck disable=SC2046 # rows are words
  set -- $(rows_of "$SYS")
  ROWS+=("$@")
  why=$(head -1 "$D/why" 2>/dev/null); why=${why:-unknown reason} shown=0
  for row in "$@"; do
    grep -qxF "$row	status	ok" "$RESULTS" && continue
    [ $shown = 1 ] || { echo "compare: $SYS failed: $why" >&2; show_logs "$OUT/$SYS"; shown=1; }
    FAILED=1
    result "$row" status "failed: $why"
  done
  teardown
done

# --- the table -------------------------------------------------------------------------------
python3 - "$RESULTS" "${ROWS[@]}" <<'EOF' | md_table > "$OUT/table.md"
import sys
path, systems = sys.argv[1], sys.argv[2:]
res = {}
for line in open(path):
    s, k, v = line.rstrip("\n").split("\t", 2)
    res.setdefault(s, {})[k] = v
PEERS = ["wireguard-go", "nebula"]
COLS = [  # key, header, higher is better, decimals
    ("tcp_cold", "TCP a→b cold Mbit/s", True, 0),
    ("tcp_ab", "TCP a→b Mbit/s", True, 0), ("tcp_ba", "TCP b→a Mbit/s", True, 0),
    ("tcp_p4", "TCP 4× a→b Mbit/s", True, 0), ("udp_rx", "UDP rx Mbit/s", True, 0),
    ("udp_loss", "UDP loss %", False, 2), ("udp_jitter", "UDP jitter ms", False, 3),
    ("rtt_p50", "RTT p50 ms", False, 3), ("rtt_p99", "RTT p99 ms", False, 3),
    ("cpu_gb", "CPU s/GB", False, 2), ("rss", "peak RSS MiB", False, 0),
]
ok = lambda s: res.get(s, {}).get("status") == "ok"
def num(s, k):
    try: return float(res.get(s, {}).get(k, ""))
    except ValueError: return None
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
            row.append(r.get(key, "—"))
            continue
        # The reference: the best of the peers measured; with no peer measured, the best overlay.
        ref = [x for x in (num(p, key) for p in PEERS if ok(p)) if x is not None]
        if not ref:
            ref = [x for x in (num(p, key) for p in systems if p != "veth" and ok(p)) if x is not None]
        cell = "%.*f" % (dec, v)
        if ref:
            best = max(ref) if higher else min(ref)
            if best != 0: cell += " (%.2f×)" % (v / best)
            elif v == 0: cell += " (1.00×)"
            else: cell += " (—)"
        row.append(cell)
    rows.append(row)
print("\t".join(["system"] + [c[1] for c in COLS]))
for r in rows: print("\t".join(r))
print()
print("(×: ratio to the best of the peers wireguard-go and nebula in that column, the highest for"
      " throughput, the lowest for loss, jitter, RTT, CPU and RSS; (—): the best is 0.")
note = (" a = client host 198.18.0.1, b = server host; cold: the first test, started once the first ping"
        " through the tunnel was answered; CPU s/GB: daemons' utime+stime on both hosts"
        " during the three TCP tests per GB iperf3 received; RSS: VmHWM, larger of the two daemons.")
if "overlayd-containers" in systems:
    note += ("\n overlayd cluster: two cluster nodes (cluster mode, a dockerd each); containers: container to"
             " container across the nodes, measured first; nodes: node to node over the same overlay, after it.")
print(note + ")")
C = "overlayd-containers"
def ratios(base):
    parts = []
    for key, name in (("tcp_ab", "TCP a→b"), ("tcp_ba", "b→a"), ("rtt_p50", "RTT p50")):
        a, b = num(C, key), num(base, key)
        parts.append("%s %s" % (name, "%.2f×" % (a / b) if a is not None and b else "—"))
    return ", ".join(parts)
if ok(C):
    line = "containers vs host-to-host overlay:"
    if ok(C + ":nodes"): line += " nodes of the same cluster " + ratios(C + ":nodes")
    if ok("overlayd"): line += ("; " if ok(C + ":nodes") else " ") + "overlayd row (config mode, veth pair) " + ratios("overlayd")
    print(line)
for n in notes: print("failed: " + n)
EOF
{ echo; cat "$OUT/header.txt"; echo; cat "$OUT/table.md"; } | tee "$OUT/report.md"
[ -n "$RAW" ] && echo "raw outputs in $RAW" >&2
exit $FAILED
