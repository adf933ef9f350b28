#!/usr/bin/env bash
# The conformance suite (test/conformance/cases.ts) on every runtime, one after the other,
# against the brokers scripts/brokers.sh started. Each runtime prints its own pass count;
# the last lines repeat them all. Exit status is non-zero if any runtime failed or could not run.
#
#   bash scripts/conformance.sh [bigMiB]      (default 64)
set -uo pipefail
cd "$(dirname "$0")/.."
big=${1:-64}
mkdir -p test-output
summary=()
status=0

run() {
  local name=$1; shift
  local log="test-output/conformance-$name.log"
  echo "--- conformance on $name: $*"
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  local line
  line=$(grep -E "^conformance $name: " "$log" | tail -n 1)
  [ -n "$line" ] || line="conformance $name: did not run to the end (exit $rc)"
  summary+=("$line")
  [ "$rc" -eq 0 ] || status=1
}

npx tsup >/dev/null
run node20 node --import tsx test/conformance/run.ts node20 "$big"
run node24 npx -y node@24 test/conformance/run.ts node24 "$big"
run deno npx deno run -A test/conformance/run.ts deno "$big"
run bun npx bun test/conformance/run.ts bun "$big"
run chromium node --import tsx test/conformance/browser.ts "$big"
run vite-bundle node --import tsx test/conformance/vite-bundle.ts
run demo node --import tsx test/demo/demo-page.ts
run package node scripts/check-package.mjs

echo
printf '%s\n' "${summary[@]}"
exit $status
