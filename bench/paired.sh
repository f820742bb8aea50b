#!/usr/bin/env bash
# Paired comparison of two Router builds: both nodes against one fake (h2c), loaded at the same time with wrk
# (apt-get install wrk), five rounds of 10 s; prints each build's rate and CPU time per request (from /proc) and B/A.
# Usage: bench/paired.sh OLD/Router.Node.dll NEW/Router.Node.dll   (build both with -c Release first; loopback only)
# PAIRED_STREAM=1 sends streaming requests (SSE answers) instead of plain ones.
set -u
OLD=$1; NEW=$2
FAKE="$(cd "$(dirname "$0")/.." && pwd)/src/Router.FakeOpenRouter/bin/Release/net10.0/Router.FakeOpenRouter.dll"
dotnet $FAKE --port 19001 --h2c-port 19002 --models 300 --api-key k > /tmp/router-paired-fake.log 2>&1 &
FP=$!
start() { # dll http akka dir -> PID
  rm -rf $4; mkdir -p $4; cd $4
  OPENROUTER_API_KEY=k OPENROUTER_BASE_URL=http://127.0.0.1:19002/api/v1 OPENROUTER_HTTP_VERSION=2 ASPNETCORE_URLS=http://127.0.0.1:$2 ROUTER_PORT=$3 ROUTER_DATA_DIR=$4 Logging__LogLevel__Default=Warning ROUTER_AKKA_HOCON='akka.loglevel = WARNING' dotnet $1 > $4/log 2>&1 < /dev/null &
  PID=$!; cd /tmp
}
start "$OLD" 19101 19201 /tmp/router-paired-a; A=$PID
start "$NEW" 19102 19202 /tmp/router-paired-b; B=$PID
for p in 19101 19102; do for i in $(seq 120); do curl -sf localhost:$p/ready > /dev/null && break; sleep 0.5; done; done
cat > /tmp/router-paired.lua <<'L'
wrk.method = "POST"
wrk.body = '{"model":"openai/nova-1-mini",STREAM"messages":[{"role":"user","content":"Hello, world!"}]}'
wrk.headers["Content-Type"] = "application/json"
L
if [ "${PAIRED_STREAM:-0}" = 1 ]; then sed -i 's/STREAM/"stream":true,/' /tmp/router-paired.lua; else sed -i 's/STREAM//' /tmp/router-paired.lua; fi
cpu() { awk '{print $14+$15}' /proc/$1/stat; }
# warm
wrk -t1 -c16 -d5s -s /tmp/router-paired.lua http://127.0.0.1:19101/v1/chat/completions > /dev/null & W=$!
wrk -t1 -c16 -d5s -s /tmp/router-paired.lua http://127.0.0.1:19102/v1/chat/completions > /dev/null; wait $W
for round in 1 2 3 4 5; do
  a0=$(cpu $A); b0=$(cpu $B)
  wrk -t1 -c16 -d10s -s /tmp/router-paired.lua http://127.0.0.1:19101/v1/chat/completions > /tmp/router-paired-a.txt & W=$!
  wrk -t1 -c16 -d10s -s /tmp/router-paired.lua http://127.0.0.1:19102/v1/chat/completions > /tmp/router-paired-b.txt; wait $W
  a1=$(cpu $A); b1=$(cpu $B)
  ra=$(grep -oP 'Requests/sec:\s+\K[0-9.]+' /tmp/router-paired-a.txt); rb=$(grep -oP 'Requests/sec:\s+\K[0-9.]+' /tmp/router-paired-b.txt)
  na=$(grep -oP '^\s+\K[0-9]+(?= requests in)' /tmp/router-paired-a.txt); nb=$(grep -oP '^\s+\K[0-9]+(?= requests in)' /tmp/router-paired-b.txt)
  python3 -c "a=($a1-$a0)*10000/$na; b=($b1-$b0)*10000/$nb; print(f'round $round: A {$ra:.0f} req/s {a:.1f} us/req, B {$rb:.0f} req/s {b:.1f} us/req, B/A cpu {b/a:.3f}')"
done
kill $A $B $FP
