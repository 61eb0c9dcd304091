#!/usr/bin/env bash
# The long fuzzing run: every fuzz target of the tree (each *FuzzTest class, one @FuzzTest each)
# fuzzed by Jazzer for SECONDS, one after the other, each in a JVM of its own, starting from its kept
# regression inputs and from the corpus earlier runs left in <module>/.cifuzz-corpus. CI fuzzes
# every target for 10 s (the surefire execution fuzz-smoke); this is the same with more time.
# Prints a table: per target the inputs run, seconds, inputs/s and the result; then the total.
# A target that finds a crash fails: Jazzer keeps the input under src/test/resources/<package>/
# <Class>Inputs/<method>/, where it stays as a regression case once the bug is fixed.
set -uo pipefail

usage() {
  cat <<EOF
usage: bench/fuzz.sh [options]
  -s, --seconds N   fuzzing time per target (default 120)
  --only LIST       comma-separated class names (default: every *FuzzTest of the tree)
  --raw DIR         keep each target's Maven log in DIR (default: a temporary directory, removed)
  -h, --help        this text
EOF
}

top=$(cd "$(dirname "$0")/.." && pwd)
SECONDS_EACH=120 ONLY= RAW=
args="$*"
while [ $# -gt 0 ]; do
  case "$1" in
    -s|--seconds) SECONDS_EACH=${2:?}; shift ;;
    --only) ONLY=${2:?}; shift ;;
    --raw) RAW=${2:?}; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "fuzz: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
[[ "$SECONDS_EACH" =~ ^[0-9]+$ ]] && [ "$SECONDS_EACH" -ge 1 ] || { echo "fuzz: --seconds must be a whole number of at least 1" >&2; exit 2; }
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
if [ -n "$RAW" ]; then
  mkdir -p "$RAW" || exit 2
  logs=$RAW
else
  logs=$(mktemp -d /tmp/overlayd-fuzz.XXXXXX) || exit 2
  trap 'rm -rf "$logs"' EXIT
fi

cd "$top" || exit 2
targets=()
while IFS= read -r f; do
  class=$(basename "$f" .java)
  if [ -z "$ONLY" ] || [[ ",$ONLY," == *",$class,"* ]]; then
    targets+=("${f%%/src/test/*} $class")
  fi
done < <(find . -path ./bench -prune -o -path '*/src/test/java/*' -name '*FuzzTest.java' -print | sed 's|^\./||' | sort)
[ ${#targets[@]} -gt 0 ] || { echo "fuzz: no fuzz target matches" >&2; exit 2; }

echo "command: bench/fuzz.sh $args"
echo "date:    $(date -u '+%Y-%m-%d %H:%M:%S UTC'); overlayd $(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet 2>/dev/null || echo -dirty); $(nproc) CPUs"
echo "targets: ${#targets[@]}, ${SECONDS_EACH} s each"
echo
printf '| %-44s | %14s | %8s | %10s | %-8s |\n' target inputs seconds "inputs/s" result
echo '|----------------------------------------------|---------------:|---------:|-----------:|----------|'
total=0 failed=0
for t in "${targets[@]}"; do
  module=${t% *} class=${t#* }
  log="$logs/$class.log"
  ./mvnw -o test -pl "$module" -am -Dtest="$class" -Dfuzz.skip=false -Dsurefire.failIfNoSpecifiedTests=false \
    -Dfuzz.duration="${SECONDS_EACH}s" >"$log" 2>&1
  rc=$?
  # libFuzzer's last line per run: "Done 10100426 runs in 21 second(s)".
  read -r runs secs < <(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1 \2/p' "$log" | tail -1)
  runs=${runs:-0} secs=${secs:-0}
  if [ $rc -eq 0 ] && [ "$runs" -gt 0 ]; then result=ok; else result=FAILED; failed=$((failed + 1)); fi
  total=$((total + runs))
  rate=$([ "$secs" -gt 0 ] && echo $((runs / secs)) || echo -)
  printf '| %-44s | %14s | %8s | %10s | %-8s |\n' "$module/$class" "$runs" "$secs" "$rate" "$result"
done
echo
echo "inputs in all: $total; targets failed: $failed"
[ -n "$RAW" ] && echo "logs in $RAW"
[ $failed -eq 0 ]
