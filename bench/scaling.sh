#!/usr/bin/env bash
# How the cost grows with concurrent peers, and what one more core buys: one hub host and up to four
# sender hosts (network namespaces, each a veth on one bridge in a namespace of its own, underlay
# 198.18.4.0/24: hub .1, senders .11-.14), each sender with one peer, the hub; the hub with one peer
# per sender (overlay 100.64.4.0/24: hub .1, senders .11-.14). For each daemon (overlayd, wireguard-go)
# and each placement (all daemons pinned to CPU 0 with taskset -c 0 from their start, or free on
# every CPU), the daemons start fresh, an unmeasured warm-up has every sender send to the hub at once,
# then for N = 1, 2, 4 senders:
#   up:   N iperf3 single-stream TCP clients, one on each sender, send to the hub at once, each to an
#         iperf3 server of its own on the hub;
#   down: the same N clients with -R: the hub sends to the N senders at once.
# Per case: the aggregate Mbit/s (the sum of the receivers' rates) and CPU seconds per GB (utime+stime
# of the hub's and the N senders' daemons over the pass, per GB the receivers got). iperf3 is never
# pinned: with the daemons on CPU 0 the scheduler still puts the iperf3s (and the kernel's share of
# the veths and bridge) on both CPUs, so the placements differ in the daemons' cores only.
# Prints one markdown table (fixed-width columns) after the run's header; a case that fails says so,
# and the run goes on. Everything it creates carries the prefix ovs<pid> and is removed on exit,
# failure or Ctrl-C. Needs root, iperf3, wireguard-tools and wireguard-go. Exit status: 0 when every
# case was measured, 1 otherwise.
set -uo pipefail

usage() {
  cat <<EOF
usage: bench/scaling.sh [options]
  -t, --time SECONDS     length of each pass, all clients at once (default 5)
  --warmup SECONDS       unmeasured pass with every sender after each start (default 2)
  --senders LIST         comma-separated numbers of concurrent senders, 1 to 4 (default 1,2,4)
  --only LIST            comma-separated subset of: overlayd,wireguard-go (default both)
  --raw DIR              keep the iperf3 JSON, daemon logs and the table in DIR
  --no-build             do not build overlayd first (use cli/target/overlayd.jar as it is)
  -h, --help             this text
Environment: OVERLAYD, WIREGUARD_GO name the programs to run (default: bin/overlayd of this tree,
and wireguard-go from PATH).
EOF
}

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/.compare-lib"
T=5 WARMUP=2 COUNTS=1,2,4 ONLY=overlayd,wireguard-go RAW= BUILD=1
cmdline=$(command_line "$0" "$@")
while [ $# -gt 0 ]; do
  case "$1" in
    -t|--time) T=${2:?}; shift ;;
    --time=*) T=${1#*=} ;;
    --warmup) WARMUP=${2:?}; shift ;;
    --warmup=*) WARMUP=${1#*=} ;;
    --senders) COUNTS=${2:?}; shift ;;
    --senders=*) COUNTS=${1#*=} ;;
    --only) ONLY=${2:?}; shift ;;
    --only=*) ONLY=${1#*=} ;;
    --raw) RAW=${2:?}; shift ;;
    --raw=*) RAW=${1#*=} ;;
    --no-build) BUILD=0 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "scaling: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
for v in "$T" "$WARMUP"; do
  [[ $v =~ ^[0-9]+$ ]] || { echo "scaling: '$v' is not a whole number" >&2; exit 2; }
done
[ "$T" -ge 1 ] || { echo "scaling: --time must be at least 1" >&2; exit 2; }
SENDERS=()
for c in ${COUNTS//,/ }; do
  [[ $c =~ ^[1-4]$ ]] || { echo "scaling: --senders takes numbers from 1 to 4, not '$c'" >&2; exit 2; }
  SENDERS+=("$c")
done
[ ${#SENDERS[@]} -gt 0 ] || { echo "scaling: --senders names no number" >&2; exit 2; }
MAX=$(printf '%s\n' "${SENDERS[@]}" | sort -n | tail -1)
DAEMONS=()
for s in ${ONLY//,/ }; do
  case $s in
    overlayd|wireguard-go) DAEMONS+=("$s") ;;
    *) echo "scaling: unknown daemon '$s' (known: overlayd,wireguard-go)" >&2; exit 2 ;;
  esac
done
[ ${#DAEMONS[@]} -gt 0 ] || { echo "scaling: --only names no daemon" >&2; exit 2; }
[ "$(nproc)" -ge 2 ] || { echo "scaling: needs at least 2 CPUs (pinned to one versus free on two)" >&2; exit 1; }

[ "$(id -u)" = 0 ] || { echo "scaling: run as root (it creates network namespaces and TUN devices)" >&2; exit 1; }
need ip iproute2; need iperf3 iperf3; need python3 python3; need timeout coreutils; need taskset util-linux
need wg wireguard-tools

# Names unique to this run: namespaces ${P}h (hub), ${P}s1..4 (senders), ${P}-sw (the bridge's);
# tunnels ${P}wh, ${P}w1..4 (UAPI sockets are global); veths made inside the namespaces.
start_run ovs
RESULTS=$OUT/results.tsv
: > "$RESULTS"
HUB=${P}h SW=${P}-sw

result() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >> "$RESULTS"; }

header "$cmdline" \
  "tests:   per case iperf3 one TCP stream per sender, all at once, ${T} s, up (senders → hub) then down (-R); ${WARMUP} s warm-up after each start; iperf3 unpinned"

if [[ " ${DAEMONS[*]} " == *" overlayd "* ]] && [ "$BUILD" = 1 ] && [ "$OVERLAYD" = "$top/bin/overlayd" ]; then
  build_overlayd
fi

# --- the hosts -------------------------------------------------------------------------------
host_on_bridge() { # ns underlay-address
  ip netns add "$1" && ip link add ${P}u netns "$1" type veth peer name "p${1#"$P"}" netns $SW \
    && ip -n $SW link set "p${1#"$P"}" master br0 up \
    && ip -n "$1" addr add "$2/24" dev ${P}u && ip -n "$1" link set ${P}u up && ip -n "$1" link set lo up
}
up_hosts() {
  local i
  ip netns add $SW && ip -n $SW link add br0 type bridge && ip -n $SW link set br0 up && ip -n $SW link set lo up \
    && host_on_bridge $HUB 198.18.4.1 || return 1
  for i in $(seq "$MAX"); do host_on_bridge ${P}s$i 198.18.4.1$i || return 1; done
}

# The hub with one peer per sender, each sender with the hub as its only peer.
start_daemons() { # overlayd|wireguard-go
  local i peers=()
  keys hub $(seq -f 's%g' "$MAX") || fail "wg genkey failed" || return 1
  for i in $(seq "$MAX"); do peers+=("s$i 198.18.4.1$i:51820 100.64.4.1$i/32"); done
  daemon_up "$1" $HUB ${P}wh hub 100.64.4.1/24 "$RD/daemon-hub.log" "${peers[@]}" || return 1
  for i in $(seq "$MAX"); do
    daemon_up "$1" ${P}s$i ${P}w$i s$i 100.64.4.1$i/24 "$RD/daemon-s$i.log" "hub 198.18.4.1:51820 100.64.4.1/32" || return 1
  done
  for i in $(seq "$MAX"); do
    wait_for 20 ip netns exec ${P}s$i ping -c 1 -W 1 100.64.4.1 >/dev/null 2>&1 \
      || fail "no ping reply from the hub across the overlay on sender $i" || return 1
  done
}

# pass NAME N [-R]: N clients at once, sender i against the hub's server on port 5200+i; prints
# "BYTES MBITS" (sums of the receivers), or fails.
pass() {
  local name=$1 n=$2 i pids=() v bytes=0 mbits=0; shift 2
  for i in $(seq "$n"); do
    ip netns exec ${P}s$i timeout $((T + 30)) iperf3 -c 100.64.4.1 -p $((5200 + i)) -t "$T" -J "$@" \
      >"$RD/$name-s$i.json" 2>"$RD/$name-s$i.err" &
    pids+=($!)
  done
  wait "${pids[@]}"
  sleep 0.5
  for i in $(seq "$n"); do
    v=$(parse_iperf tcp "$RD/$name-s$i.json") || { fail "iperf3 on sender $i failed in $name (see $name-s$i.err)"; return 1; }
    mbits=$(python3 -c "print('%.3f' % ($mbits + ${v% *}))"); bytes=$((bytes + ${v#* }))
  done
  echo "$bytes $mbits"
}

# measure_case ROW N DAEMON-PIDS...: the up and down passes with N senders.
measure_case() {
  local row=$1 n=$2 dir t0 t1 v; shift 2
  local hub=$1 senders=("${@:2:n}")
  for dir in up down; do
    log "$row: $dir ${T} s"
    t0=$(cpu_ticks "$hub" "${senders[@]}")
    if [ $dir = up ]; then v=$(pass "$dir-$n" "$n"); else v=$(pass "$dir-$n" "$n" -R); fi || return 1
    t1=$(cpu_ticks "$hub" "${senders[@]}")
    alive "$@" || return 1
    result "$row" "${dir}_mbits" "${v#* }"
    result "$row" "${dir}_cpu" "$(cpu_per_gb "$t0" "$t1" "${v% *}")"
  done
}

FAILED=0 ROWS=()
for DAEMON in "${DAEMONS[@]}"; do
  for PLACE in 1 2; do
    case=$DAEMON-$PLACE
    RD=$OUT/$case
    mkdir -p "$RD"; rm -f "$D/why" "$D"/*.key "$D"/*.pub
    for n in "${SENDERS[@]}"; do ROWS+=("$case-$n"); done
    if [ $PLACE = 1 ]; then PIN=(taskset -c 0); else PIN=(); fi
    log "$DAEMON, daemons on $([ $PLACE = 1 ] && echo "CPU 0" || echo "all CPUs")"
    ok=0
    case $DAEMON in
      overlayd) [ -x "$OVERLAYD" ] || fail "$OVERLAYD is not executable" ;;
      wireguard-go) have "$WIREGUARD_GO" wireguard-go ;;
    esac \
    && { up_hosts >"$RD/netns.log" 2>&1 || fail "creating the namespaces failed (see netns.log)"; } \
    && start_daemons "$DAEMON" && ok=1
    if [ $ok = 1 ]; then
      comm=$(daemon_comm "$DAEMON")
      # shellcheck disable=SC2207 # pids are words
      pids=($(pids_in "$comm" $HUB) $(for i in $(seq "$MAX"); do pids_in "$comm" ${P}s$i; done))
      [ ${#pids[@]} = $((MAX + 1)) ] || { fail "expected $((MAX + 1)) $comm processes, found ${#pids[@]}"; ok=0; }
    fi
    if [ $ok = 1 ]; then
      for i in $(seq "$MAX"); do
        ip netns exec $HUB iperf3 -s -p $((5200 + i)) >"$RD/iperf3-server-$i.log" 2>&1 &
      done
      wait_for 5 sh -c "[ \$(ip netns exec $HUB ss -Hltn 'sport >= :5201 and sport <= :5204' | wc -l) = $MAX ]" \
        || { fail "the iperf3 servers did not start"; ok=0; }
    fi
    if [ $ok = 1 ] && [ "$WARMUP" -gt 0 ]; then
      log "$case: warm-up ${WARMUP} s, $MAX senders"
      ( T=$WARMUP; pass warmup "$MAX" >/dev/null ) || ok=0
    fi
    for n in "${SENDERS[@]}"; do
      row=$case-$n
      result "$row" label "$DAEMON"; result "$row" place "$PLACE"; result "$row" n "$n"
      if [ $ok = 1 ] && measure_case "$row" "$n" "${pids[@]}"; then
        result "$row" status ok
      else
        ok=0 FAILED=1
        why=$(head -1 "$D/why" 2>/dev/null); why=${why:-unknown reason}
        result "$row" status "failed: $why"
      fi
    done
    if [ $ok = 0 ]; then echo "scaling: $case failed: $(head -1 "$D/why" 2>/dev/null)" >&2; show_logs "$RD"; fi
    teardown_namespaces
  done
done

# --- the table -------------------------------------------------------------------------------
python3 - "$RESULTS" "${ROWS[@]}" <<'EOF' | md_table > "$OUT/table.md"
import sys
path, rows = sys.argv[1], sys.argv[2:]
res = {}
for line in open(path):
    s, k, v = line.rstrip("\n").split("\t", 2)
    res.setdefault(s, {})[k] = v
def num(r, k):
    try: return float(res.get(r, {}).get(k, ""))
    except ValueError: return None
print("\t".join(["daemon", "daemons on", "senders", "senders→hub Mbit/s", "CPU s/GB", "hub→senders Mbit/s", "CPU s/GB"]))
notes = []
for r in rows:
    d = res[r]
    place = "1 CPU" if d["place"] == "1" else "2 CPUs"
    cells = [d["label"], place, d["n"]]
    if d.get("status") != "ok":
        notes.append("%s, %s, %s senders: %s" % (d["label"], place, d["n"], d.get("status", "failed")))
        print("\t".join(cells + ["failed"] * 4))
        continue
    one = r.rsplit("-", 2)[0] + "-1-" + d["n"]   # the same case with the daemons on CPU 0
    for dir in ("up", "down"):
        v, c = num(r, dir + "_mbits"), num(r, dir + "_cpu")
        cell = "%.0f" % v if v is not None else "—"
        base = num(one, dir + "_mbits")
        if d["place"] == "2" and v is not None and base:
            cell += " (%.2f×)" % (v / base)
        cells += [cell, "%.2f" % c if c is not None else res[r].get(dir + "_cpu", "—")]
    print("\t".join(cells))
print()
print("(senders: sender hosts whose iperf3 single-stream TCP runs at once, each to its own server on the hub;"
      " Mbit/s: the sum of the receivers' rates;")
print(" CPU s/GB: utime+stime of the hub's and those senders' daemons over the pass, per GB received;"
      " (×): against the same case with the daemons pinned to CPU 0.")
print(" 1 CPU: every daemon started under taskset -c 0; 2 CPUs: no pinning; iperf3 never pinned.)")
for n in notes: print("failed: " + n)
EOF
{ echo; cat "$OUT/header.txt"; echo; cat "$OUT/table.md"; } | tee "$OUT/report.md"
[ -n "$RAW" ] && echo "raw outputs in $RAW" >&2
exit $FAILED
