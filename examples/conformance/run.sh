#!/usr/bin/env bash
# Runs the Durable Streams client conformance suite against the rstream adapter
# (target/rstream-conformance-adapter.jar, started through run-adapter.sh). `mvn verify` runs it in
# the examples module's integration-test phase; -DskipConformance (or -DskipTests, -DskipITs)
# skips it.
#
#   examples/conformance/run.sh [runner options...]   # e.g. --suite consumer, --verbose, --fail-fast
#
# The suite is not on npm: it is read from CLIENT_CONFORMANCE_SUITE, by default the directory
# shared/conformance/client-conformance-tests beside the repository (Maven passes its
# conformance.clientSuite property). That directory is never written to: the suite is copied to
# CLIENT_CONFORMANCE_WORK (default examples/target/client-conformance) and its npm packages,
# pinned by its package-lock.json, are installed there; a copy whose lock file has not changed
# keeps its packages.
#
# Needs Node 20.11+ and npm. Exits non-zero when the suite or the adapter is missing, the install
# fails, a test fails, or more tests are skipped than CLIENT_CONFORMANCE_MAX_SKIPPED (default 2,
# the tests the suite skips for every client), so that a feature the adapter stops advertising
# cannot pass as skipped.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
examples="$(cd "$here/.." && pwd)"

fail() {
  echo "client conformance: $*" >&2
  exit 1
}

suite="${CLIENT_CONFORMANCE_SUITE:-$examples/../../shared/conformance/client-conformance-tests}"
if [[ ! -f "$suite/src/cli.ts" || ! -f "$suite/package-lock.json" ]]; then
  if [[ "${CI:-}" != "true" ]]; then
    # A clone without the workbench beside it (a user's machine): say so loudly, but let the rest of
    # `mvn verify` stand. CI always has the suite, and there a missing one is a failure.
    echo "client conformance: SKIPPED: no suite at $(realpath -m "$suite" 2>/dev/null || echo "$suite");" \
      "point at a copy with -Dconformance.clientSuite=<dir>" >&2
    exit 0
  fi
  fail "no client conformance suite at $(realpath -m "$suite" 2>/dev/null || echo "$suite")
  (expected src/cli.ts and package-lock.json there).
  Point at a copy with -Dconformance.clientSuite=<dir> (Maven) or CLIENT_CONFORMANCE_SUITE=<dir>,
  or skip it with -DskipConformance."
fi
suite="$(cd "$suite" && pwd)"

jar="${RSTREAM_ADAPTER_JAR:-$examples/target/rstream-conformance-adapter.jar}"
[[ -f "$jar" ]] || fail "no adapter jar at $jar; build it with: mvn -pl examples -am package"
export RSTREAM_ADAPTER_JAR="$jar"

for tool in node npm timeout; do
  command -v "$tool" >/dev/null 2>&1 || fail "$tool not found: the suite needs Node 20.11+, npm and coreutils"
done

work="${CLIENT_CONFORMANCE_WORK:-$examples/target/client-conformance}"
mkdir -p "$work"
work="$(cd "$work" && pwd)"
case "$work/" in
  "$suite/"*) fail "the work directory $work is inside the read-only suite $suite" ;;
esac

# A fresh copy of the suite's files each run; node_modules is kept while the lock file is the one
# it was installed from, since installing is most of the set-up time.
# The copy takes the suite's modes, read-only ones included: made writable so the next run can
# replace it.
find "$work" -mindepth 1 -maxdepth 1 ! -name node_modules ! -name .installed-lock \
  -exec rm -rf {} +
(cd "$suite" && find . -mindepth 1 -maxdepth 1 ! -name node_modules -exec cp -R {} "$work/" \;)
find "$work" -mindepth 1 -maxdepth 1 ! -name node_modules -exec chmod -R u+w {} +

cd "$work"
if [[ ! -d node_modules ]] || ! cmp -s package-lock.json .installed-lock; then
  rm -f .installed-lock
  # Dev dependencies only build the package for npm (tsdown); one of them refuses to be installed
  # by anything but pnpm. Running the suite needs tsx and the runtime dependencies alone.
  # --prefer-offline: packages already in the npm cache are taken from it without asking the
  # registry, so a machine that installed them once needs no network.
  echo "client conformance: installing the suite's npm packages in $work"
  npm ci --no-audit --no-fund --omit=dev --prefer-offline --loglevel=error \
    || fail "npm ci failed in $work (the network, or a package missing from the npm cache)"
  cp package-lock.json .installed-lock
fi

log="$work/results.log"
# The runner answers a stuck command only after 30 s, per command: a wedged adapter would hold the
# build for hours. timeout ends the runner, its reference server and the adapter (one process group).
limit="${CLIENT_CONFORMANCE_TIMEOUT_SECONDS:-900}"
start=$SECONDS
status=0
# The runner starts its reference server on a free port and the adapter once for every test.
timeout -k 10 "$limit" npx --no tsx src/cli.ts --run "$here/run-adapter.sh" "$@" 2>&1 \
  | tee "$log" || status=$?
elapsed=$((SECONDS - start))
if (( status == 124 || status == 137 )); then
  fail "the suite did not finish within $limit s (CLIENT_CONFORMANCE_TIMEOUT_SECONDS); see $log"
fi

count() {
  sed -n "s/^$1: \([0-9][0-9]*\)\$/\1/p" "$log" | tail -n 1
}
passed="$(count Passed)"
failed="$(count Failed)"
skipped="$(count Skipped)"
if [[ -z "$passed" || -z "$failed" || -z "$skipped" ]]; then
  fail "the runner ended without a summary (exit $status) after ${elapsed} s; see $log"
fi
echo "client conformance: $passed passed, $failed failed, $skipped skipped in ${elapsed} s ($log)"
max_skipped="${CLIENT_CONFORMANCE_MAX_SKIPPED:-2}"
if (( skipped > max_skipped )); then
  fail "$skipped tests skipped, more than the $max_skipped expected: a feature is not advertised"
fi
if (( status != 0 || failed > 0 )); then
  fail "$failed failed (runner exit $status)"
fi
