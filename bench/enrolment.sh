#!/usr/bin/env bash
# Time to join with only a token, beside joining with a pre-issued certificate, on N test hosts
# (default 10: one switch, 198.18.3.0/24). Hosts 1..N-1 run the cluster (embedded membership), host 1
# holding an issuer (an intermediate of the bench CA). Then, ROUNDS times each (default 10), host N
# starts as a new instance and the time is taken from starting bin/overlayd until every member has a
# handshake with it:
#   token:      overlay.yaml has a join token and seeds only: it enrols (key made on the node,
#               NoisePSK_XX with the issuer), then joins;
#   pre-issued: the same host with a certificate the operator issued beforehand.
# Each round is a new instance (a new name and key: a replaced instance of an auto-scaling group),
# stopped (SIGTERM: it leaves) before the next. Prints every round, then median and worst of each.
# Usage: bench/enrolment.sh [-n HOSTS] [-r ROUNDS] [--no-build]. Needs root and wireguard-tools.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
n=10 rounds=10 build=1
while [ $# -gt 0 ]; do
  case "$1" in
    -n) n=$2; shift ;;
    -r) rounds=$2; shift ;;
    --no-build) build=0 ;;
    *) echo "usage: $0 [-n HOSTS] [-r ROUNDS] [--no-build]" >&2; exit 2 ;;
  esac
  shift
done
[ "$build" = 1 ] && ./mvnw -q -pl cli -am package -DskipTests
dir=$(mktemp -d /tmp/overlayd-enrolment.XXXXXX)
sw=ove-sw pfx=ove
. "$top/bench/.switch-hosts"
trap switch_cleanup EXIT INT TERM
ctl() { "$top/bin/overlayctl" "$@"; }

switch_up
ctl ca issuer bench-asg --range 100.64.128.0/20 --ca "$dir/ca" >/dev/null
for i in $(seq 1 $((n - 1))); do
  switch_host ove$i "$i" 198.18.3
  cat >>"$dir/ove$i/overlay.yaml" <<YAML
seeds: $([ "$i" = 1 ] && echo "[]" || echo '["198.18.3.1:51820"]')
membership:
  ttl: 5s
YAML
done
cat >>"$dir/ove1/overlay.yaml" <<YAML
enrolment:
  issuer: {certificate: ../ca/issuers/bench-asg.crt, key: ../ca/issuers/bench-asg.key}
YAML
# Host N: only its namespace; each round writes its overlay.yaml afresh.
ip netns add ove$n
ip link add ove-u$n netns ove$n type veth peer name p$n netns $sw
ip -n $sw link set p$n master br0 up
ip -n ove$n addr add 198.18.3.$n/24 dev ove-u$n && ip -n ove$n link set ove-u$n up && ip -n ove$n link set lo up

start() { ip netns exec ove$1 env OVERLAYD_LOG="$dir/ove$1.log" "$top/bin/overlayd" --config "$dir/ove$1/overlay.yaml"; }

for i in $(seq 1 $((n - 1))); do start "$i"; done
until_formed
token=$(ip netns exec ove1 "$top/bin/overlayctl" token create --uses "$rounds" --ttl 1h ove1 | grep -o 'ovl1\.[^[:space:]]*')

# One round: host N as instance $1 ("token" or "pre-issued"), named $2; prints the seconds to the last handshake.
round() {
  local home=$dir/ove$n state
  rm -rf "$home" && mkdir -p "$home/state" && chmod 700 "$home/state"
  if [ "$1" = token ]; then
    # The key is made on the node as enrolment would; made here first only so that the wait knows it.
    (umask 077; wg genkey >"$home/state/node.key")
    key=$(wg pubkey <"$home/state/node.key")
    printf 'interface: ove%s\ntoken: "%s"\nname: %s\nstate: state\nseeds: ["198.18.3.1:51820"]\nmembership:\n  ttl: 5s\n' \
      "$n" "$token" "$2" >"$home/overlay.yaml"
  else
    ctl cert issue "$2" --ca "$dir/ca" --out "$home" >/dev/null
    key=$(wg pubkey <"$home/$2.key")
    printf 'interface: ove%s\nca: ../ca/ca.crt\ncertificate: %s.crt\nkey: %s.key\nstate: state\nseeds: ["198.18.3.1:51820"]\nmembership:\n  ttl: 5s\n' \
      "$n" "$2" "$2" >"$home/overlay.yaml"
  fi
  local t0
  t0=$(now)
  start "$n" >/dev/null
  until_empty waiting "$key"
  since "$t0"
  for p in $(ip netns pids ove$n); do kill -TERM "$p" 2>/dev/null || true; done
  until_empty holding "$key"
  while [ -n "$(ip netns pids ove$n)" ]; do sleep 0.05; done
}

stats() { sort -n | awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "median %.3f s, worst %.3f s", m, v[NR] }'; }
: >"$dir/token.times"
: >"$dir/pre.times"
for r in $(seq 1 "$rounds"); do
  t=$(round token "e$n-r$r"); echo "$t" >>"$dir/token.times"
  p=$(round pre-issued "p$n-r$r"); echo "$p" >>"$dir/pre.times"
  printf 'round %2d  token %s s  pre-issued %s s\n' "$r" "$t" "$p"
done
printf '%-11s %s\n' "hosts" "$n (1 issuer, $((n - 2)) other members, 1 new instance per round), $rounds rounds"
printf '%-11s %s\n' "token" "$(stats <"$dir/token.times") from bin/overlayd to a handshake with every member"
printf '%-11s %s\n' "pre-issued" "$(stats <"$dir/pre.times")"
