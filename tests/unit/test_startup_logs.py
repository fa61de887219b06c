"""graph_writer's start-up logs: a dependency still starting is INFO once, an outage past
WRITER_STARTUP_PATIENCE_S is ERROR once; so is aiokafka's first-join coordinator error."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import pytest
from aiokafka.errors import GroupAuthorizationFailedError, GroupCoordinatorNotAvailableError

from graph_writer.coordinator_log import LOGGER, PatientCoordinatorLookup
from graph_writer.service import _until_ok
from graph_writer.settings import GraphWriterSettings
from shared.core.errors import StoreUnavailable


def _settings(patience_s: float) -> GraphWriterSettings:
    return GraphWriterSettings(
        writer_backoff_initial_s=0.01,
        writer_backoff_max_s=0.02,
        writer_startup_patience_s=patience_s,
    )


def _failing(times: int) -> tuple[list[int], Callable[[], Awaitable[str]]]:
    calls: list[int] = []

    async def step() -> str:
        calls.append(1)
        if len(calls) <= times:
            raise StoreUnavailable("Neo4j unreachable: connection refused")
        return "schema"

    return calls, step


def _records(caplog: pytest.LogCaptureFixture) -> list[tuple[int, str]]:
    return [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "graph_writer.service"]


async def test_a_dependency_still_starting_is_one_info_line_then_quiet_retries(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    calls, step = _failing(5)
    result = await _until_ok("Neo4j", step, _settings(60.0), asyncio.Event())
    assert result == "schema"
    assert len(calls) == 6
    records = _records(caplog)
    assert [level for level, _ in records if level >= logging.WARNING] == []
    infos = [message for level, message in records if level == logging.INFO]
    assert infos[0].startswith("waiting for Neo4j: Neo4j unreachable")
    assert infos[1].startswith("Neo4j available after")
    assert len(infos) == 2


async def test_an_outage_past_the_patience_is_logged_at_error_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    _, step = _failing(12)
    result = await _until_ok("Neo4j", step, _settings(0.05), asyncio.Event())
    assert result == "schema"
    errors = [message for level, message in _records(caplog) if level == logging.ERROR]
    assert len(errors) == 1
    assert errors[0].startswith("Neo4j still unavailable after")


def _lookup_failed(error: Exception) -> logging.LogRecord:
    # The record aiokafka's group coordinator makes (group_coordinator.py, coordinator lookup).
    return logging.LogRecord(
        LOGGER, logging.ERROR, __file__, 1, "Group Coordinator Request failed: %s", (error,), None
    )


def test_the_first_join_s_coordinator_errors_are_one_info_line() -> None:
    now = [0.0]
    lookup = PatientCoordinatorLookup(60.0, clock=lambda: now[0])
    records = [_lookup_failed(GroupCoordinatorNotAvailableError()) for _ in range(5)]
    kept = [record for record in records if lookup.filter(record)]
    assert [(r.levelname, r.getMessage()) for r in kept] == [
        ("INFO", f"waiting for the group coordinator: {GroupCoordinatorNotAvailableError()}")
    ]


def test_coordinator_errors_past_the_patience_or_not_retriable_stay_errors() -> None:
    now = [0.0]
    lookup = PatientCoordinatorLookup(60.0, clock=lambda: now[0])
    denied = _lookup_failed(GroupAuthorizationFailedError())
    assert lookup.filter(denied)
    assert denied.levelno == logging.ERROR
    now[0] = 61.0
    late = _lookup_failed(GroupCoordinatorNotAvailableError())
    assert lookup.filter(late)
    assert late.levelno == logging.ERROR
