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

.DEFAULT_GOAL := help
.PHONY: help install dev services-up services-down services-status test test-unit test-kafka39 lint fmt bench soak clean

help:
	@echo "make dev             install, start local Kafka + Neo4j, run ingest_api and graph_writer (Ctrl-C stops all)"
	@echo "make test            install, start local Kafka + Neo4j if needed, run the whole test suite"
	@echo "make test-unit       the tests that need no server"
	@echo "make test-kafka39    the Kafka-facing tests against a private Kafka $(KAFKA_OLD_VERSION) broker (ports from 19192 up)"
	@echo "make services-up     start local Kafka + Neo4j (fetched through Maven on first use)"
	@echo "make services-down   stop them"
	@echo "make lint            ruff + mypy (strict)"
	@echo "make bench           benchmarks against the local servers (docs/benchmarks.md)"
	@echo "make soak            30-minute soak with writer restarts (docs/soak.md); SOAK_ARGS='--minutes 3'"
	@echo "make up / down / logs / scale WRITERS=n   docker compose stack (needs a Docker engine)"
	@echo "make up-observability   the compose stack plus Prometheus (:9090) and Grafana (:3000)"

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

test: install services-up
	$(PY) -m pytest $(PYTEST_ARGS)

test-unit: install
	$(PY) -m pytest tests/unit $(PYTEST_ARGS)

# The default broker is Kafka 4.x; this proves the previous line too (docs/kafka_integration.md).
test-kafka39: install services-up
	PYTHON=$(PY) $(LOCAL)/test-kafka-version.sh $(KAFKA_OLD_VERSION) $(KAFKA_OLD_TESTS) $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

fmt: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: install services-up
	$(PY) -m tests.bench.run

soak: install services-up
	$(PY) -m tests.bench.soak $(SOAK_ARGS)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis

include deploy/compose.mk
