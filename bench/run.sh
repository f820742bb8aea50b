#!/usr/bin/env bash
# One command: builds Release, starts the fake OpenRouter (zero think time) and a Router node as separate processes on
# loopback, measures direct-to-fake versus through-Router, prints each figure against its target, and the ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build src/Router.Node -c Release -v q -nologo >/dev/null
dotnet build src/Router.FakeOpenRouter -c Release -v q -nologo >/dev/null
dotnet build bench/Router.Bench -c Release -v q -nologo >/dev/null
exec dotnet bench/Router.Bench/bin/Release/net10.0/Router.Bench.dll "$@"
