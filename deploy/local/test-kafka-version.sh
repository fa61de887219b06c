#!/usr/bin/env bash
# Run Kafka-facing tests against a private broker of another Kafka version, next to the
# default local servers (which stay untouched: the private broker has its own BG_LOCAL_DIR
# and ports, and the tests use the default Neo4j through BG_TEST_NEO4J_URI).
# Usage: test-kafka-version.sh VERSION [PYTEST_ARGS...]
# Env: PYTHON (default .venv/bin/python), KAFKA_TEST_PORT / KAFKA_TEST_CONTROLLER_PORT
# (default 19192/19193), NEO4J_BOLT_PORT (default 7687).
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
export KAFKA_PORT="${KAFKA_TEST_PORT:-19192}"
export KAFKA_CONTROLLER_PORT="${KAFKA_TEST_CONTROLLER_PORT:-19193}"
export KAFKA_HEAP="${KAFKA_HEAP:--Xms256m -Xmx512m}"

# A fresh broker each run: no topic, group or offset of an earlier run is left.
"$HERE/kafka.sh" reset >/dev/null 2>&1 || true
trap '"$HERE/kafka.sh" stop || true' EXIT
"$HERE/kafka.sh" start
log "Kafka $version on localhost:$KAFKA_PORT; running: pytest $*"
BG_TEST_KAFKA_BOOTSTRAP="localhost:$KAFKA_PORT" \
  BG_TEST_NEO4J_URI="bolt://localhost:${NEO4J_BOLT_PORT:-7687}" \
  "$python" -m pytest "$@"
