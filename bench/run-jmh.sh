#!/usr/bin/env bash
# Builds the benchmarks and runs them on one thread: handshakes per second, and sealing and opening
# of data messages (64 and 1420-byte plaintexts) with the allocation per operation (-prof gc).
# Extra arguments go to JMH, e.g. `bench/run-jmh.sh TransportBenchmark -i 3`.
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -pl bench -am package -DskipTests
. .mvn/select-jdk.sh
"$JAVA_HOME/bin/java" -jar bench/target/benchmarks.jar -f 1 -wi 5 -w 2s -i 10 -r 3s -prof gc "$@"
