"""Create the pipeline's topics if they are missing."""

from __future__ import annotations

import logging

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from shared.kafka_security import connection_kwargs
from shared.settings import KafkaSettings

log = logging.getLogger(__name__)


async def ensure_topics(settings: KafkaSettings, names: list[str]) -> None:
    admin = AIOKafkaAdminClient(
        **connection_kwargs(settings), request_timeout_ms=settings.kafka_request_timeout_ms
    )
    try:
        await admin.start()
        existing = set(await admin.list_topics())
        missing = [
            NewTopic(
                name=name,
                num_partitions=settings.kafka_topic_partitions,
                replication_factor=settings.kafka_topic_replication,
            )
            for name in names
            if name not in existing
        ]
        if missing:
            try:
                await admin.create_topics(missing)
            except TopicAlreadyExistsError:
                # Another replica created it between our list and create: the goal is met.
                log.info("topics created concurrently by another process")
            log.info("created topics %s", [t.name for t in missing])
    finally:
        await admin.close()
