"""The batch consumers hosted by the worker survive Kafka refusing them instead of ending the
worker, and close what a refused start opened."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ClassVar

import pytest
from aiokafka.errors import UnknownTopicOrPartitionError

from souk.settings import Settings
from streams.hosted_consumer import consume_with_restarts


def test_a_missing_topic_is_waited_out_and_consumption_starts_again() -> None:
    calls: list[int] = []

    async def consume() -> None:
        calls.append(1)
        if len(calls) < 3:
            raise UnknownTopicOrPartitionError()

    asyncio.run(consume_with_restarts(consume, asyncio.Event(), first_delay=0.01))
    assert len(calls) == 3


def test_a_stop_ends_the_waiting() -> None:
    async def scenario() -> int:
        calls: list[int] = []
        stopping = asyncio.Event()

        async def consume() -> None:
            calls.append(1)
            stopping.set()
            raise UnknownTopicOrPartitionError()

        await asyncio.wait_for(consume_with_restarts(consume, stopping, first_delay=60), 5)
        return len(calls)

    assert asyncio.run(scenario()) == 1


def test_other_errors_still_surface() -> None:
    async def consume() -> None:
        raise ValueError("a bug")

    with pytest.raises(ValueError, match="a bug"):
        asyncio.run(consume_with_restarts(consume, asyncio.Event(), first_delay=0.01))


class RefusedConsumer:
    """An aiokafka client whose start fails as when a topic does not exist yet."""

    made: ClassVar[list[RefusedConsumer]] = []

    def __init__(self, *args: object, **kwargs: object) -> None:
        self.stopped = False
        RefusedConsumer.made.append(self)

    async def start(self) -> None:
        raise UnknownTopicOrPartitionError()

    async def stop(self) -> None:
        self.stopped = True


@pytest.mark.parametrize("engine", ["warehouse", "catalog"])
def test_a_refused_start_stops_the_client_before_the_restart(
    engine: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Each restart made a new consumer; one whose start failed was never stopped (aiokafka
    logged "Unclosed AIOKafkaConsumer", and its connections stayed open)."""
    import streams.catalog_batch
    import warehouse.batch_consumer

    RefusedConsumer.made.clear()
    settings = Settings(data_dir=tmp_path)
    stop = asyncio.Event()
    if engine == "warehouse":
        monkeypatch.setattr(warehouse.batch_consumer, "AIOKafkaConsumer", RefusedConsumer)
        monkeypatch.setattr(warehouse.batch_consumer, "AIOKafkaProducer", RefusedConsumer)
        run = warehouse.batch_consumer.run_batch_consumer(settings, stop=stop)
    else:

        class Indexing:
            sink = SimpleNamespace(close=lambda: asyncio.sleep(0))

            async def open(self) -> None:
                return None

        monkeypatch.setattr(streams.catalog_batch, "AIOKafkaConsumer", RefusedConsumer)
        indexing: Any = Indexing()
        run = streams.catalog_batch.run_catalog_batch_consumer(settings, indexing, stop=stop)
    with pytest.raises(UnknownTopicOrPartitionError):
        asyncio.run(run)
    assert RefusedConsumer.made
    assert all(client.stopped for client in RefusedConsumer.made)
