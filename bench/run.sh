#!/usr/bin/env bash
# One command: builds Release, starts the fake OpenRouter (zero think time) and a Router node as separate processes on
# loopback, measures direct-to-fake versus through-Router, prints each figure against its target, and the ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build src/Router.Node -c Release -v q -nologo >/dev/null
dotnet build src/Router.FakeOpenRouter -c Release -v q -nologo >/dev/null
dotnet build bench/Router.Bench -c Release -v q -nologo >/dev/null
# wrk, the external load generator of `hop` (apt); without it, that mode uses the built-in generator alone.
if ! command -v wrk >/dev/null; then
  sudo_=$([ "$(id -u)" = 0 ] && echo "" || echo sudo)
  $sudo_ apt-get install -y -qq wrk >/dev/null 2>&1 || echo "wrk could not be installed; hop runs the built-in generator alone" >&2
fi
exec dotnet bench/Router.Bench/bin/Release/net10.0/Router.Bench.dll "$@"
