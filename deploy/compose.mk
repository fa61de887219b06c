# deploy/compose.mk: local Docker Compose stack. Included from the root Makefile:
#     include deploy/compose.mk
# Paths are relative to the repository root (where make runs).
#
#   make up                  build and start everything, wait until healthy
#   make up-direct           direct-write mode: neo4j + ingest_api (USE_KAFKA=false)
#   make up-observability    everything plus Prometheus (:9090) and Grafana (:3000)
#   make logs [SERVICE=x]    follow logs (all services, or one)
#   make scale WRITERS=3     run N graph_writer replicas
#   make down [DOWN_FLAGS=-v]  stop and remove containers (-v: also the volumes)

COMPOSE_ENV_FILE ?= .env
COMPOSE ?= docker compose -f deploy/docker-compose.yml --env-file $(COMPOSE_ENV_FILE)
COMPOSE_DIRECT ?= $(COMPOSE) -f deploy/docker-compose.direct.yml
COMPOSE_WAIT_TIMEOUT ?= 300
WRITERS ?= 1
SERVICE ?=
DOWN_FLAGS ?=

.PHONY: up up-direct up-observability down logs scale compose-preflight

# Fails early and clearly when there is no Docker engine, then makes sure the
# --env-file exists (copied from .env.example, never overwritten).
compose-preflight:
	@command -v docker >/dev/null 2>&1 || { \
		echo "error: the docker CLI is not installed; the compose targets need Docker with Compose v2.24+" >&2; exit 1; }
	@docker info >/dev/null 2>&1 || { \
		echo "error: no Docker engine reachable (docker info failed). Start Docker (or set DOCKER_HOST) and retry." >&2; exit 1; }
	@docker compose version >/dev/null 2>&1 || { \
		echo "error: the Docker Compose v2 plugin (docker compose) is not installed." >&2; exit 1; }
	@test -f $(COMPOSE_ENV_FILE) || { cp .env.example $(COMPOSE_ENV_FILE) && echo "created $(COMPOSE_ENV_FILE) from .env.example"; }

up: compose-preflight
	$(WITH_CA) $(COMPOSE) up -d --build --remove-orphans --wait --wait-timeout $(COMPOSE_WAIT_TIMEOUT)
	@echo "ingest_api: http://localhost:8001  kafka-ui: http://localhost:8080  neo4j: http://localhost:7474"

up-direct: compose-preflight
	$(WITH_CA) $(COMPOSE_DIRECT) up -d --build --remove-orphans --wait --wait-timeout $(COMPOSE_WAIT_TIMEOUT) neo4j ingest_api

# The `observability` profile's services (prometheus, grafana) start only here.
up-observability: compose-preflight
	$(WITH_CA) $(COMPOSE) --profile observability up -d --build --remove-orphans --wait --wait-timeout $(COMPOSE_WAIT_TIMEOUT)
	@echo "ingest_api: http://localhost:8001  prometheus: http://localhost:9090  grafana: http://localhost:3000"

# With the profile named, down also removes prometheus and grafana when they run.
down: compose-preflight
	$(COMPOSE) --profile observability down --remove-orphans $(DOWN_FLAGS)

logs: compose-preflight
	$(COMPOSE) logs --follow --tail=200 $(SERVICE)

# Replicas beyond the partition count get no partitions and sit idle (their
# /health/ready stays 503, so compose shows them unhealthy).
scale: compose-preflight
	@case "$(WRITERS)" in ""|*[!0-9]*) echo "error: WRITERS must be a whole number, e.g. make scale WRITERS=3" >&2; exit 1;; esac
	@parts=$$(sed -n "s/^KAFKA_TOPIC_PARTITIONS=//p" $(COMPOSE_ENV_FILE) | tail -n 1); parts=$${parts:-6}; \
	if [ "$(WRITERS)" -gt "$$parts" ]; then \
		echo "warning: WRITERS=$(WRITERS) > KAFKA_TOPIC_PARTITIONS=$$parts: $$(( $(WRITERS) - parts )) writer(s) will sit idle" >&2; fi
	$(WITH_CA) $(COMPOSE) up -d --no-recreate --scale graph_writer=$(WRITERS) graph_writer

# ---------------------------------------------------------------------------- no registry
# On a machine with no Docker engine and no image registry (CI here): deploy/engine.sh runs
# a private dockerd, deploy/images/build.sh builds stand-ins under the upstream tags, and the
# same compose file runs on them. When DOCKER_HOST is unset and that engine's socket
# exists, the compose targets use it; nothing else (`make test`) sees it.
BG_ENGINE_SOCK ?= /run/blueprintgraph-engine/docker.sock
COMPOSE_DOCKER_HOST := $(or $(DOCKER_HOST),$(if $(wildcard $(BG_ENGINE_SOCK)),unix://$(BG_ENGINE_SOCK)))
# Extra CA certificates the image builds must trust (pip behind a TLS-inspecting proxy).
BG_EXTRA_CA_FILES ?= $(wildcard /usr/local/share/ca-certificates/*.crt)
COMPOSE_TEST_ARGS ?=

COMPOSE_TEST_PROJECT ?= bgcompose-test

.PHONY: engine-up engine-down engine-status stand-ins up-local test-compose test-compose-down

up up-direct up-observability down logs scale compose-preflight stand-ins up-local test-compose \
	test-compose-down: export DOCKER_HOST = $(COMPOSE_DOCKER_HOST)
# Their PEM text reaches compose through the shell: make's $(shell) would join its lines,
# and pip would then trust none of them. An EXTRA_CA_CERTS already set is kept.
WITH_CA = EXTRA_CA_CERTS="$${EXTRA_CA_CERTS-$$(cat /dev/null $(BG_EXTRA_CA_FILES))}"

engine-up:
	deploy/engine.sh up

engine-down:
	deploy/engine.sh down

engine-status:
	deploy/engine.sh status

stand-ins: compose-preflight
	deploy/images/build.sh

# The stand-ins, then exactly what `make up` runs (Kafka UI has no stand-in: every other
# service by name).
up-local: stand-ins
	$(WITH_CA) $(COMPOSE) up -d --build --remove-orphans --wait --wait-timeout $(COMPOSE_WAIT_TIMEOUT) \
		kafka kafka-init neo4j ingest_api graph_writer
	@echo "ingest_api: http://localhost:8001  neo4j: http://localhost:7474 (no Kafka UI: no stand-in image)"

# Container tests (tests/compose, outside `make test`): their own compose project and host
# ports, stack brought up and removed (-v) by the tests themselves.
test-compose: install stand-ins
	$(WITH_CA) BG_COMPOSE_TEST_PROJECT=$(COMPOSE_TEST_PROJECT) \
		$(PY) -m pytest tests/compose -p no:cacheprovider $(COMPOSE_TEST_ARGS)

# What the container tests leave if they are killed (they remove their stack themselves).
test-compose-down:
	docker compose -p $(COMPOSE_TEST_PROJECT) -f deploy/docker-compose.yml --env-file .env.example \
		--profile observability down -v --remove-orphans
