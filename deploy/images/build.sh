#!/usr/bin/env bash
# Build the stand-in images under the upstream tags the compose file names, for a Docker
# engine that reaches no image registry (docs/deployment.md, "Stand-in images").
# Usage: deploy/images/build.sh [NAME...]   NAME: python kafka neo4j prometheus (default: all)
#
# The base is a debootstrap minbase of this machine's Debian suite (base.sh); each stand-in
# is one Dockerfile here with ARG BASE_IMAGE, built with the classic builder (BuildKit would
# fetch its frontend from a registry). Kafka and Neo4j reuse the jars deploy/local fetches
# from Maven Central. Rebuilding is cheap: layers are cached, the base is kept.
# Extra CA certificates for the builds that fetch packages (pip behind a TLS-inspecting
# proxy): BG_EXTRA_CA_FILES (default: /usr/local/share/ca-certificates/*.crt), passed to
# deploy/Dockerfile by compose.mk as the EXTRA_CA_CERTS build argument.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
CACHE="$HERE/.cache"
BASE_TAG="${BG_STAND_IN_BASE:-blueprintgraph/stand-in-base:bookworm}"
JRE_TAG=blueprintgraph/stand-in-jre:17
# shellcheck source=../local/_common.sh
KAFKA_VERSION="$(SVC=images bash -c "source '$ROOT/deploy/local/_common.sh'; echo \$KAFKA_VERSION")"
NEO4J_LIB_DIR="$(SVC=images bash -c "source '$ROOT/deploy/local/_common.sh'; echo \$NEO4J_LIB_DIR")"

# The upstream tags, read from the compose file so the two never disagree.
compose_image() {
  sed -n "s#^ *image: *\($1[^ ]*\) *\$#\1#p" "$ROOT/deploy/docker-compose.yml" | head -n 1
}
python_tag="$(sed -n 's/^ARG PYTHON_IMAGE=//p' "$ROOT/deploy/Dockerfile")"

log() { printf '[images] %s\n' "$*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}

build() { # build TAG CONTEXT [BASE]
  local tag="$1" ctx="$2" base="${3:-$BASE_TAG}" t0=$SECONDS
  if ! DOCKER_BUILDKIT=0 docker build --build-arg "BASE_IMAGE=$base" -t "$tag" "$ctx" >"$CACHE/build.log" 2>&1; then
    tail -n 30 "$CACHE/build.log" >&2
    die "building $tag from $ctx failed"
  fi
  log "$tag ready ($((SECONDS - t0))s)"
}

# A build context of the Dockerfile folder plus lib/ = the jars (hard links when possible).
context_with_jars() { # NAME JARDIR
  local ctx="$CACHE/context-$1"
  rm -rf "$ctx"
  mkdir -p "$ctx"
  cp -a "$HERE/$1/." "$ctx/"
  rm -f "$ctx/pom.xml"
  mkdir -p "$ctx/lib"
  cp -al "$2"/*.jar "$ctx/lib/" 2>/dev/null || cp -a "$2"/*.jar "$ctx/lib/"
  printf '%s\n' "$ctx"
}

kafka_jars() {
  local dir="$CACHE/kafka-$KAFKA_VERSION"
  if [[ ! -f "$dir/.complete" ]]; then
    command -v mvn >/dev/null 2>&1 || die "mvn is needed to fetch the Kafka jars"
    log "fetching Kafka $KAFKA_VERSION broker and tools jars"
    rm -rf "$dir"
    # shellcheck disable=SC2086
    mvn -q -B -Dstyle.color=never ${BG_MVN_ARGS:-} -f "$HERE/kafka/pom.xml" \
      "-Dkafka.version=$KAFKA_VERSION" dependency:copy-dependencies \
      -DincludeScope=runtime -DexcludeTypes=pom "-DoutputDirectory=$dir" >&2 ||
      die "maven failed to fetch the Kafka jars"
    touch "$dir/.complete"
  fi
  printf '%s\n' "$dir"
}

mkdir -p "$CACHE"
want=("$@")
((${#want[@]})) || want=(python kafka neo4j prometheus)
docker info >/dev/null 2>&1 || die "no Docker engine answers (deploy/engine.sh up; eval \"\$(deploy/engine.sh env)\")"
"$HERE/base.sh" "$BASE_TAG"
for name in "${want[@]}"; do
  case "$name" in
    python) build "$python_tag" "$HERE/python" ;;
    kafka | neo4j)
      build "$JRE_TAG" "$HERE/jre"
      if [[ "$name" == kafka ]]; then
        build "$(compose_image apache/kafka)" "$(context_with_jars kafka "$(kafka_jars)")" "$JRE_TAG"
      else
        [[ -f "$NEO4J_LIB_DIR/.complete" ]] || "$ROOT/deploy/local/fetch.sh" neo4j
        build "$(compose_image neo4j)" "$(context_with_jars neo4j "$NEO4J_LIB_DIR")" "$JRE_TAG"
      fi
      ;;
    prometheus) build "$(compose_image prom/prometheus)" "$HERE/prometheus" ;;
    *) die "unknown stand-in '$name' (python kafka neo4j prometheus)" ;;
  esac
done
