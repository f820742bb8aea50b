#!/usr/bin/env bash
# Runs every test of the solution, after installing what the tests need (scripts/test-deps.sh). Used by README and
# by .ci/run.   ./test.sh --fast   runs only the fast tests (no node, cluster, process, PostgreSQL or browser) and
# installs nothing: the same as  dotnet test Router.sln -c Release --filter "Category!=System".
set -euo pipefail
cd "$(dirname "$0")"
args=()
if [ "${1:-}" = "--fast" ]; then
  args=(--filter "Category!=System")
else
  scripts/test-deps.sh
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
dotnet test Router.sln -c Release "${args[@]}" 2>&1 | tee "$log" || status=$?
# One plain closing line for the CI: "tests: N passed, N failed, N skipped".
passed=$(grep -aoE 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -aoE 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
skipped=$(grep -aoE 'Skipped: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
echo "tests: ${passed} passed, ${failed} failed, ${skipped} skipped"
if [ "$status" -eq 0 ] && [ "$passed" -eq 0 ]; then echo "no test ran" >&2; exit 1; fi
exit "$status"
