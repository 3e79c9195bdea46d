"""The batch sink hosted by the worker survives Kafka refusing it instead of ending the worker."""

from __future__ import annotations

import asyncio

import pytest
from aiokafka.errors import UnknownTopicOrPartitionError

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
