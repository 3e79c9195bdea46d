"""KafkaBehaviourEvents with a fake producer: publish never waits, a failed delivery or an
absent Kafka sends the event to the spool, and the spool is re-sent once Kafka is back."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import pytest
from aiokafka.errors import KafkaConnectionError, RequestTimedOutError

from api.behaviour import SEARCH_PERFORMED, BehaviourEvent, KafkaBehaviourEvents
from souk.settings import Settings


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class FakeProducer:
    """Stands for AIOKafkaProducer: ``up`` decides whether it starts and whether a sent
    record's delivery succeeds; ``stall`` makes ``send`` wait as on a full batch."""

    up: ClassVar[bool] = True
    stall: ClassVar[asyncio.Event | None] = None
    made: ClassVar[list[dict[str, Any]]] = []
    delivered: ClassVar[list[dict[str, Any]]] = []

    def __init__(self, **options: Any) -> None:
        FakeProducer.made.append(options)

    async def start(self) -> None:
        if not FakeProducer.up:
            raise KafkaConnectionError("no broker")

    async def stop(self) -> None:
        return None

    async def send(self, topic: str, value: dict[str, Any], key: str) -> asyncio.Future[Any]:
        if FakeProducer.stall is not None:
            await FakeProducer.stall.wait()
        delivery: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        if FakeProducer.up:
            FakeProducer.delivered.append(value | {"topic": topic})
            delivery.set_result(None)
        else:
            delivery.set_exception(RequestTimedOutError())
        return delivery


@pytest.fixture
def producer(monkeypatch: pytest.MonkeyPatch) -> type[FakeProducer]:
    monkeypatch.setattr("api.behaviour.AIOKafkaProducer", FakeProducer)
    FakeProducer.up, FakeProducer.stall = True, None
    FakeProducer.made, FakeProducer.delivered = [], []
    return FakeProducer


def events_settings(settings: Settings, tmp_path: Path, **update: Any) -> Settings:
    return settings.model_copy(
        update={"data_dir": tmp_path, "behaviour_events_replay_seconds": 0.05} | update
    )


def searches(n: int) -> list[BehaviourEvent]:
    return [BehaviourEvent(SEARCH_PERFORMED, f"s-{i % 3}", None, {"i": i}) for i in range(n)]


async def until(check: Callable[[], bool], within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


@pytest.mark.anyio
async def test_the_producer_uses_the_timeout_and_backoff_settings(
    settings: Settings, tmp_path: Path, producer: type[FakeProducer]
) -> None:
    mine = events_settings(settings, tmp_path, behaviour_events_request_timeout_ms=45_000,
                           behaviour_events_retry_backoff_ms=700)  # fmt: skip
    kafka = KafkaBehaviourEvents(mine)
    await kafka.start()
    assert await kafka.connecting()
    await kafka.stop()
    options = producer.made[0]
    assert options["request_timeout_ms"] == 45_000
    assert options["retry_backoff_ms"] == 700
    assert options["acks"] == 1


@pytest.mark.anyio
async def test_failed_deliveries_are_spooled_and_replayed_when_kafka_is_back(
    settings: Settings, tmp_path: Path, producer: type[FakeProducer]
) -> None:
    kafka = KafkaBehaviourEvents(events_settings(settings, tmp_path))
    await kafka.start()
    assert await kafka.connecting()
    sent = searches(40)
    producer.up = False  # batches fail after the producer started
    for event in sent[:20]:
        await kafka.publish(event)
    await until(lambda: kafka.spool.counts.kept == 20)
    assert producer.delivered == []

    producer.up = True
    for event in sent[20:]:
        await kafka.publish(event)
    await until(lambda: kafka.spool.counts.replayed == 20)
    await until(lambda: len(producer.delivered) == 40)
    await kafka.stop()
    assert sorted(e["event_id"] for e in producer.delivered) == sorted(e.event_id for e in sent)
    assert {e["topic"] for e in producer.delivered} == {"souk.behaviour.searches"}
    assert kafka.spool.events_on_disk() == 0


@pytest.mark.anyio
async def test_kafka_down_at_start_events_spooled_then_sent_once_it_starts(
    settings: Settings, tmp_path: Path, producer: type[FakeProducer]
) -> None:
    producer.up = False
    kafka = KafkaBehaviourEvents(events_settings(settings, tmp_path))
    await kafka.start()  # Kafka unavailable: searches go on, events are kept
    assert not await kafka.connecting()
    sent = searches(15)
    for event in sent:
        await kafka.publish(event)
    await until(lambda: kafka.spool.counts.kept == 15)

    producer.up = True
    await until(lambda: kafka.connected and kafka.spool.counts.replayed == 15)
    await kafka.stop()
    assert sorted(e["event_id"] for e in producer.delivered) == sorted(e.event_id for e in sent)


@pytest.mark.anyio
async def test_publish_never_waits_for_a_stalled_producer(
    settings: Settings, tmp_path: Path, producer: type[FakeProducer]
) -> None:
    mine = events_settings(settings, tmp_path, behaviour_events_queue_size=10,
                           behaviour_events_replay_seconds=60.0)  # fmt: skip
    kafka = KafkaBehaviourEvents(mine)
    await kafka.start()
    producer.stall = asyncio.Event()  # a full batch waiting for the one in flight
    sent = searches(30)
    started = time.monotonic()
    for event in sent:
        await kafka.publish(event)
    assert time.monotonic() - started < 0.5
    await until(lambda: kafka.spool.counts.kept >= 30 - 10 - 1)  # past the queue: spooled
    producer.stall.set()
    await kafka.stop()
    arrived = {e["event_id"] for e in producer.delivered}
    assert len(arrived) + kafka.spool.events_on_disk() == 30
    assert arrived | {e.event_id for e in sent} == {e.event_id for e in sent}


@pytest.mark.anyio
async def test_stop_spools_what_kafka_did_not_take(
    settings: Settings, tmp_path: Path, producer: type[FakeProducer]
) -> None:
    producer.up = False
    mine = events_settings(settings, tmp_path, behaviour_events_replay_seconds=60.0)
    kafka = KafkaBehaviourEvents(mine)
    await kafka.start()
    for event in searches(12):
        await kafka.publish(event)
    await kafka.stop()  # nothing left waiting in memory
    assert kafka.spool.events_on_disk() == 12


@pytest.mark.anyio
async def test_a_patient_publisher_waits_for_room_instead_of_spooling(
    settings: Settings, tmp_path: Path, producer: type[FakeProducer]
) -> None:
    mine = events_settings(settings, tmp_path, behaviour_events_queue_size=2,
                           behaviour_events_replay_seconds=60.0)  # fmt: skip
    kafka = KafkaBehaviourEvents(mine, patient=True)
    await kafka.start()
    producer.stall = asyncio.Event()
    sent = searches(10)

    async def publish_all() -> None:
        for event in sent:
            await kafka.publish(event)

    publishing = asyncio.create_task(publish_all())
    finished, _ = await asyncio.wait({publishing}, timeout=0.3)
    assert not finished  # the queue is full and the producer stalled: it waits
    producer.stall.set()
    await asyncio.wait_for(publishing, timeout=10)
    await kafka.stop()
    assert sorted(e["event_id"] for e in producer.delivered) == sorted(e.event_id for e in sent)
    assert kafka.spool.counts.kept == 0


@pytest.mark.anyio
async def test_start_does_not_wait_for_kafka_and_events_wait_for_the_first_attempt(
    settings: Settings,
    tmp_path: Path,
    producer: type[FakeProducer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reachable = asyncio.Event()

    async def slow_start(self: FakeProducer) -> None:
        await reachable.wait()  # a broker that takes its time to answer

    monkeypatch.setattr(FakeProducer, "start", slow_start)
    kafka = KafkaBehaviourEvents(events_settings(settings, tmp_path))
    await asyncio.wait_for(kafka.start(), timeout=5)
    sent = searches(5)
    for event in sent:
        await kafka.publish(event)
    reachable.set()
    assert await kafka.connecting()
    await until(lambda: len(producer.delivered) == 5)
    await kafka.stop()
    assert kafka.spool.counts.kept == 0  # they waited for the producer, not spooled


@pytest.mark.anyio
async def test_spooled_events_keep_their_topic_and_a_bad_record_blocks_nothing(
    settings: Settings, tmp_path: Path, producer: type[FakeProducer]
) -> None:
    producer.up = False
    first = KafkaBehaviourEvents(events_settings(settings, tmp_path, streams_topic_prefix="a."))
    await first.start()
    sent = searches(3)
    for event in sent:
        await first.publish(event)
    await first.stop()
    (first.spool.directory / "00000000T000000-0-000000.jsonl").write_bytes(b'{"nope": 1}\n')

    producer.up = True
    second = KafkaBehaviourEvents(events_settings(settings, tmp_path, streams_topic_prefix="b."))
    await second.start()
    await until(lambda: second.spool.counts.replayed == 3)
    assert second.spool.counts.unreadable == 1  # skipped, not re-sent, not blocking
    await second.stop()
    assert sorted(e["event_id"] for e in producer.delivered) == sorted(e.event_id for e in sent)
    assert {e["topic"] for e in producer.delivered} == {"a.souk.behaviour.searches"}
    assert second.spool.events_on_disk() == 0
