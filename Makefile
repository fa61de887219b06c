# Blueprint Graph ingest. `make help` lists the targets.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
LOCAL := deploy/local
PYTEST_ARGS ?=
SOAK_ARGS ?=
# The older Kafka line still tested, and the Kafka-facing tests run against it.
KAFKA_OLD_VERSION ?= 3.9.1
KAFKA_OLD_TESTS ?= tests/integration/test_pipeline.py tests/integration/test_kafka_topics.py \
	tests/integration/test_writer_resilience.py tests/integration/test_kafka_sasl.py

# `make test` runs a Kafka and a Neo4j of its own: own data directory, own ports. The
# developer's servers (`make dev`, default ports, deploy/local/.run) never see a test event,
# and a test that stops a server for an outage scenario stops only the test one.
TEST_LOCAL_DIR ?= deploy/local/.run-test
TEST_KAFKA_PORT ?= 19192
TEST_KAFKA_CONTROLLER_PORT ?= 19193
TEST_NEO4J_BOLT_PORT ?= 17787
TEST_NEO4J_HTTP_PORT ?= 17574
TEST_ENV := BG_LOCAL_DIR=$(TEST_LOCAL_DIR) \
	KAFKA_PORT=$(TEST_KAFKA_PORT) KAFKA_CONTROLLER_PORT=$(TEST_KAFKA_CONTROLLER_PORT) \
	NEO4J_BOLT_PORT=$(TEST_NEO4J_BOLT_PORT) NEO4J_HTTP_PORT=$(TEST_NEO4J_HTTP_PORT)

.DEFAULT_GOAL := help
.PHONY: help install test-programs dev services-up services-down services-status test test-unit \
	test-services-up test-services-down test-kafka39 lint fmt bench soak clean

help:
	@echo "make dev             install, start local Kafka + Neo4j, run ingest_api and graph_writer (Ctrl-C stops all)"
	@echo "make test            install, start the test Kafka + Neo4j if needed, run the whole test suite"
	@echo "make test-unit       the tests that need no server"
	@echo "make test-kafka39    the Kafka-facing tests against a private Kafka $(KAFKA_OLD_VERSION) broker (ports from 19192 up)"
	@echo "make services-up     start local Kafka + Neo4j (fetched through Maven on first use)"
	@echo "make services-down   stop them"
	@echo "make test-services-down   stop the test Kafka + Neo4j (ports $(TEST_KAFKA_PORT), $(TEST_NEO4J_BOLT_PORT); data in $(TEST_LOCAL_DIR))"
	@echo "make lint            ruff + mypy (strict)"
	@echo "make bench           benchmarks against the local servers (docs/benchmarks.md)"
	@echo "make soak            30-minute soak with writer restarts (docs/soak.md); SOAK_ARGS='--minutes 3'"
	@echo "make up / down / logs / scale WRITERS=n   docker compose stack (needs a Docker engine)"
	@echo "make up-observability   the compose stack plus Prometheus (:9090) and Grafana (:3000)"
	@echo "make engine-up       a private Docker engine (root; for machines without one: deploy/engine.sh)"
	@echo "make up-local        the compose stack on stand-in images built here (no registry needed)"
	@echo "make test-compose    the container tests (tests/compose) against that stack"

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

services-up:
	$(LOCAL)/services.sh up

services-down:
	$(LOCAL)/services.sh down

services-status:
	$(LOCAL)/services.sh status

dev: install
	$(LOCAL)/dev.sh $(PY)

# syslog-ng and prometheus for their integration tests, from Debian's packages when
# missing and run as root (else those tests skip); never fails.
test-programs:
	deploy/test-programs.sh

test-services-up:
	$(TEST_ENV) $(LOCAL)/services.sh up

test-services-down:
	$(TEST_ENV) $(LOCAL)/services.sh down

test: install test-programs test-services-up
	$(TEST_ENV) $(PY) -m pytest $(PYTEST_ARGS)

test-unit: install
	$(PY) -m pytest tests/unit tests/deploy tests/bench_unit $(PYTEST_ARGS)

# The default broker is Kafka 4.x; this proves the previous line too (docs/kafka_integration.md).
test-kafka39: install test-services-up
	NEO4J_BOLT_PORT=$(TEST_NEO4J_BOLT_PORT) PYTHON=$(PY) $(LOCAL)/test-kafka-version.sh $(KAFKA_OLD_VERSION) $(KAFKA_OLD_TESTS) $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

fmt: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: install services-up
	$(PY) -m bench.run

soak: install services-up
	$(PY) -m bench.soak $(SOAK_ARGS)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis

include deploy/compose.mk
