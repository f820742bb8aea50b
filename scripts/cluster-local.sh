#!/usr/bin/env bash
# The docker-compose topology as processes on loopback: PostgreSQL, three router nodes, one front node.
# Without OPENROUTER_API_KEY it also starts the fake OpenRouter and points the nodes at it.
# Usage: scripts/cluster-local.sh   (Ctrl-C stops everything; logs in $RUN_DIR)
set -euo pipefail
cd "$(dirname "$0")/.."
RUN_DIR=${RUN_DIR:-$(mktemp -d /tmp/router-cluster-XXXX)}
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)}
PG_PORT=${PG_PORT:-55432}
FRONT_URL=${FRONT_URL:-http://127.0.0.1:8080}
pids=()

cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  as_pg "$PG_BIN/pg_ctl" -D "$RUN_DIR/pg" -m fast -w stop >/dev/null 2>&1 || true
}
trap cleanup EXIT INT TERM

as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

dotnet build src/Router.Node -c Release -v q -nologo >/dev/null
dotnet build src/Router.FakeOpenRouter -c Release -v q -nologo >/dev/null

mkdir -p "$RUN_DIR/pg"
[ "$(id -u)" = 0 ] && chown postgres "$RUN_DIR" "$RUN_DIR/pg"
as_pg "$PG_BIN/initdb" -D "$RUN_DIR/pg" -U router --auth=trust -E UTF8 >/dev/null
as_pg "$PG_BIN/pg_ctl" -D "$RUN_DIR/pg" -l "$RUN_DIR/pg.log" -w -o "-p $PG_PORT -h 127.0.0.1 -k $RUN_DIR/pg" start >/dev/null
export ROUTER_DB="Host=127.0.0.1;Port=$PG_PORT;Username=router;Database=postgres"

if [ -z "${OPENROUTER_API_KEY:-}" ]; then
  export OPENROUTER_API_KEY="local-fake-key" OPENROUTER_BASE_URL="http://127.0.0.1:5005/api/v1"
  dotnet src/Router.FakeOpenRouter/bin/Release/net10.0/Router.FakeOpenRouter.dll --port 5005 --api-key "$OPENROUTER_API_KEY" \
    --latency-ms 100 --tokens-per-second 60 >"$RUN_DIR/fake.log" 2>&1 &
  pids+=($!)
fi

export ROUTER_SEED_NODES="akka.tcp://router@127.0.0.1:4053"
node() { # name roles akka-port http-url
  ROUTER_ROLES=$2 ROUTER_PORT=$3 ASPNETCORE_URLS=$4 ROUTER_DATA_DIR="$RUN_DIR/$1" \
    dotnet src/Router.Node/bin/Release/net10.0/Router.Node.dll >"$RUN_DIR/$1.log" 2>&1 &
  pids+=($!)
}
node router-1 router 4053 http://127.0.0.1:8081
sleep 3
node router-2 router 4054 http://127.0.0.1:8082
node router-3 router 4055 http://127.0.0.1:8083
node front-1 front 4056 "$FRONT_URL"

for i in $(seq 1 60); do
  if curl -fsS "$FRONT_URL/ready" >/dev/null 2>&1; then break; fi
  sleep 1
done
curl -fsS "$FRONT_URL/ready" && echo
echo "Router cluster up: front $FRONT_URL, routers on :8081-8083 (health only), logs in $RUN_DIR. Ctrl-C stops it."
wait
