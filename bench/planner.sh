#!/usr/bin/env bash
# Candidate planning on a 5,000-model catalog (BenchmarkDotNet, short job): each sort against the priority order.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build bench/Router.Planner.Bench -c Release -v q -nologo >/dev/null
exec dotnet bench/Router.Planner.Bench/bin/Release/net10.0/Router.Planner.Bench.dll --filter '*' --job short --artifacts /tmp/router-planner-bench "$@"
