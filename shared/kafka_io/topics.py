"""Create the pipeline's topics if they are missing."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError, for_code

from shared.core.settings import KafkaSettings
from shared.kafka_io.security import connection_kwargs

log = logging.getLogger(__name__)


class TopicSetupError(KafkaError):  # type: ignore[misc]
    """The broker refused to create a topic, and asking again cannot change its answer."""

    retriable = False


async def ensure_topics(settings: KafkaSettings, names: list[str]) -> None:
    """Create the missing topics; raise if the broker refuses one.

    A refusal that may pass (controller moving, timeout) raises the retriable Kafka error;
    any other (replication above the broker count, partitions out of range, a policy or
    an ACL) raises TopicSetupError naming the topic and the broker's reason.
    """
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
            # Per-topic failures come back as error codes in the response, not as raises.
            response = await admin.create_topics(missing)
            try:
                check_created(response.topic_errors)
            except TopicSetupError as exc:
                # Logged here in full: a caller may report no more than the error's type.
                log.error("%s", exc)
                raise
            log.info("created topics %s", [t.name for t in missing])
        present = [name for name in names if name in existing]
        if present:
            warn_if_fewer_partitions(
                await admin.describe_topics(present), settings.kafka_topic_partitions
            )
    finally:
        await admin.close()


def check_created(topic_errors: Iterable[tuple[Any, ...]]) -> None:
    """Raise for the first topic the broker did not create. Pure.

    Entries are `(topic, error_code)` or `(topic, error_code, error_message)`, by protocol
    version. A topic that already exists was created concurrently by another process: the
    goal is met.
    """
    for topic, code, *rest in topic_errors:
        if code in (0, TopicAlreadyExistsError.errno):
            continue
        error = for_code(code)
        reason = rest[0] if rest and rest[0] else error.description
        message = f"cannot create topic {topic!r}: {error.message} ({code}): {reason}"
        if error.retriable:
            raise error(message)
        raise TopicSetupError(
            f"{message}; check KAFKA_TOPIC_PARTITIONS and KAFKA_TOPIC_REPLICATION, "
            "or create the topic beforehand"
        )


def warn_if_fewer_partitions(described: list[dict[str, Any]], wanted: int) -> None:
    for topic in described:
        count = len(topic.get("partitions") or ())
        if topic.get("error_code") == 0 and count < wanted:
            # Never altered here: adding partitions moves keys, which the operator must choose.
            log.warning(
                "topic %r has %d partitions, fewer than KAFKA_TOPIC_PARTITIONS=%d; "
                "at most %d graph_writer replicas will get work",
                topic["topic"],
                count,
                wanted,
                count,
            )
