#!/usr/bin/env bash
# Builds the benchmarks and runs them on one thread: handshakes per second, sealing and opening of
# data messages (0, 64 and 1420-byte plaintexts; 0 is a keepalive, the per-message cost alone; the
# JDK's cipher and OpenSSL's side by side), and splitting and coalescing TUN super-packets, with the
# allocation per operation (-prof gc).
# Arguments go to JMH (e.g. a benchmark name: `bench/run-jmh.sh TransportBenchmark`); JMH_OPTS
# replaces the default run length (e.g. JMH_OPTS="-f 1 -wi 3 -i 5 -r 2s" for a quicker run).
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -pl bench -am package -DskipTests
. .mvn/select-jdk.sh
# Options JMH's forks inherit: native access for the OpenSSL transport cipher's downcalls
# (java.lang.foreign), Unsafe for JMH's own Utils; neither then prints a warning.
# shellcheck disable=SC2086 # JMH_OPTS is a list of options
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -jar bench/target/benchmarks.jar ${JMH_OPTS:--f 1 -wi 5 -w 2s -i 10 -r 3s} -prof gc "$@"
