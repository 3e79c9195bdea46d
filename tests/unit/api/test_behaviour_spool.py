"""The spool of behavioural events: kept off the event loop, bounded and counted, re-sent
whole per segment until Kafka acknowledged it."""

from __future__ import annotations

import fcntl
import logging
import os
from pathlib import Path

import orjson
import pytest

from api.behaviour import SEARCH_PERFORMED, BehaviourEvent
from api.behaviour_spool import OPEN_SUFFIX, BehaviourSpool, Record


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def envelopes(n: int) -> list[Record]:
    return [BehaviourEvent(SEARCH_PERFORMED, f"s-{i}", None, {"i": i}).envelope() for i in range(n)]


class Kafka:
    """``deliver`` of a replay: takes everything while up, nothing while down."""

    def __init__(self, up: bool = True) -> None:
        self.up = up
        self.received: list[Record] = []

    async def deliver(self, batch: list[Record]) -> bool:
        if self.up:
            self.received += batch
        return self.up


@pytest.mark.anyio
async def test_kept_events_are_replayed_once_and_their_segments_deleted(tmp_path: Path) -> None:
    spool = BehaviourSpool(tmp_path, max_bytes=1_000_000, segment_bytes=2_000)
    await spool.start()
    sent = envelopes(50)
    spool.keep(sent[:30])
    await spool.flush()
    spool.keep(sent[30:])
    await spool.flush()
    assert spool.counts.kept == 50
    assert spool.events_on_disk() == 50
    assert len(spool.sealed_segments()) >= 2  # sealed at segment_bytes

    kafka = Kafka()
    assert await spool.replay(kafka.deliver) == 50
    assert [e["event_id"] for e in kafka.received] == [e["event_id"] for e in sent]
    assert spool.events_on_disk() == 0
    assert spool.bytes_on_disk() == 0
    assert spool.sealed_segments() == []
    assert await spool.replay(kafka.deliver) == 0
    await spool.close()


@pytest.mark.anyio
async def test_a_failed_replay_keeps_the_segment_for_the_next_one(tmp_path: Path) -> None:
    spool = BehaviourSpool(tmp_path, max_bytes=1_000_000)
    await spool.start()
    sent = envelopes(10)
    spool.keep(sent)
    kafka = Kafka(up=False)
    assert await spool.replay(kafka.deliver) == 0
    assert spool.events_on_disk() == 10

    kafka.up = True
    assert await spool.replay(kafka.deliver) == 10
    assert {e["event_id"] for e in kafka.received} == {e["event_id"] for e in sent}
    assert spool.counts.replayed == 10
    await spool.close()


@pytest.mark.anyio
async def test_a_full_spool_drops_counts_and_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sent = envelopes(20)
    line = len(orjson.dumps(sent[0])) + 1
    spool = BehaviourSpool(tmp_path, max_bytes=line * 5 + line // 2)
    await spool.start()
    with caplog.at_level(logging.ERROR, logger="api.behaviour_spool"):
        spool.keep(sent)
        await spool.flush()
    assert spool.counts.kept == 5
    assert spool.counts.dropped == 15
    assert spool.bytes_on_disk() <= spool.max_bytes
    assert [r.getMessage() for r in caplog.records if "DROPPED" in r.getMessage()] == [
        f"behavioural events spool full ({line * 5} of {spool.max_bytes} bytes in {tmp_path}): "
        "15 events DROPPED, 15 since start"
    ]
    with caplog.at_level(logging.ERROR, logger="api.behaviour_spool"):
        spool.keep(sent[:4])
        await spool.flush()  # the next line waits a while: an outage drops every event
        assert len([r for r in caplog.records if "DROPPED" in r.getMessage()]) == 1

        kafka = Kafka()
        await spool.replay(kafka.deliver)  # room again
        spool.keep(sent[:3])
        await spool.close()  # says what it has not said yet
    assert "4 events DROPPED, 19 since start" in caplog.records[-1].getMessage()
    assert spool.counts.dropped == 19
    assert spool.events_on_disk() == 3


@pytest.mark.anyio
async def test_close_writes_what_is_pending_and_a_new_process_replays_it(tmp_path: Path) -> None:
    first = BehaviourSpool(tmp_path, max_bytes=1_000_000)
    await first.start()
    first.keep(envelopes(7))
    await first.close()  # nothing flushed before: close writes it

    second = BehaviourSpool(tmp_path, max_bytes=1_000_000)
    await second.start()
    kafka = Kafka()
    assert await second.replay(kafka.deliver) == 7
    await second.close()


@pytest.mark.anyio
async def test_an_open_segment_of_a_dead_process_is_sealed_a_live_ones_left(
    tmp_path: Path,
) -> None:
    dead = tmp_path / f"20260101T000000-{2**22 + 17}-000001{OPEN_SUFFIX}"
    dead.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in envelopes(4)) + b'{"torn')
    live = tmp_path / f"20260101T000000-{os.getppid()}-000001{OPEN_SUFFIX}"
    with live.open("ab") as writer:  # a live writer holds its segment's lock
        fcntl.flock(writer.fileno(), fcntl.LOCK_EX)
        writer.write(orjson.dumps(envelopes(1)[0]) + b"\n")
        writer.flush()

        spool = BehaviourSpool(tmp_path, max_bytes=1_000_000)
        await spool.start()
        kafka = Kafka()
        assert await spool.replay(kafka.deliver) == 4
        assert spool.counts.unreadable == 1
        assert live.exists()  # its process may still write to it
        await spool.close()


@pytest.mark.anyio
async def test_a_segment_another_process_replays_is_skipped(tmp_path: Path) -> None:
    spool = BehaviourSpool(tmp_path, max_bytes=1_000_000)
    await spool.start()
    spool.keep(envelopes(3))
    await spool.flush()
    spool.seal()
    [segment] = spool.sealed_segments()
    with segment.open("rb") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        kafka = Kafka()
        assert await spool.replay(kafka.deliver) == 0
        assert kafka.received == []
    assert await spool.replay(kafka.deliver) == 3
    await spool.close()
