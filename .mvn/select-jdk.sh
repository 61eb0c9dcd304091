# Sourced by ./mvnw (and the launchers in bin/): points JAVA_HOME at a JDK 25 or newer.
# The machines we build on default to JDK 17, so an unset or older JAVA_HOME is replaced by the
# first JDK >= 25 found under /usr/lib/jvm (or on PATH); with none, one line says what to install.
overlayd_jdk_major() {
  [ -x "$1/bin/javac" ] || return 1
  if [ -f "$1/release" ]; then
    sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release"
  else
    "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p'
  fi
}
overlayd_select_jdk() {
  # find, not a glob: mvnw runs with globbing off (set -f).
  for candidate in "${JAVA_HOME-}" $(find /usr/lib/jvm -mindepth 1 -maxdepth 1 2>/dev/null | sort -r) \
      "$(dirname "$(dirname "$(readlink -f "$(command -v javac 2>/dev/null || echo /nonexistent)")")")"; do
    [ -n "$candidate" ] && [ -d "$candidate" ] || continue
    major=$(overlayd_jdk_major "$candidate" 2>/dev/null) || continue
    if [ -n "$major" ] && [ "$major" -ge 25 ]; then
      JAVA_HOME=$candidate
      export JAVA_HOME
      return 0
    fi
  done
  echo "overlayd needs JDK 25 or newer and found none (JAVA_HOME, /usr/lib/jvm, PATH): install one, e.g. 'apt-get install temurin-25-jdk', or set JAVA_HOME to it." >&2
  exit 1
}
overlayd_select_jdk
