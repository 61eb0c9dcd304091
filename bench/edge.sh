#!/usr/bin/env bash
# The edge proxy against HAProxy and nginx, doing the same work in one run on this machine: HTTPS ended
# with the same certificate (EC P-256, made here) and ciphers, PROXY v1 accepted from the balancer only,
# an access log line per request (to a file, with the client's address from PROXY), one keep-alive
# backend. Namespaces on one bridge (198.18.5.0/24):
#   ove-cl  198.18.5.101  the load generators: wrk (HTTP/1.1 keep-alive) and h2load;
#   ove-lb  198.18.5.100  the balancer, HAProxy in TCP mode adding a PROXY v1 header (send-proxy), one
#                         frontend port per system under test, the same configuration for all;
#   ove1    198.18.5.1    a cluster node (overlayd) with its dockerd; the system under test runs here.
# The backend is one container on the node, nginx serving a 1 KB file with keep-alive (the host's
# nginx and its libraries bind-mounted into a busybox image), registered in the catalog as service
# `web`; all three proxies reach it at its overlay address over the node's route to it. overlayd's
# edge takes it from the catalog through a static route (edge.routes: [{service: web}]).
# All three run side by side, idle but for their turn. Each is warmed up (wrk, WARMUP seconds, 20 by
# default: the JVM's JIT needs them; overlayd's edge did half the requests/s in its first 20 s), then in
# each of ROUNDS rounds (the systems' order rotating, as the machine is shared): wrk -c 64 for SECONDS
# (requests/s, p50/p99), h2load with a new connection for every request (HTTP/1.1, `Connection: close`;
# a full TLS handshake each: bench/edge-noresume.c, preloaded, keeps the clients from resuming),
# h2load over HTTP/2 (64 connections, 10 streams each); the proxy's CPU time (utime + stime of its
# processes from /proc/PID/stat) per request; its VmRSS and VmHWM at the end. The table has medians.
# Pinning (2 cores): the proxy under test alone on CPU 1 (nginx 1 worker, HAProxy 1 thread, overlayd's
# JVM started there so it sizes itself for one core); load generator, balancer and backend on CPU 0.
# The table shows how busy each core was during wrk, and the proxy's own share of CPU 1.
# Usage: bench/edge.sh [--only haproxy,nginx,overlayd] [--seconds S] [--warmup S] [--handshakes N]
#                      [--rounds R] [--out DIR] [--no-pin] [--no-build]
# Each system is warmed up for 75 s first: overlayd's JIT, on its one core, is not done before about a minute.
# Raw outputs (every tool's, the configurations, a sample of each access log) go to DIR (default
# /tmp/overlayd-edge-results.<UTC time>). It takes /tmp/overlayd-test.lock itself (do not wrap it in
# flock) and removes everything it made, also on failure or Ctrl-C. Needs root, docker.io,
# busybox-static, haproxy, nginx, wrk, nghttp2-client (h2load), curl, openssl, gcc, wireguard-tools, nftables.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
lock=/tmp/overlayd-test.lock
if [ -z "${OVERLAYD_EDGE_LOCKED:-}" ]; then
  flock -n "$lock" true || echo "waiting for $lock (another test run holds it)..." >&2
  OVERLAYD_EDGE_LOCKED=1 exec flock "$lock" "$top/bench/edge.sh" "$@"
fi

only="haproxy nginx overlayd" seconds=10 warmup=75 handshakes=5000 rounds=3 out= pin=1 build=1
usage() { echo "usage: $0 [--only haproxy,nginx,overlayd] [--seconds S] [--warmup S] [--handshakes N] [--rounds R] [--out DIR] [--no-pin] [--no-build]" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --only) only=${2//,/ }; shift ;;
    --seconds) seconds=$2; shift ;;
    --warmup) warmup=$2; shift ;;
    --handshakes) handshakes=$2; shift ;;
    --rounds) rounds=$2; shift ;;
    --out) out=$2; shift ;;
    --no-pin) pin=0 ;;
    --no-build) build=0 ;;
    *) usage ;;
  esac
  shift
done
for s in $only; do case "$s" in haproxy|nginx|overlayd) ;; *) usage ;; esac; done
for tool in /usr/sbin/haproxy /usr/sbin/nginx /usr/bin/wrk /usr/bin/h2load /usr/bin/curl /usr/bin/openssl /usr/sbin/dockerd; do
  [ -x "$tool" ] || { echo "needs $tool" >&2; exit 2; }
done

[ "$build" = 1 ] && ./mvnw -q -pl cli -am package -DskipTests
out=${out:-/tmp/overlayd-edge-results.$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$out"
dir=$(mktemp -d /tmp/overlayd-edge.XXXXXX)
docker_root=$dir
sw=ove-sw
. "$top/bin/.docker-hosts"
. "$top/bench/.switch-hosts"
cleanup() {
  docker_hosts_down
  for ns in $(ip netns list | awk '/^ove/{print $1}'); do
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  done
  rm -f /var/run/wireguard/ove1.sock /var/run/overlayd/ove1.sock
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# The machine is shared, and with autogroups (kernel.sched_autogroup_enabled) every session gets an
# equal share of a core whatever the nice of its processes: this run's session (the caller's) gets a
# heavier one, nice -10, until it ends, so that other work on the machine disturbs it less.
if [ -w /proc/self/autogroup ]; then
  autogroup_nice=$(awk '{ print $3 }' /proc/self/autogroup)
  trap 'cleanup; echo "$autogroup_nice" >/proc/$$/autogroup' EXIT
  echo -10 >/proc/self/autogroup
fi

# core N: the command prefix that pins to CPU N (nothing with --no-pin).
core() { if [ "$pin" = 1 ]; then echo "taskset -c $1"; fi; }
# The processes of PID and all their descendants.
descendants() { local p; echo "$1"; for p in $(pgrep -P "$1" || true); do descendants "$p"; done; }
node=198.18.5.1 balancer=198.18.5.100
declare -A port=([overlayd]=8443 [haproxy]=9443 [nginx]=10443)
# TLS 1.2's suites, the same for all (overlayd's defaults, Mozilla's "intermediate"); for TLS 1.3 the
# clients offer TLS_AES_128_GCM_SHA256 alone, so every server ends on the same suite whatever its order.
ciphers="ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
tls13=TLS_AES_128_GCM_SHA256
cat >"$dir/client-openssl.cnf" <<EOF
openssl_conf = conf
[conf]
ssl_conf = ssl
[ssl]
system_default = system_default
[system_default]
Ciphersuites = $tls13
EOF

echo "load before the run: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$out/machine.txt" >&2
switch_up
switch_host ove1 1 198.18.5
switch_plain ove-lb 100 198.18.5 lb
switch_plain ove-cl 101 198.18.5 cl

mkdir -p "$dir/tls"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=edge.bench.test \
  -addext "subjectAltName=DNS:edge.bench.test,IP:$balancer" -keyout "$dir/tls/site.key" -out "$dir/tls/site.crt" 2>/dev/null
cat "$dir/tls/site.crt" "$dir/tls/site.key" >"$dir/tls/site.pem"

cat >>"$dir/ove1/overlay.yaml" <<YAML
seeds: []
containers:
  docker: unix://$dir/d1/docker.sock
discovery:
  docker: unix://$dir/d1/docker.sock
  dns: {forward: []}
YAML
with_overlayd=0
case " $only " in *" overlayd "*) with_overlayd=1 ;; esac
[ "$with_overlayd" = 0 ] || cat >>"$dir/ove1/overlay.yaml" <<YAML
edge:
  https:
    listen: $node:${port[overlayd]}
    certificates: [{cert: $dir/tls/site.crt, key: $dir/tls/site.key}]
    protocols: [TLSv1.3, TLSv1.2]
    ciphers: [${ciphers//:/, }]
  proxy_protocol: {trusted: [$balancer/32]}
  upstreams: {idle_per_loop: 64}
  routes: [{path: /, service: web}]
  access_log: {path: $dir/overlayd-access.log, format: combined}
YAML
docker_host_up 1 ove1 198.19.5.1/24
# overlayd is the node throughout; when it is also a system under test, it starts on CPU 1 so that the
# JVM and Netty size themselves for the one core the others get, else it keeps out of their way.
overlayd_core=$with_overlayd
docker_inside 1 ove1 env OVERLAYD_LOG="$dir/ove1.log" $(core $overlayd_core) \
  "$top/bin/overlayd" --config "$dir/ove1/overlay.yaml"
until docker_on 1 network inspect overlay >/dev/null 2>&1; do sleep 0.1; done

# The backend: the host's nginx in a busybox container, 1 KB with keep-alive, on CPU 0.
mkdir -p "$dir/backend/www" "$dir/backend/tmp"
head -c 1024 /dev/zero | tr '\0' x >"$dir/backend/www/1k"
printf 'root:x:0:0::/:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n' >"$dir/backend/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$dir/backend/group"
cat >"$dir/backend/nginx.conf" <<'EOF'
worker_processes 1;
daemon off;
pid /srv/tmp/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path /srv/tmp/body; proxy_temp_path /srv/tmp/proxy; fastcgi_temp_path /srv/tmp/fastcgi;
  uwsgi_temp_path /srv/tmp/uwsgi; scgi_temp_path /srv/tmp/scgi;
  keepalive_requests 10000000;
  keepalive_timeout 120s;
  server { listen 8080; root /srv/www; }
}
EOF
libs=()
for f in $(ldd /usr/sbin/nginx | awk '$3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do libs+=(-v "$f:$f:ro"); done
docker_on 1 run -d --init --name web --expose 8080 -l SERVICE_NAME=web -v "$dir/backend:/srv" \
  -v /usr/sbin/nginx:/usr/sbin/nginx:ro "${libs[@]}" -v "$dir/backend/passwd:/etc/passwd:ro" \
  -v "$dir/backend/group:/etc/group:ro" local/busybox \
  $(core 0) /usr/sbin/nginx -p /srv -c /srv/nginx.conf -e /srv/error.log >/dev/null
backend=
for _ in $(seq 1 300); do
  backend=$(docker_on 1 exec web ip -4 -o addr show dev eth1 2>/dev/null | awk '{print $4}' | cut -d/ -f1 || true)
  [ -n "$backend" ] && break
  sleep 0.1
done
[ -n "$backend" ] || { echo "the backend container got no overlay address in 30 s:" >&2
  docker_on 1 ps -a >&2; docker_on 1 logs web 2>&1 | tail -n 5 >&2; tail -n 5 "$dir/ove1.log" >&2; exit 1; }
until ip netns exec ove1 curl -sf -o /dev/null "http://$backend:8080/1k"; do sleep 0.1; done
# containerd's shim starts the container in a session (an autogroup) of its own.
for p in $(descendants "$(docker_on 1 inspect -f '{{.State.Pid}}' web)"); do
  [ ! -w "/proc/$p/autogroup" ] || echo -10 >"/proc/$p/autogroup"
done
echo "backend: nginx in container web at $backend:8080" >&2

# The balancer: the same TCP pass-through, with a PROXY v1 header, in front of every system.
{
  printf 'global\n  nbthread 1\n  maxconn 4096\ndefaults\n  mode tcp\n  timeout connect 2s\n  timeout client 120s\n  timeout server 120s\n'
  for s in $only; do printf 'listen %s\n  bind %s:%s\n  server sut %s:%s send-proxy\n' "$s" "$balancer" "${port[$s]}" "$node" "${port[$s]}"; done
} >"$dir/balancer.cfg"
ip netns exec ove-lb $(core 0) /usr/sbin/haproxy -db -f "$dir/balancer.cfg" >"$dir/balancer.log" 2>&1 &
disown

haproxy_config() {
  cat <<EOF
global
  nbthread 1
  maxconn 4096
  log stdout format raw local0
  ssl-default-bind-ciphers $ciphers
  ssl-default-bind-options ssl-min-ver TLSv1.2
defaults
  mode http
  log global
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  timeout http-request 10s
  timeout http-keep-alive 60s
frontend https
  bind $node:${port[haproxy]} ssl crt $dir/tls/site.pem alpn h2,http/1.1
  tcp-request connection reject unless { src $balancer }
  tcp-request connection expect-proxy layer4
  log-format "%ci:%cp - - [%tr] \"%r\" %ST %B \"%[capture.req.hdr(0)]\" %Tt resumed=%[ssl_fc_is_resumed]"
  http-request capture req.hdr(User-Agent) len 64
  unique-id-format %{+X}o%ci%cp%fi%fp%Ts%rt
  option forwardfor
  http-request set-header X-Forwarded-Proto https
  http-request set-header X-Forwarded-Port %[dst_port]
  http-request set-header X-Request-Id %[unique-id]
  http-request set-header Forwarded for=%[src];proto=https
  default_backend web
backend web
  http-reuse always
  server web $backend:8080
EOF
}

nginx_config() {
  cat <<EOF
worker_processes 1;
daemon off;
pid $dir/nginx/nginx.pid;
events { worker_connections 4096; }
http {
  client_body_temp_path $dir/nginx/body; proxy_temp_path $dir/nginx/proxy; fastcgi_temp_path $dir/nginx/fastcgi;
  uwsgi_temp_path $dir/nginx/uwsgi; scgi_temp_path $dir/nginx/scgi;
  log_format edge '\$proxy_protocol_addr:\$proxy_protocol_port - - [\$time_local] "\$request" \$status \$body_bytes_sent "\$http_user_agent" \$request_time resumed=\$ssl_session_reused';
  access_log $dir/nginx-access.log edge;
  # nginx's default closes a keep-alive connection after 1,000 requests; the others do not.
  keepalive_requests 10000000;
  keepalive_timeout 60s;
  client_header_timeout 10s;
  upstream web { server $backend:8080; keepalive 64; keepalive_requests 10000000; }
  server {
    listen $node:${port[nginx]} ssl http2 proxy_protocol;
    ssl_certificate $dir/tls/site.crt;
    ssl_certificate_key $dir/tls/site.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_ciphers $ciphers;
    allow $balancer;
    deny all;
    location / {
      proxy_pass http://web;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-For \$proxy_protocol_addr;
      proxy_set_header X-Forwarded-Proto https;
      proxy_set_header X-Forwarded-Port \$server_port;
      proxy_set_header X-Request-Id \$request_id;
      proxy_set_header Forwarded "for=\$proxy_protocol_addr;proto=https";
    }
  }
}
EOF
}

# The processes of the system under test: its main PID and its children (nginx's worker).
sut_pids() { descendants "$1"; }
# (A child may be gone by the time its file is read: it counts 0.)
cpu_ticks() { local t=0 p v; for p in $(sut_pids "$1"); do v=$(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || true); t=$((t + ${v:-0})); done; echo $t; }
memory_kb() { local t=0 p v; for p in $(sut_pids "$1"); do v=$(awk -v k="$2:" '$1 == k { print $2 }' "/proc/$p/status" 2>/dev/null || true); t=$((t + ${v:-0})); done; echo $t; }
# busy and total jiffies of one core, from /proc/stat
core_ticks() { awk -v c="cpu$1" '$1 == c { print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8 }' /proc/stat; }
busy() { awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " "); printf "%.0f", 100 * (y[1] - x[1]) / (y[2] - x[2]) }'; }
hz=$(getconf CLK_TCK)
load() { ip netns exec ove-cl env OPENSSL_CONF="$dir/client-openssl.cnf" $(core 0) "$@"; }
# wrk and h2load resume the previous connection's TLS session (a PSK handshake, without the
# certificate's signature); with this preloaded every connection is a full handshake, whatever the
# server offers (checked with nginx's $ssl_session_reused: 196 of 200 resumed without it, none with).
gcc -shared -fPIC -O2 -o "$dir/noresume.so" "$top/bench/edge-noresume.c" -ldl

# wrk's latency (812.00us, 1.23ms, 1.02s) in ms
ms() { awk -v v="$1" 'BEGIN { u = v; sub(/^[0-9.]+/, "", u); n = v + 0; printf "%.2f", u == "us" ? n / 1000 : u == "s" ? n * 1000 : n }'; }

ready() {
  local s=$1 url="https://$balancer:${port[$1]}/1k"
  for _ in $(seq 1 300); do
    [ "$(load curl -sk -o /dev/null -w '%{http_code}' "$url" || true)" = 200 ] && break
    sleep 0.1
  done
  [ "$(load curl -sk -o /dev/null -w '%{http_code}' "$url" || true)" = 200 ] || {
    echo "$s does not answer $url with 200:" >&2; load curl -sSkv -o /dev/null "$url" 2>&1 | tail -n 5 >&2; exit 1; }
  load openssl s_client -connect "$balancer:${port[$s]}" -servername edge.bench.test </dev/null >"$out/$s-tls.txt" 2>&1 || true
  load wrk -t1 -c64 -d"${warmup}s" "$url" >"$out/$s-warmup.txt"
}

# measure SYSTEM ROUND: one line of figures in $out/rounds.txt, the tools' outputs in $out/SYSTEM-*-ROUND.txt.
measure() {
  local s=$1 r=$2 pid=${sut[$1]} url="https://$balancer:${port[$1]}/1k" c0 c1 k0 k1 l0 l1 t0 t1 w h
  echo "== $s, round $r" >&2
  c0=$(cpu_ticks "$pid"); k0=$(core_ticks 0); l0=$(core_ticks 1); t0=$(date +%s.%N)
  load wrk -t1 -c64 -d"${seconds}s" --latency "$url" >"$out/$s-wrk-$r.txt"
  c1=$(cpu_ticks "$pid"); k1=$(core_ticks 0); l1=$(core_ticks 1); t1=$(date +%s.%N)
  w=$(awk -v c="$((c1 - c0))" -v hz="$hz" -v a="$t0" -v b="$t1" '
    / requests in / { n = $1 } /Requests\/sec/ { rps = $2 } $1 == "50%" { p50 = $2 } $1 == "99%" { p99 = $2 }
    /Non-2xx|Socket errors/ { err = 1 }
    END { printf "%.0f %s %s %.1f %.0f %d", rps, p50, p99, 1e6 * c / hz / n, 100 * c / hz / (b - a), err }' "$out/$s-wrk-$r.txt")
  set -- $w
  w="$1 $(ms "$2") $(ms "$3") $4 $5 $(busy "$l0" "$l1") $(busy "$k0" "$k1") $6"
  c0=$(cpu_ticks "$pid")
  load env LD_PRELOAD="$dir/noresume.so" h2load --h1 -n "$handshakes" -c 64 -H 'Connection: close' --tls13-ciphers="$tls13" "$url" >"$out/$s-handshakes-$r.txt"
  c1=$(cpu_ticks "$pid")
  h=$(awk -v c="$((c1 - c0))" -v hz="$hz" '/^finished in/ { rps = $4 } /^requests:/ { ok = $8 }
    END { printf "%.0f %.0f", rps, ok ? 1e6 * c / hz / ok : 0 }' "$out/$s-handshakes-$r.txt")
  load h2load -c 64 -m 10 -D "$seconds" --warm-up-time 1 --tls13-ciphers="$tls13" "$url" >"$out/$s-h2-$r.txt"
  echo "$s $r $w $h $(awk '/^finished in/ { printf "%.0f", $4 }' "$out/$s-h2-$r.txt")" >>"$out/rounds.txt"
}

declare -A sut
for s in $only; do
  case "$s" in
    haproxy)
      haproxy_config >"$out/haproxy.cfg"
      ip netns exec ove1 $(core 1) /usr/sbin/haproxy -db -f "$out/haproxy.cfg" >"$dir/haproxy-access.log" 2>"$out/haproxy-stderr.txt" &
      sut[haproxy]=$!; disown ;;
    nginx)
      mkdir -p "$dir/nginx"
      nginx_config >"$out/nginx.conf"
      ip netns exec ove1 $(core 1) /usr/sbin/nginx -p "$dir/nginx" -c "$out/nginx.conf" -e "$dir/nginx/error.log" &
      sut[nginx]=$!; disown ;;
    overlayd)
      for p in $(ip netns pids ove1); do grep -q dev.overlayd.cli /proc/$p/cmdline 2>/dev/null && sut[overlayd]=$p; done ;;
  esac
done
for s in $only; do ready "$s"; done
: >"$out/rounds.txt"
# The systems take turns, in an order that rotates each round, so that a disturbance from elsewhere on
# the machine (it is shared) does not fall on one of them alone; the table shows each one's median.
set -- $only
for r in $(seq 1 "$rounds"); do
  for s in "$@"; do measure "$s" "$r"; done
  set -- "${@:2}" "$1"
done
for s in $only; do
  # (HAProxy's and nginx's lines say whether the TLS session was resumed: resumed=1 or resumed=r.)
  { echo "$(wc -l <"$dir/$s-access.log") lines, $(grep -c -E 'resumed=(1|r)$' "$dir/$s-access.log" || true) on a resumed TLS session"
    head -n 2 "$dir/$s-access.log"; tail -n 1 "$dir/$s-access.log"; } >"$out/$s-access.txt"
  echo "$(( $(memory_kb "${sut[$s]}" VmRSS) / 1024 )) $(( $(memory_kb "${sut[$s]}" VmHWM) / 1024 ))" >"$out/$s-memory.txt"
done
cp "$dir/ove1/overlay.yaml" "$dir/balancer.cfg" "$out/"

{
  echo "$rounds rounds, medians. wrk -t1 -c64 -d${seconds}s (HTTP/1.1 keep-alive, after ${warmup}s of warm-up), GET /1k"
  echo "through the PROXY balancer. New TLS: h2load --h1 -c 64 -n $handshakes with Connection: close (a full TLS 1.3"
  echo "handshake and one request per connection). h2: h2load -c 64 -m 10 -D $seconds. CPU: the proxy's utime + stime."
  echo "Req/s per core: 1 s / the CPU per request, what the proxy would do with a core to itself (the kernel's network"
  echo "work in softirqs is not in it). Busy, during wrk, % of the wall time: the proxy's CPU time / CPU 1 (the proxy's"
  echo "core) / CPU 0 (the rest); the gap between the first two is the kernel's softirqs and the machine's other work,"
  echo "and the larger it is, the less req/s and latency say about the proxy."
  echo
  echo "| system | req/s (64 conns) | p50 ms | p99 ms | new TLS conns/s | h2 req/s | CPU µs/req | req/s per core | CPU µs/new conn | RSS / HWM MB | busy % proxy / CPU 1 / CPU 0 |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
  for s in $only; do
    awk -v s="$s" -v mem="$(cat "$out/$s-memory.txt")" '
      function median(col,   n, i, j, t, v) {
        n = 0; for (i = 1; i <= NR; i++) if (sys[i] == s) v[++n] = f[i, col]
        for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
        return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
      }
      { sys[NR] = $1; for (i = 3; i <= NF; i++) f[NR, i] = $i + 0; if ($1 == s && $10) err = 1 }
      END {
        split(mem, m, " ")
        printf "| %s%s | %.0f | %.2f | %.2f | %.0f | %.0f | %.1f | %.0f | %.0f | %s / %s | %.0f / %.0f / %.0f |\n", s, err ? " (wrk errors)" : "",
          median(3), median(4), median(5), median(11), median(13), median(6), 1e6 / median(6), median(12), m[1], m[2], median(7), median(8), median(9)
      }' "$out/rounds.txt"
  done
} | tee "$out/table.md"
echo "raw outputs: $out" >&2
