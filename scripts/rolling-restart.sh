#!/usr/bin/env bash
# The rolling restart in full: three router nodes and two fronts as processes on PostgreSQL (the test suite's own),
# steady plain and streaming load through both fronts, every node restarted in turn ROLLOUT_ROUNDS times (default 3),
# ROLLOUT_CLIENTS concurrent clients (default 16). Prints requests, failures (must be 0), p50/p99 during the rollouts.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build tests/Router.Tests -c Release -v q -nologo >/dev/null
dotnet build src/Router.Node -c Release -v q -nologo >/dev/null
ROLLOUT_ROUNDS="${ROLLOUT_ROUNDS:-3}" ROLLOUT_CLIENTS="${ROLLOUT_CLIENTS:-16}" \
  dotnet test tests/Router.Tests -c Release --no-build --filter "FullyQualifiedName~RollingRestartTests" \
  --logger "console;verbosity=detailed" | grep -E "restarted and ready|requests |Passed!|Failed!|Assert" || true
