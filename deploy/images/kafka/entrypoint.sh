#!/bin/bash
# KAFKA_* variables -> server.properties, the upstream image's way: prefix dropped, lower
# case, "_" -> ".", "__" -> "_", "___" -> "-". The JVM's own variables are not properties.
# Storage is formatted once with CLUSTER_ID, then the broker replaces this shell (exec),
# so the JVM gets SIGTERM from tini directly.
set -euo pipefail
props=/opt/kafka/config/server.properties
: >"$props"
while IFS='=' read -r name value; do
  case "$name" in
    KAFKA_HEAP_OPTS | KAFKA_OPTS | KAFKA_LOG4J_OPTS | KAFKA_JVM_PERFORMANCE_OPTS | KAFKA_VERSION) continue ;;
    KAFKA_*) ;;
    *) continue ;;
  esac
  key="${name#KAFKA_}"
  key="${key,,}"
  key="${key//___/-}"
  key="${key//__/@}"
  key="${key//_/.}"
  key="${key//@/_}"
  printf '%s=%s\n' "$key" "$value" >>"$props"
done < <(env)
grep -q '^log.dirs=' "$props" || echo "log.dirs=/var/lib/kafka/data" >>"$props"
logdir="$(sed -n 's/^log\.dirs=//p' "$props" | cut -d, -f1)"
if [[ ! -f "$logdir/meta.properties" ]]; then
  : "${CLUSTER_ID:?CLUSTER_ID must be set to format the KRaft storage}"
  /opt/kafka/bin/kafka-storage.sh format --ignore-formatted -t "$CLUSTER_ID" -c "$props"
fi
exec /opt/kafka/bin/kafka-server-start.sh "$props"
