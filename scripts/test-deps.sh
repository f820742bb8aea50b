#!/usr/bin/env bash
# Installs what the system tests need and the machine lacks: PostgreSQL's server binaries (the cluster tests start
# throwaway servers from them) and Chromium (the health page test drives it headless). Debian/Ubuntu, via apt.
set -euo pipefail
missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing ${missing[*]} (needed by the system tests)"
sudo=()
[ "$(id -u)" -ne 0 ] && sudo=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
