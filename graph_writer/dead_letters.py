"""The dead-letter topic: records that can never be written, with the reason attached."""

from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaProducer
from aiokafka.structs import ConsumerRecord

from graph_writer import metrics


class DeadLetterPublisher:
    def __init__(self, producer: AIOKafkaProducer, topic: str, timeout_s: float) -> None:
        self._producer = producer
        self._topic = topic
        self._timeout_s = timeout_s

    async def publish(self, rejected: list[tuple[ConsumerRecord, str]]) -> None:
        """Return once Kafka acknowledged every dead letter; raise otherwise."""
        if not rejected:
            return
        async with asyncio.timeout(self._timeout_s):
            futures = [
                await self._producer.send(
                    self._topic,
                    value=record.value,
                    key=record.key,
                    headers=[
                        *(record.headers or ()),
                        ("dlq-error", error.encode()[:4096]),
                        ("dlq-source-topic", record.topic.encode()),
                        ("dlq-source-partition", str(record.partition).encode()),
                        ("dlq-source-offset", str(record.offset).encode()),
                    ],
                )
                for record, error in rejected
            ]
            await asyncio.gather(*futures)
        metrics.DEAD_LETTERS.inc(len(rejected))
