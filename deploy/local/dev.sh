#!/usr/bin/env bash
# Run the whole pipeline on this machine: local Kafka + Neo4j, then ingest_api and
# graph_writer in the foreground with their logs. Ctrl-C stops everything.
# Usage: dev.sh PYTHON
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PY="${1:?usage: dev.sh PYTHON}"
cd "$ROOT"

"$HERE/services.sh" up

# A developer's pipeline runs without API keys, so ingest_api must be told that on
# purpose, and then listens on loopback only, whatever INGEST_API_HOST says: an open API
# must not be reachable from the network. graph_writer's health port follows the same
# rule: its /metrics and /health answer anyone, so a laptop must not offer them to the
# network either. The services' own defaults stay 0.0.0.0, which containers need. Set
# INGEST_API_KEYS and AUTH_DISABLED=false to try authentication locally (and to bind
# other addresses).
export AUTH_DISABLED="${AUTH_DISABLED:-true}"
if [[ "${AUTH_DISABLED,,}" =~ ^(true|1|yes|on|t|y)$ ]]; then
  for var in INGEST_API_HOST GRAPH_WRITER_HEALTH_HOST; do
    if [[ -n "${!var:-}" && "${!var}" != 127.0.0.1 ]]; then
      echo "[dev] authentication is off: $var is 127.0.0.1, not ${!var}"
    fi
    export "$var=127.0.0.1"
  done
fi

pids=()
stop_all() {
  trap - INT TERM EXIT
  echo "[dev] stopping services"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  "$HERE/services.sh" down
}
trap stop_all INT TERM EXIT

# Process substitution, not a pipe: $! must be the service's PID, not sed's, so the
# stop below signals the services themselves.
"$PY" -m ingest_api > >(sed -u 's/^/[ingest_api] /') 2>&1 &
pids+=($!)
"$PY" -m graph_writer > >(sed -u 's/^/[graph_writer] /') 2>&1 &
pids+=($!)

port="${INGEST_API_PORT:-8001}"
echo "[dev] ingest_api on http://localhost:${port}  (try: curl -s localhost:${port}/health/ready)"
echo "[dev] graph_writer health on http://localhost:${GRAPH_WRITER_HEALTH_PORT:-8002}/health/ready"
echo "[dev] Neo4j browser on http://localhost:${NEO4J_HTTP_PORT:-7474} (neo4j / ${NEO4J_PASSWORD:-blueprintgraph})"
echo "[dev] Ctrl-C stops everything"
wait -n "${pids[@]}" || true
