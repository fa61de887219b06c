"""How long a consumer's first group join takes on a broker: the seconds a newcomer's
`GET /events` stays empty after the first POST in Kafka mode (docs/benchmarks.md).

    python -m bench.first_join --bootstrap localhost:9092

Run it against a fresh broker to see the first join ever (which creates
__consumer_offsets); later runs measure an ordinary join to a new group.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition


async def first_join_s(bootstrap: str, timeout_s: float) -> float:
    """Seconds from the consumer's start to its first partition assignment."""
    topic = f"first-join-{uuid.uuid4().hex[:8]}"
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        # The topic exists before the clock starts: only the join is measured.
        await producer.send_and_wait(topic, b"x")
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=f"{topic}-group", auto_offset_reset="earliest"
    )
    joined = _Joined()
    consumer.subscribe([topic], listener=joined)
    started = time.monotonic()
    await consumer.start()
    try:
        # The join runs in the consumer's background task; a fetch drives nothing here.
        async with asyncio.timeout(timeout_s):
            await joined.event.wait()
        return time.monotonic() - started
    finally:
        await consumer.stop()


class _Joined(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self) -> None:
        self.event = asyncio.Event()

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        return None

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        if assigned:
            self.event.set()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bootstrap", default="localhost:9092")
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args()
    print(f"first join: {asyncio.run(first_join_s(args.bootstrap, args.timeout)):.2f} s")


if __name__ == "__main__":
    main()
