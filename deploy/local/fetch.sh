#!/usr/bin/env bash
# Fetch the Kafka and/or Neo4j runtime jars from Maven Central into the cache.
# Usage: fetch.sh [all|kafka|neo4j]   (idempotent: skips what is already cached)
set -euo pipefail
SVC=fetch
# shellcheck source-path=SCRIPTDIR source=_common.sh
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

command -v mvn >/dev/null 2>&1 || die "mvn not found on PATH"

# fetch_one NAME POM VERSION_PROPERTY VERSION LIBDIR [EXTRA_MVN_ARG...]
fetch_one() {
  local name="$1" pom="$2" prop="$3" version="$4" libdir="$5" tmp
  shift 5
  if [[ -f "$libdir/.complete" ]]; then
    log "$name $version already cached in $libdir"
    return 0
  fi
  log "fetching $name $version into $libdir"
  mkdir -p "$(dirname "$libdir")"
  tmp="$(mktemp -d "$(dirname "$libdir")/.lib.tmp.XXXXXX")"
  # shellcheck disable=SC2086
  if ! mvn -q -B -Dstyle.color=never ${BG_MVN_ARGS:-} -f "$BG_DEPLOY_DIR/$pom" \
      "-D$prop=$version" "$@" \
      dependency:copy-dependencies \
      -DincludeScope=runtime -DexcludeTypes=pom \
      "-DoutputDirectory=$tmp" >"$tmp.mvn.log" 2>&1; then
    sed -e 's/\x1b\[[0-9;]*m//g' "$tmp.mvn.log" | tail -n 40 >&2
    rm -rf "$tmp" "$tmp.mvn.log"
    die "maven failed to fetch $name $version"
  fi
  rm -f "$tmp.mvn.log"
  ls "$tmp"/*.jar >/dev/null 2>&1 || { rm -rf "$tmp"; die "no jars fetched for $name"; }
  rm -rf "$libdir"
  mv "$tmp" "$libdir"
  touch "$libdir/.complete"
  log "$name $version: $(find "$libdir" -name '*.jar' | wc -l) jars, $(du -sh "$libdir" | cut -f1)"
}

what="${1:-all}"
case "$what" in
  all | kafka | neo4j) ;;
  *) die "usage: $0 [all|kafka|neo4j]" ;;
esac
if [[ "$what" == all || "$what" == kafka ]]; then
  # The pom's kafka3 profile swaps the 4.x log4j2 backend for 3.x's reload4j.
  kafka_args=()
  [[ "$KAFKA_LOGGING" == log4j1 ]] && kafka_args=(-Dkafka3)
  fetch_one kafka kafka.pom.xml kafka.version "$KAFKA_VERSION" "$KAFKA_LIB_DIR" "${kafka_args[@]}"
fi
if [[ "$what" == all || "$what" == neo4j ]]; then
  fetch_one neo4j neo4j.pom.xml neo4j.version "$NEO4J_VERSION" "$NEO4J_LIB_DIR"
fi
