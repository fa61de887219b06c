"""Per-topic answers of CreateTopics, as the broker sends them, turned into raises."""

from __future__ import annotations

import logging

import pytest
from aiokafka.errors import KafkaError, NotControllerError, RequestTimedOutError

from shared.kafka_io.topics import TopicSetupError, check_created, warn_if_fewer_partitions


def test_created_and_already_existing_topics_pass() -> None:
    check_created([("a", 0, None), ("b", 36, "Topic 'b' already exists.")])
    check_created([("a", 0)])


def test_a_refused_topic_raises_naming_the_topic_and_the_reason() -> None:
    reason = "The target replication factor of 3 cannot be reached because only 1 broker(s)"
    with pytest.raises(TopicSetupError) as caught:
        check_created([("ok", 0, None), ("events", 38, reason)])
    message = str(caught.value)
    assert "'events'" in message
    assert "INVALID_REPLICATION_FACTOR (38)" in message
    assert reason in message
    assert "KAFKA_TOPIC_REPLICATION" in message
    assert not caught.value.retriable


def test_without_a_message_the_error_description_is_the_reason() -> None:
    with pytest.raises(TopicSetupError, match="'t': INVALID_PARTITIONS \\(37\\): Number of"):
        check_created([("t", 37)])


@pytest.mark.parametrize(("code", "error"), [(41, NotControllerError), (7, RequestTimedOutError)])
def test_passing_refusals_raise_the_retriable_kafka_error(
    code: int, error: type[Exception]
) -> None:
    with pytest.raises(error) as caught:
        check_created([("t", code, None)])
    assert isinstance(caught.value, KafkaError)
    assert caught.value.retriable
    assert not isinstance(caught.value, TopicSetupError)


def test_fewer_partitions_than_configured_warns(caplog: pytest.LogCaptureFixture) -> None:
    def described(name: str, partitions: int) -> dict[str, object]:
        return {"topic": name, "error_code": 0, "partitions": [{}] * partitions}

    with caplog.at_level(logging.WARNING, logger="shared.kafka_io.topics"):
        warn_if_fewer_partitions([described("small", 1), described("big", 6)], wanted=6)
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1
    assert "'small' has 1 partitions, fewer than KAFKA_TOPIC_PARTITIONS=6" in warnings[0]
