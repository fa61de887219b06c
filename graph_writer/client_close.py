"""Closing a Kafka client within the shutdown budget, whatever state its broker is in."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from aiokafka.errors import KafkaError

log = logging.getLogger(__name__)


async def close_within(awaitable: Coroutine[Any, Any, None], deadline: float) -> None:
    # Even past the deadline, give a close one second: it is what releases the sockets.
    deadline = max(deadline, asyncio.get_running_loop().time() + 1.0)
    try:
        async with asyncio.timeout_at(deadline):
            await awaitable
    except (KafkaError, TimeoutError, OSError) as exc:
        log.warning("client did not close cleanly: %s", type(exc).__name__)
    except asyncio.CancelledError:
        current = asyncio.current_task()
        if current is not None and current.cancelling():
            raise
        # Nobody cancelled us: aiokafka's consumer re-raises the cancellation of its own
        # fetch tasks when a broker that is gone left one in its retry backoff
        # (aio-libs/aiokafka#647). The close is then as done as it can be.
        log.warning("client did not close cleanly: its own close was cancelled")
