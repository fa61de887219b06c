"""aiokafka logs every failed group-coordinator lookup at ERROR, including the retriable
GroupCoordinatorNotAvailable a broker answers while it creates __consumer_offsets for the
first join ever: the first thing a newcomer reads is an ERROR for nothing. Pure: no I/O."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Final

from aiokafka.errors import KafkaError

LOGGER: Final = "aiokafka.consumer.group_coordinator"
_LOOKUP_FAILED: Final = "Group Coordinator Request failed: %s"


class PatientCoordinatorLookup(logging.Filter):
    """Within `patience_s` of start-up, the first retriable lookup failure becomes one INFO
    line and the rest are dropped (aiokafka retries them by itself); after it, or for an
    error retrying cannot fix, aiokafka's ERROR goes through unchanged."""

    def __init__(self, patience_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self._clock = clock
        self._until = clock() + patience_s
        self._said = False

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg != _LOOKUP_FAILED or self._clock() >= self._until:
            return True
        error = record.args[0] if isinstance(record.args, tuple) and record.args else None
        if not (isinstance(error, KafkaError) and error.retriable):
            return True
        if self._said:
            return False
        self._said = True
        record.levelno, record.levelname = logging.INFO, "INFO"
        record.msg, record.args = "waiting for the group coordinator: %s", (error,)
        return True


def install(patience_s: float) -> None:
    logging.getLogger(LOGGER).addFilter(PatientCoordinatorLookup(patience_s))
