"""The bench reports the Kafka version the broker process runs, read from its class path."""

from __future__ import annotations

import os

import pytest

from bench.report import broker_kafka_version, kafka_version_from_cmdline

LIB = ["jackson-core-2.17.jar", "kafka-clients-4.4.0.jar", "kafka-server-4.4.0.jar"]


def listdir(folder: str) -> list[str]:
    if folder != "/opt/kafka/lib":
        raise FileNotFoundError(folder)
    return LIB


@pytest.mark.parametrize(
    ("classpath", "version"),
    [
        ("/opt/kafka/lib/*", "4.4.0"),
        ("/x/a.jar:/opt/kafka/libs/kafka_2.13-3.9.1.jar", "3.9.1"),
        ("/opt/kafka/libs/kafka-server-common-4.1.2.jar", "4.1.2"),
        ("/missing/*:/x/a.jar", None),
    ],
)
def test_the_version_comes_from_the_broker_jars(classpath: str, version: str | None) -> None:
    argv = ["java", "-Xmx1g", "-cp", classpath, "kafka.Kafka", "server.properties"]
    assert kafka_version_from_cmdline(argv, listdir) == version


def test_without_a_class_path_or_a_process_it_is_unknown() -> None:
    assert kafka_version_from_cmdline(["java", "kafka.Kafka"], listdir) is None
    assert broker_kafka_version(None) == "unknown"
    # This test's own process is no broker.
    assert broker_kafka_version(os.getpid()) == "unknown"
