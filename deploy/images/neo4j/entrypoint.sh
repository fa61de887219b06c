#!/bin/bash
# NEO4J_* variables -> neo4j.conf, the upstream image's way: prefix dropped, "__" -> "_",
# "_" -> "." (NEO4J_server_memory_heap_max__size -> server.memory.heap.max_size).
# NEO4J_AUTH=neo4j/<password> sets the initial password of a new database (ignored once
# the database exists, as upstream); NEO4J_AUTH=none turns authentication off.
set -euo pipefail
home=/var/lib/neo4j
conf="$home/conf/neo4j.conf"
cat >"$conf" <<CONF
server.directories.data=/data
server.directories.logs=/logs
server.directories.run=$home/run
server.directories.import=$home/import
server.directories.plugins=$home/plugins
server.default_listen_address=0.0.0.0
server.bolt.enabled=true
server.http.enabled=true
server.https.enabled=false
dbms.usage_report.enabled=false
CONF
while IFS='=' read -r name value; do
  case "$name" in
    NEO4J_AUTH | NEO4J_HOME | NEO4J_CONF | NEO4J_EDITION | NEO4J_ACCEPT_LICENSE_AGREEMENT) continue ;;
    NEO4J_*) ;;
    *) continue ;;
  esac
  key="${name#NEO4J_}"
  key="${key//__/@}"
  key="${key//_/.}"
  key="${key//@/_}"
  printf '%s=%s\n' "$key" "$value" >>"$conf"
done < <(env)
setting() { sed -n "s/^$1=//p" "$conf" | tail -n 1; }

java=(java -cp "$home/lib/*")
auth="${NEO4J_AUTH:-neo4j/neo4j}"
if [[ "$auth" == none ]]; then
  echo "dbms.security.auth_enabled=false" >>"$conf"
elif [[ ! -d /data/databases/system ]]; then
  password="${auth#neo4j/}"
  NEO4J_CONF="$home/conf" "${java[@]}" org.neo4j.cli.AdminTool dbms set-initial-password "$password" >/dev/null
fi

heap_init="$(setting server.memory.heap.initial_size)"
heap_max="$(setting server.memory.heap.max_size)"
# The JVM options the Neo4j 5 launcher adds; the --add-opens are needed on Java 17+.
exec "${java[0]}" ${heap_init:+-Xms$heap_init} ${heap_max:+-Xmx$heap_max} \
  -XX:+UseG1GC -XX:-OmitStackTraceInFastThrow -XX:+UnlockExperimentalVMOptions \
  -XX:+TrustFinalNonStaticFields -XX:+DisableExplicitGC -Djdk.nio.maxCachedBufferSize=1024 \
  -Dio.netty.tryReflectionSetAccessible=true -Djdk.tls.ephemeralDHKeySize=2048 \
  -Djdk.tls.rejectClientInitiatedRenegotiation=true \
  --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED \
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --enable-native-access=ALL-UNNAMED \
  -Dlog4j2.disable.jmx=true -Dfile.encoding=UTF-8 "${java[@]:1}" \
  org.neo4j.server.CommunityEntryPoint --home-dir="$home" --config-dir="$home/conf"
