#!/bin/bash
# kafka-run-class.sh CLASS [ARG...]: run one Kafka main class on the image's jars.
# Tools log warnings to stderr; the broker (kafka-server-start.sh) logs to stdout.
set -euo pipefail
main="$1"
shift
log4j="${KAFKA_LOG4J_OPTS:--Dlog4j2.configurationFile=/opt/kafka/config/tools-log4j2.xml}"
# shellcheck disable=SC2086
exec java ${KAFKA_HEAP_OPTS:--Xmx256m} ${KAFKA_JVM_PERFORMANCE_OPTS:-} ${KAFKA_OPTS:-} $log4j \
  -Djava.awt.headless=true -cp '/opt/kafka/libs/*' "$main" "$@"
