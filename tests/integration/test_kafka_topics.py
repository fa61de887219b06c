"""Topic creation against the real single broker: refusals are raised, not ignored."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from aiokafka.admin import AIOKafkaAdminClient

from graph_writer.settings import GraphWriterSettings
from shared.kafka_io.topics import TopicSetupError, ensure_topics
from tests.conftest import Services
from tests.integration.kafka_helpers import create_topic
from tests.integration.processes import start_writer


def settings_for(services: Services, **overrides: object) -> GraphWriterSettings:
    values: dict[str, object] = {"kafka_bootstrap_servers": services.kafka_bootstrap}
    return GraphWriterSettings.model_validate({**values, **overrides})


async def partitions_of(bootstrap: str, topic: str) -> int | None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        if topic not in await admin.list_topics():
            return None
        (described,) = await admin.describe_topics([topic])
        return len(described["partitions"])
    finally:
        await admin.close()


def test_replication_above_the_broker_count_raises_naming_the_topic(
    services: Services, topic: str
) -> None:
    settings = settings_for(services, kafka_topic_replication=3)
    with pytest.raises(TopicSetupError) as caught:
        asyncio.run(ensure_topics(settings, [topic]))
    message = str(caught.value)
    assert repr(topic) in message
    assert "INVALID_REPLICATION_FACTOR (38)" in message
    assert "only 1 broker(s)" in message
    assert asyncio.run(partitions_of(services.kafka_bootstrap, topic)) is None


def test_missing_topics_are_created_with_the_configured_partitions(
    services: Services, topic: str
) -> None:
    settings = settings_for(services, kafka_topic_partitions=3)
    asyncio.run(ensure_topics(settings, [topic, f"{topic}-dlq"]))
    asyncio.run(ensure_topics(settings, [topic]))  # a second run finds them: no error
    assert asyncio.run(partitions_of(services.kafka_bootstrap, topic)) == 3
    assert asyncio.run(partitions_of(services.kafka_bootstrap, f"{topic}-dlq")) == 3


def test_an_existing_topic_with_fewer_partitions_is_kept_and_warned_about(
    services: Services, topic: str, caplog: pytest.LogCaptureFixture
) -> None:
    asyncio.run(create_topic(services.kafka_bootstrap, topic, partitions=1))
    with caplog.at_level(logging.WARNING, logger="shared.kafka_io.topics"):
        asyncio.run(ensure_topics(settings_for(services, kafka_topic_partitions=6), [topic]))
    assert [r.getMessage() for r in caplog.records] == [
        f"topic {topic!r} has 1 partitions, fewer than KAFKA_TOPIC_PARTITIONS=6; "
        "at most 1 graph_writer replicas will get work"
    ]
    assert asyncio.run(partitions_of(services.kafka_bootstrap, topic)) == 1


def test_writer_exits_2_when_the_broker_refuses_its_topics(
    services: Services, topic: str, tmp_path: Path
) -> None:
    writer = start_writer(services, topic, "unused", tmp_path, KAFKA_TOPIC_REPLICATION="3")
    try:
        assert writer.wait_exit(60) == 2, writer.log()
        assert f"cannot create topic {topic!r}: INVALID_REPLICATION_FACTOR" in writer.log()
    finally:
        writer.close()
