#!/usr/bin/env bash
# Run Kafka-facing tests against a private broker of another Kafka version, next to the
# default local servers (which stay untouched: the private broker has its own BG_LOCAL_DIR
# and ports, and the tests use the default Neo4j through BG_TEST_NEO4J_URI).
# Usage: test-kafka-version.sh VERSION [PYTEST_ARGS...]
# Env: PYTHON (default .venv/bin/python), KAFKA_TEST_PORT / KAFKA_TEST_CONTROLLER_PORT
# (default: the first free pair from 19192/19193 up), NEO4J_BOLT_PORT (default 7687).
set -euo pipefail
SVC=kafka-version-test
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=_common.sh
source "$HERE/_common.sh"

[[ $# -ge 1 ]] || die "usage: $0 VERSION [PYTEST_ARGS...]"
version="$1"
shift
python="${PYTHON:-.venv/bin/python}"
export BG_KAFKA_VERSION="$version"
export BG_LOCAL_DIR="$BG_DEPLOY_DIR/.run-kafka-$version"
# Unless given, the first pair of free ports from 19192 up (someone else's private broker
# may hold the first ones on a shared machine).
if [[ -z "${KAFKA_TEST_PORT:-}" ]]; then
  for ((port = 19192; port < 19292; port += 2)); do
    if ! port_open "$port" && ! port_open $((port + 1)); then
      KAFKA_TEST_PORT=$port
      KAFKA_TEST_CONTROLLER_PORT=$((port + 1))
      break
    fi
  done
  [[ -n "${KAFKA_TEST_PORT:-}" ]] || die "no free port pair between 19192 and 19291"
fi
export KAFKA_PORT="$KAFKA_TEST_PORT"
export KAFKA_CONTROLLER_PORT="${KAFKA_TEST_CONTROLLER_PORT:-$((KAFKA_TEST_PORT + 1))}"
export KAFKA_HEAP="${KAFKA_HEAP:--Xms256m -Xmx512m}"

# A fresh broker each run: no topic, group or offset of an earlier run is left.
"$HERE/kafka.sh" reset >/dev/null 2>&1 || true
trap '"$HERE/kafka.sh" stop || true' EXIT
"$HERE/kafka.sh" start
log "Kafka $version on localhost:$KAFKA_PORT; running: pytest $*"
BG_TEST_KAFKA_BOOTSTRAP="localhost:$KAFKA_PORT" \
  BG_TEST_NEO4J_URI="bolt://localhost:${NEO4J_BOLT_PORT:-7687}" \
  "$python" -m pytest "$@"
