#!/usr/bin/env bash
# A long run of everything at once, to see what grows: two cluster nodes (network namespaces on one
# bridge, 198.18.6.0/24), each with its dockerd, `containers:` and `discovery:`; node 1 also runs the
# edge proxy. For SECONDS (default 1800):
#   rekeying every 2 s: both overlayds run with OVERLAYD_TEST_REKEY_AFTER_SECONDS=2, so their tunnel
#     gets a new session every 2 s instead of every 120 s;
#   container churn (overlayd the dockerds' authorization plugin, so that every start waits for its
#     attach): every second a container (service `churn`) starts, alternately on node 1 and
#     node 2, and the one started three seconds before is removed: attached, registered, detached and
#     withdrawn, about 1,800 times each in 30 minutes;
#   steady HTTPS: bench/soak-client.py in a namespace of its own (198.18.6.101, trusted as the
#     balancer) sends RATE requests/s (default 50) through the edge on node 1, a PROXY v1 header and
#     TLS per connection, keep-alive for 100 requests, to service `web` (a busybox httpd copy on each
#     node, so half go across the overlay); nothing is retried, so any request without a 200 is lost.
# Every 10 s it samples each overlayd: VmRSS, open descriptors, threads, and the age of its latest
# handshake; at 60 s and at the end, the heap live after a full collection (jcmd GC.run) and the
# JVM's memory by category (native memory tracking: a baseline at 60 s, its diff at the end, kept as
# native-memory-N.txt). At the end: the requests sent, answered and lost (with why); the audit log's lines
# against the requests; the churn's starts and removals that failed; the first (after a minute of
# warm-up), lowest, highest and last RSS and descriptors per node; and every WARNING or SEVERE line
# the daemons logged, counted by message. Samples, logs and the client's output go to OUT.
# Usage: bench/soak.sh [--seconds S] [--rate R] [--out DIR] [--no-build]
# It removes everything it made, also on failure or Ctrl-C. It does not take /tmp/overlayd-test.lock
# (its names, ovs*, are its own), so other work may share the machine: the samples are about growth,
# not speed. Needs root, docker.io, busybox-static, python3, openssl, wireguard-tools, nftables.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
seconds=1800 rate=50 out= build=1
usage() { echo "usage: $0 [--seconds S] [--rate R] [--out DIR] [--no-build]" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift ;;
    --rate) rate=$2; shift ;;
    --out) out=$2; shift ;;
    --no-build) build=0 ;;
    *) usage ;;
  esac
  shift
done
[ "$(id -u)" = 0 ] || { echo "soak: run as root (it creates network namespaces, TUN devices and dockerds)" >&2; exit 1; }
for tool in /usr/sbin/dockerd /usr/bin/python3 /usr/bin/openssl /usr/bin/wg /usr/sbin/nft /bin/busybox; do
  [ -x "$tool" ] || { echo "soak: needs $tool" >&2; exit 2; }
done
[ "$build" = 1 ] && ./mvnw -q -pl cli -am package -DskipTests
out=${out:-/tmp/overlayd-soak.$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$out"
dir=$(mktemp -d /tmp/overlayd-soak.XXXXXX)
docker_root=$dir sw=ovs-sw pfx=ovs
. "$top/bench/.switch-hosts"
. "$top/bin/.docker-hosts"
churner=
cleanup() {
  [ -z "$churner" ] || kill "$churner" 2>/dev/null || true
  # The logs are the run's record: kept in OUT before the directory goes, also after a failure.
  for ns in ovs1 ovs2; do [ ! -f "$dir/$ns.log" ] || cp "$dir/$ns.log" "$out/"; done
  [ ! -f "$dir/access.log" ] || cp "$dir/access.log" "$out/"
  docker_hosts_down
  switch_cleanup
}
trap cleanup EXIT
trap 'exit 130' INT TERM

net=198.18.6 client=198.18.6.101
switch_up
switch_host ovs1 1 $net
switch_host ovs2 2 $net
switch_plain ovs-cl 101 $net cl
mkdir -p "$dir/tls"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=soak.bench.test \
  -addext "subjectAltName=DNS:soak.bench.test" -keyout "$dir/tls/site.key" -out "$dir/tls/site.crt" 2>/dev/null
for h in 1 2; do
  cat >>"$dir/ovs$h/overlay.yaml" <<YAML
seeds: $([ $h = 1 ] && echo "[]" || echo "[\"$net.1:51820\"]")
containers:
  docker: unix://$dir/d$h/docker.sock
discovery:
  docker: unix://$dir/d$h/docker.sock
  dns: {forward: []}
YAML
done
cat >>"$dir/ovs1/overlay.yaml" <<YAML
edge:
  https:
    listen: $net.1:8443
    certificates: [{cert: $dir/tls/site.crt, key: $dir/tls/site.key}]
  proxy_protocol: {trusted: [$client/32]}
  routes: [{path: /, service: web}]
  access_log: {path: $dir/access.log, format: json}
YAML
for h in 1 2; do
  docker_host_up $h ovs$h 198.19.6$h.1/24
  # Native memory tracking (summary: a few percent of CPU here) says which part of the JVM's own
  # memory grew; what RSS grows beyond it is outside the JVM's accounting (libcrypto, BoringSSL, libc's heap).
  docker_inside $h ovs$h env OVERLAYD_LOG="$dir/ovs$h.log" OVERLAYD_TEST_REKEY_AFTER_SECONDS=2 \
    OVERLAYD_JAVA_OPTS="${OVERLAYD_JAVA_OPTS:-} -XX:NativeMemoryTracking=summary" "$top/bin/overlayd" --config "$dir/ovs$h/overlay.yaml"
done
for h in 1 2; do
  for _ in $(seq 300); do docker_on $h network inspect overlay >/dev/null 2>&1 && break; sleep 0.1; done
  # The guaranteed path (README, Containers): dockerd holds each start until overlayd has attached it.
  docker_authz_on $h
  docker_on $h run -d --init --name web --expose 8080 -l SERVICE_NAME=web local/busybox \
    sh -c 'mkdir -p /www && head -c 1024 /dev/zero | tr "\0" x >/www/1k && exec httpd -f -p 8080 -h /www' >/dev/null
done
# Both copies in node 1's catalog and served through the edge before the clock starts.
ready=0
for _ in $(seq 300); do
  if [ "$("$top/bin/overlayctl" routes web --json -i ovs1 2>/dev/null | grep -o '"health" *: *"passing"' | wc -l)" -ge 2 ]; then
    ready=1; break
  fi
  sleep 0.1
done
[ "$ready" = 1 ] || { echo "soak: node 1 does not route to two copies of web within 30 s:" >&2
  "$top/bin/overlayctl" routes web -i ovs1 >&2 || true; tail -n 5 "$dir/ovs1.log" >&2; exit 1; }

pid_of() { # the overlayd JVM in namespace $1
  local p
  for p in $(ip netns pids "$1"); do
    grep -q "dev.overlayd.cli.Overlayd" "/proc/$p/cmdline" 2>/dev/null && { echo "$p"; return; }
  done
}
pids=([1]=$(pid_of ovs1) [2]=$(pid_of ovs2))

# One tick a second, each tick's start and removal in the background: a `docker run` here may take
# longer than a second, and the churn is to keep its pace, not the daemons'. A container is removed
# three ticks after its start, once that start has returned: removing one still starting would fail
# the start on purpose.
churn() {
  local i=0
  mkdir -p "$dir/churn"
  while :; do
    i=$((i + 1))
    { docker_on $((i % 2 + 1)) run -d --init --name "churn$i" --expose 7000 -l SERVICE_NAME=churn local/busybox \
        sleep 600 >/dev/null 2>>"$out/churn-errors.log" && echo start || echo start-failed; touch "$dir/churn/$i"; } \
      >>"$out/churn.log" &
    if [ $i -gt 3 ]; then
      { for _ in $(seq 600); do [ -f "$dir/churn/$((i - 3))" ] && break; sleep 0.1; done
        docker_on $(((i - 3) % 2 + 1)) rm -f "churn$((i - 3))" >/dev/null 2>>"$out/churn-errors.log" \
          && echo stop || echo stop-failed; } >>"$out/churn.log" &
    fi
    sleep 1
  done
}
# The heap a JVM holds live: used, in KB, right after a full collection (jcmd; the JDK bin/overlayd
# runs): the young and old generations' lines of GC.heap_info ("DefNew total ..., used ...K").
live_heap() {
  "$JAVA_HOME/bin/jcmd" "$1" GC.run >/dev/null &&
    "$JAVA_HOME/bin/jcmd" "$1" GC.heap_info | awk '/^[A-Za-z]/ && / total / { for (i = 1; i < NF; i++) if ($i == "used") { v = $(i + 1); sub(/K.*/, "", v); s += v } } END { print s }'
}
. "$top/.mvn/select-jdk.sh"
: >"$out/churn.log"
churn &
churner=$!

echo "soak: $seconds s, $rate requests/s, churn 1/s, rekey every 2 s; samples in $out/samples.tsv" >&2
printf 't\tnode\trss_kb\tfds\tthreads\thandshake_age_s\n' >"$out/samples.tsv"
ip netns exec ovs-cl python3 "$top/bench/soak-client.py" --host $net.1 --port 8443 --client $client \
  --cafile "$dir/tls/site.crt" --rate "$rate" --seconds "$seconds" >"$out/client.jsonl" 2>"$out/client.err" &
client_pid=$!
t0=$(date +%s)
heap_at=
while kill -0 $client_pid 2>/dev/null; do
  t=$(($(date +%s) - t0))
  if [ -z "$heap_at" ] && [ "$t" -ge 60 ]; then
    heap_at=$t
    for h in 1 2; do
      echo "$h $(live_heap "${pids[$h]}")" >>"$out/live-heap-start"
      "$JAVA_HOME/bin/jcmd" "${pids[$h]}" VM.native_memory baseline >/dev/null
    done
  fi
  for h in 1 2; do
    p=${pids[$h]}
    rss=$(awk '/^VmRSS/ {print $2}' "/proc/$p/status")
    fds=$(ls "/proc/$p/fd" | wc -l)
    threads=$(awk '/^Threads/ {print $2}' "/proc/$p/status")
    hs=$(ip netns exec ovs$h wg show ovs$h latest-handshakes | awk -v now="$(date +%s)" '{print now - $2}' | head -n 1)
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$h" "$rss" "$fds" "$threads" "$hs" >>"$out/samples.tsv"
  done
  sleep 10
done
wait $client_pid || true
for h in 1 2; do
  echo "$h $(live_heap "${pids[$h]}")" >>"$out/live-heap-end"
  "$JAVA_HOME/bin/jcmd" "${pids[$h]}" VM.native_memory summary.diff >"$out/native-memory-$h.txt"
  echo "$h $(awk '/^VmRSS/ {print $2}' "/proc/${pids[$h]}/status")" >>"$out/rss-end"
done
kill "$churner" 2>/dev/null || true
wait "$churner" 2>/dev/null || true
churner=

sleep 5 # the last churn's starts and removals
for ns in ovs1 ovs2; do cp "$dir/$ns.log" "$out/"; done
cp "$dir/access.log" "$out/"
summary=$(tail -n 1 "$out/client.jsonl")
audited=$(wc -l <"$out/access.log")
python3 - "$out" "$summary" "$audited" "$seconds" "$rate" <<'PY'
import collections, json, re, sys
out, summary, audited, seconds, rate = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
rows = [l.rstrip("\n").split("\t") for l in open(f"{out}/samples.tsv")][1:]
churn = collections.Counter(l.strip() for l in open(f"{out}/churn.log"))
print(f"soak: {seconds} s, {rate} requests/s through the edge, container churn 1/s, rekey every 2 s\n")
print("| requests sent | answered 200 | lost | audit log lines | churn starts (failed) | removals (failed) |")
print("|---|---|---|---|---|---|")
lost = ", ".join(f"{k} {v}" for k, v in summary["lost"].items()) or "0"
print(f"| {summary['sent']} | {summary['ok']} | {lost} | {audited} | {churn['start']} ({churn['start-failed']}) "
      f"| {churn['stop']} ({churn['stop-failed']}) |\n")
print("| node | RSS MB at 60 s / min / max / end | descriptors at 60 s / min / max / end | threads end | newest handshake, oldest seen (s) |")
print("|---|---|---|---|---|")
for node in ("1", "2"):
    mine = [r for r in rows if r[1] == node and int(r[0]) >= 60] or [r for r in rows if r[1] == node]
    rss = [int(r[2]) / 1024 for r in mine]
    fds = [int(r[3]) for r in mine]
    ages = [int(r[5]) for r in mine if r[5]]
    print(f"| {node} | {rss[0]:.0f} / {min(rss):.0f} / {max(rss):.0f} / {rss[-1]:.0f} "
          f"| {fds[0]} / {min(fds)} / {max(fds)} / {fds[-1]} | {mine[-1][4]} | {max(ages) if ages else '-'} |")
# The curve: one sample every tenth of the run (every 3 min in 30).
step = max(10, int(seconds) // 10)
print(f"\nRSS MB / descriptors every {step} s:\n")
marks = sorted({int(r[0]) // step * step for r in rows})
print("| node | " + " | ".join(f"{m} s" for m in marks) + " |")
print("|---|" + "---|" * len(marks))
for node in ("1", "2"):
    at = {}
    for r in rows:
        if r[1] == node:
            at.setdefault(int(r[0]) // step * step, r)
    print(f"| {node} | " + " | ".join(f"{int(at[m][2]) / 1024:.0f} / {at[m][3]}" if m in at else "-" for m in marks) + " |")
def heap(name):
    try:
        return dict(l.split() for l in open(f"{out}/{name}") if len(l.split()) == 2)
    except FileNotFoundError:
        return {}
start, end = heap("live-heap-start"), heap("live-heap-end")
print("\nLive heap after a full GC (jcmd GC.run), MB, at 60 s and at the end: " + ", ".join(
    f"node {n} {int(start[n]) / 1024:.1f} -> {int(end[n]) / 1024:.1f}" for n in ("1", "2") if n in start and n in end))
# Against the baseline taken at 60 s: the JVM's committed memory by category, the ones that moved
# most, and the RSS growth over the same span beyond it (committed is not resident: the heap's pages
# count in RSS only once touched).
for node in ("1", "2"):
    try:
        text = open(f"{out}/native-memory-{node}.txt").read()
    except FileNotFoundError:
        continue
    total = re.search(r"Total: reserved=\d+KB [+-]\d+KB, committed=(\d+)KB ([+-]\d+)KB", text)
    moved = sorted(((int(d), name) for name, d in re.findall(
        r"^-\s+(.+?) \(reserved=\d+KB(?: [+-]\d+KB)?, committed=\d+KB ([+-]\d+)KB\)", text, re.M)),
        key=lambda x: -abs(x[0]))
    first = next((int(r[2]) for r in rows if r[1] == node and int(r[0]) >= 60), None)
    last = dict(l.split() for l in open(f"{out}/rss-end")).get(node)
    if total and first and last:
        grew = (int(last) - first) / 1024
        jvm = int(total.group(2)) / 1024
        print(f"\nnode {node}, 60 s to the end: RSS {grew:+.1f} MB; the JVM's committed memory {jvm:+.1f} MB ("
              + ", ".join(f"{name} {d / 1024:+.1f}" for d, name in moved[:5]) + f"); the other {grew - jvm:+.1f} MB are "
              "pages first touched in memory committed before (the heap's) or memory the JVM does not track "
              "(libc's heap, libcrypto, BoringSSL)")
for node in ("1", "2"):
    counts = collections.Counter()
    for line in open(f"{out}/ovs{node}.log", errors="replace"):
        m = re.search(r"\b(WARNING|SEVERE|ERROR)\b:? (.*)", line)
        if m:
            counts[re.sub(r"\d+", "N", m.group(2))[:160]] += 1
    print(f"\nnode {node}: {sum(counts.values())} WARNING/SEVERE lines" + (":" if counts else ""))
    for msg, n in counts.most_common(10):
        print(f"  {n} × {msg}")
PY
