"""close_within: a client's close never ends the shutdown early, except our own cancel."""

from __future__ import annotations

import asyncio
import logging

import pytest
from aiokafka.errors import KafkaConnectionError

from graph_writer.client_close import close_within


async def _leaks_its_own_cancel() -> None:
    # What aiokafka's Fetcher.close does: cancel a task of its own, then await it.
    inner = asyncio.ensure_future(asyncio.sleep(10))
    await asyncio.sleep(0)
    inner.cancel()
    await inner


async def test_a_cancellation_from_inside_the_close_is_logged_not_raised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    loop = asyncio.get_running_loop()
    with caplog.at_level(logging.WARNING, logger="graph_writer.client_close"):
        await close_within(_leaks_its_own_cancel(), loop.time() + 5)
    assert "its own close was cancelled" in caplog.text


async def test_a_kafka_error_in_the_close_is_logged_not_raised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def refuses() -> None:
        raise KafkaConnectionError("gone")

    with caplog.at_level(logging.WARNING, logger="graph_writer.client_close"):
        await close_within(refuses(), asyncio.get_running_loop().time() + 5)
    assert "KafkaConnectionError" in caplog.text


async def test_a_close_that_hangs_is_cut_at_the_deadline_or_one_second() -> None:
    loop = asyncio.get_running_loop()
    begun = loop.time()
    await close_within(asyncio.sleep(30), begun - 100)
    assert 0.9 < loop.time() - begun < 5


async def test_cancelling_the_caller_still_cancels_it() -> None:
    loop = asyncio.get_running_loop()
    closing = asyncio.ensure_future(close_within(asyncio.sleep(30), loop.time() + 30))
    await asyncio.sleep(0.05)
    closing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await closing
