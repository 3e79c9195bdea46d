"""The stream confirms an LSN to PostgreSQL only once Kafka acknowledged everything up to it."""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any

import pytest

from pipelines.relay.errors import RelayError
from pipelines.relay.progress import Progress
from pipelines.relay.records import RecordBuilder, RelayRecord
from pipelines.relay.stream import ChangeStream
from pipelines.topics import RelayTopics


def txn(xid: int, commit_lsn: int, *ids: int) -> list[bytes]:
    """wal2json messages of one transaction inserting listings ``ids``."""
    end = (
        f'"xid":{xid},"timestamp":"2026-11-25 10:00:00+00","lsn":"0/1","nextlsn":"0/{commit_lsn:X}"'
    )
    inserts = [
        f'{{"action":"I","xid":{xid},"lsn":"0/{commit_lsn - 10 + n:X}","schema":"public",'
        f'"table":"listings","columns":[{{"name":"id","type":"integer","value":{i}}}],'
        f'"pk":[{{"name":"id","type":"integer"}}]}}'
        for n, i in enumerate(ids)
    ]
    messages = [f'{{"action":"B",{end}}}', *inserts, f'{{"action":"C",{end}}}']
    return [message.encode() for message in messages]


class FakeSource:
    def __init__(self, *transactions: list[bytes]) -> None:
        self.messages = deque((m, 0) for t in transactions for m in t)
        self.confirmed: list[int] = []
        self.wal_end = 0

    def read(self) -> tuple[bytes, int] | None:
        return self.messages.popleft() if self.messages else None

    async def wait_readable(self, at_most: float) -> None:
        await asyncio.sleep(0.001)

    def confirm(self, lsn: int) -> None:
        self.confirmed.append(lsn)


class FakePublisher:
    """Kafka whose acknowledgements the test hands out; flush delivers whatever is left."""

    def __init__(self) -> None:
        self.sent: list[tuple[RelayRecord, asyncio.Future[Any]]] = []

    async def send(self, record: RelayRecord) -> asyncio.Future[Any]:
        delivery: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.sent.append((record, delivery))
        return delivery

    async def ship(self) -> None:
        pass

    async def flush(self) -> None:
        for _record, delivery in self.sent:
            if not delivery.done():
                delivery.set_result(None)
        await asyncio.sleep(0)

    def ack(self, index: int, error: Exception | None = None) -> None:
        delivery = self.sent[index][1]
        if error is None:
            delivery.set_result(None)
        else:
            delivery.set_exception(error)


async def until(condition: Any, seconds: float = 2.0) -> None:
    async with asyncio.timeout(seconds):
        while not condition():  # noqa: ASYNC110 - polling the fakes is the point
            await asyncio.sleep(0.001)


def make_stream(source: FakeSource, publisher: FakePublisher) -> ChangeStream:
    builder = RecordBuilder(RelayTopics())
    return ChangeStream(source, publisher, builder, Progress(60), feedback_seconds=0)


def test_confirms_each_transaction_once_its_records_are_acked() -> None:
    async def scenario() -> None:
        source, publisher = FakeSource(txn(1, 0x100, 1, 2), txn(2, 0x200, 3)), FakePublisher()
        stop = asyncio.Event()
        task = asyncio.create_task(make_stream(source, publisher).run(stop))
        await until(lambda: len(publisher.sent) == 3)
        await asyncio.sleep(0.02)
        assert source.confirmed == []  # nothing acknowledged, nothing confirmed
        publisher.ack(2)  # the second transaction's only record
        publisher.ack(0)
        await asyncio.sleep(0.02)
        assert source.confirmed == []  # record 1 of the first transaction is in flight
        publisher.ack(1)
        await until(lambda: source.confirmed == [0x200])
        stop.set()
        await task
        assert [r.key for r, _ in publisher.sent] == [b"1", b"2", b"3"]

    asyncio.run(scenario())


def test_graceful_stop_waits_for_kafka_then_confirms() -> None:
    async def scenario() -> None:
        source, publisher = FakeSource(txn(1, 0x100, 1), txn(2, 0x200, 2)), FakePublisher()
        stop = asyncio.Event()
        task = asyncio.create_task(make_stream(source, publisher).run(stop))
        await until(lambda: len(publisher.sent) == 2)
        stop.set()
        await task
        assert source.confirmed[-1] == 0x200

    asyncio.run(scenario())


def test_a_refused_record_stops_the_relay_without_confirming_past_it() -> None:
    async def scenario() -> None:
        source = FakeSource(txn(1, 0x100, 1), txn(2, 0x200, 2), txn(3, 0x300, 3))
        publisher = FakePublisher()
        task = asyncio.create_task(make_stream(source, publisher).run(asyncio.Event()))
        await until(lambda: len(publisher.sent) == 3)
        publisher.ack(0)
        publisher.ack(1, RuntimeError("record too large"))
        publisher.ack(2)
        with pytest.raises(RelayError, match="record too large"):
            await task
        assert source.confirmed == [0x100]

    asyncio.run(scenario())
