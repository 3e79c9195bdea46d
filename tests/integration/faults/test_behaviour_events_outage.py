"""Stop Kafka while the API's publisher sends behavioural events; start it again.

Events sent before, during and after the outage, by a publisher that started with Kafka up
and by one that started while it was down, all reach their topic: the ones Kafka did not
take were spooled and re-sent once it was back. Delivery is at least once (a timed-out
request may have been written, and its events are re-sent), so compared by event id every
event is there, and nothing else is.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from typing import Any

import orjson
import pytest

from api.behaviour import (
    LISTING_VIEWED,
    SEARCH_PERFORMED,
    BehaviourEvent,
    KafkaBehaviourEvents,
)
from souk.settings import Settings
from souk.topics import LISTING_VIEWS, SEARCHES
from tests.integration.faults.conftest import Outages, eventually, read_topic

pytestmark = [
    pytest.mark.integration,
    pytest.mark.slow,
    pytest.mark.anyio,
    pytest.mark.timeout(900),
]

PER_PHASE = 300

log = logging.getLogger(__name__)


def events(n: int, phase: str) -> list[BehaviourEvent]:
    return [
        BehaviourEvent(SEARCH_PERFORMED if i % 4 else LISTING_VIEWED, f"{phase}-{i % 7}",
                       None, {"phase": phase, "i": i})
        for i in range(n)
    ]  # fmt: skip


async def publish(publisher: KafkaBehaviourEvents, batch: list[BehaviourEvent]) -> None:
    for event in batch:
        await publisher.publish(event)
        await asyncio.sleep(0.002)  # searches arrive over time, not in one burst


async def arrived_ids(settings: Settings) -> Counter[str]:
    records: list[Any] = []
    for topic in (SEARCHES, LISTING_VIEWS):
        records += await read_topic(settings, topic, lambda _: False, seconds=8.0)
    return Counter(orjson.loads(r.value)["event_id"] for r in records)


async def test_every_event_arrives_after_a_kafka_outage(
    pipeline: Settings, outages: Outages
) -> None:
    mine = pipeline.model_copy(update={
        "behaviour_events_request_timeout_ms": 8_000, "behaviour_events_replay_seconds": 1.0,
    })  # fmt: skip
    running = KafkaBehaviourEvents(mine)
    await running.start()
    assert await running.connecting()
    sent = events(PER_PHASE, "before")
    await publish(running, sent)

    await asyncio.to_thread(outages.stop, "kafka")
    during = events(PER_PHASE, "during")
    await publish(running, during)
    late = KafkaBehaviourEvents(mine)  # an API process starting while Kafka is down
    await late.start()
    assert not await late.connecting()
    started_late = events(PER_PHASE, "late")
    await publish(late, started_late)

    async def outage_spooled() -> bool:
        return running.spool.counts.kept + late.spool.counts.kept >= 2 * PER_PHASE

    await eventually(outage_spooled, within=120, what="the outage's events in the spools")

    await asyncio.to_thread(outages.start, "kafka")
    after = events(PER_PHASE, "after")
    await publish(running, after)
    sent += during + started_late + after
    expected = {e.event_id for e in sent}

    async def all_replayed() -> bool:
        return running.spool.events_on_disk() == 0 and late.spool.events_on_disk() == 0

    await eventually(all_replayed, within=180, what="the spools replayed")
    await running.stop()
    await late.stop()

    async def everything_arrived() -> Counter[str]:
        arrived = await arrived_ids(mine)
        return arrived if set(arrived) >= expected else Counter()

    arrived = await eventually(everything_arrived, within=120, what="every event on Kafka")
    assert set(arrived) == expected
    spooled = running.spool.counts.kept + late.spool.counts.kept
    replayed = running.spool.counts.replayed + late.spool.counts.replayed
    assert spooled >= 2 * PER_PHASE
    assert replayed == spooled
    assert running.spool.counts.dropped == late.spool.counts.dropped == 0
    duplicates = sum(arrived.values()) - len(arrived)
    log.info("behavioural events: sent %d, arrived %d distinct (%d duplicates), spooled %d, "
             "replayed %d", len(sent), len(arrived), duplicates, spooled, replayed)  # fmt: skip
