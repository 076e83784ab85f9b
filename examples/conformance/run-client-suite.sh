#!/usr/bin/env bash
# Runs the Durable Streams client conformance suite against the rstream adapter.
#
# Usage:
#   examples/conformance/run-client-suite.sh <suite-dir> [runner options...]
#
#   <suite-dir>  an extracted, npm-installed copy of the suite's package
#                (packages/client-conformance-tests of durable-streams/durable-streams).
#   runner options are passed on, e.g. --suite consumer|producer|lifecycle, --verbose,
#   --fail-fast, or --bench to run the benchmarks instead of the tests.
#
# Getting the suite (Node 20+ and npm needed; nothing of it is committed here):
#   git clone --depth 1 https://github.com/durable-streams/durable-streams.git ds
#   cp -r ds/packages/client-conformance-tests suite
#   # The package depends on two workspace packages; use their published versions instead:
#   #   "@durable-streams/client": "workspace:*"  ->  "0.2.7"
#   #   "@durable-streams/server": "workspace:*"  ->  "0.3.7"
#   sed -i -e 's#"@durable-streams/client": "workspace:\*"#"@durable-streams/client": "0.2.7"#' \
#          -e 's#"@durable-streams/server": "workspace:\*"#"@durable-streams/server": "0.3.7"#' \
#          suite/package.json
#   (cd suite && npm install)
#
# The adapter jar must be built first:
#   mvn -B -o -q -pl sdk install -DskipTests && mvn -B -o -q -pl examples package -DskipTests
#
# Exit status: the runner's (non-zero if a test failed).
set -euo pipefail
if [[ $# -lt 1 ]]; then
  sed -n '2,26p' "$0" >&2
  exit 2
fi
suite="$(cd "$1" && pwd)"
shift
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
adapter="$here/run-adapter.sh"
if [[ ! -f "$suite/src/cli.ts" ]]; then
  echo "run-client-suite.sh: $suite does not look like client-conformance-tests (no src/cli.ts)" >&2
  exit 2
fi
mode=(--run "$adapter")
args=()
for arg in "$@"; do
  if [[ "$arg" == "--bench" ]]; then mode=(--bench "$adapter"); else args+=("$arg"); fi
done
cd "$suite"
exec npx tsx src/cli.ts "${mode[@]}" ${args[@]+"${args[@]}"}
