#!/usr/bin/env bash
# Main entry point: local Kafka + Neo4j for development and tests.
# Usage: services.sh up|down|status|restart|reset|fetch
set -euo pipefail
SVC=services
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=_common.sh
source "$HERE/_common.sh"

up() {
  "$HERE/fetch.sh" all
  # Start both, then wait for both: the JVMs boot in parallel.
  local rc=0
  "$HERE/kafka.sh" start --no-wait || rc=$?
  "$HERE/neo4j.sh" start --no-wait || rc=$?
  if ((rc == 0)); then
    "$HERE/kafka.sh" wait || rc=$?
    "$HERE/neo4j.sh" wait || rc=$?
  fi
  if ((rc != 0)); then
    log "startup failed; stopping whatever did start"
    down || true
    return "$rc"
  fi
}

down() {
  local rc=0
  "$HERE/neo4j.sh" stop || rc=$?
  "$HERE/kafka.sh" stop || rc=$?
  return "$rc"
}

status() {
  local rc=0
  "$HERE/kafka.sh" status || rc=$?
  "$HERE/neo4j.sh" status || rc=$?
  return "$rc"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  restart) down && up ;;
  reset) "$HERE/neo4j.sh" reset && "$HERE/kafka.sh" reset ;;
  fetch) "$HERE/fetch.sh" all ;;
  *) die "usage: $0 up|down|status|restart|reset|fetch" ;;
esac
