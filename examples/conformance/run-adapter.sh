#!/usr/bin/env bash
# Starts the rstream conformance adapter: the process the Durable Streams client conformance
# runner drives over stdin/stdout (one JSON command per line in, one JSON answer per line out).
# run.sh hands this script to the runner.
#
# Build the jar first (from the repository root): mvn -B -o -q -pl examples -am package -DskipTests
# or point RSTREAM_ADAPTER_JAR at another build of it. RSTREAM_ADAPTER_JAVA picks the java binary
# (default: java on the PATH); RSTREAM_ADAPTER_JAVA_OPTS adds JVM options.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
jar="${RSTREAM_ADAPTER_JAR:-$here/../target/rstream-conformance-adapter.jar}"
if [[ ! -f "$jar" ]]; then
  echo "run-adapter.sh: $jar not found; build it with: mvn -pl examples -am package" >&2
  exit 2
fi
# stdout is the protocol channel: the JVM and the adapter write nothing else there.
exec "${RSTREAM_ADAPTER_JAVA:-java}" ${RSTREAM_ADAPTER_JAVA_OPTS:-} -jar "$jar"
