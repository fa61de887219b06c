"""One JSON object per log line, so logs can be shipped and queried without parsing prose."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Final

# Extra attributes worth carrying into the JSON line when a call site supplies them.
_CONTEXT_FIELDS: Final = (
    "event_id",
    "batch_id",
    "partition",
    "offset",
    "request_id",
    "count",
    "offsets",
    "duration_ms",
    "new_events",
    "duplicates",
    "dead_lettered",
)
# Their DEBUG output includes query parameters and record contents (event payloads):
# LOG_LEVEL=DEBUG is for our own code, these stay at INFO or above.
_CHATTY_LIBRARIES: Final = ("neo4j", "aiokafka", "kafka", "hypercorn", "asyncio")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, tz=UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in _CONTEXT_FIELDS:
            value = record.__dict__.get(name)
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    floor = max(logging.getLevelName(level.upper()), logging.INFO)
    for name in _CHATTY_LIBRARIES:
        logging.getLogger(name).setLevel(floor)
