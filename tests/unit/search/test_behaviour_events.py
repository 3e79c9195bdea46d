from __future__ import annotations

from pathlib import Path

import pytest

from api.behaviour import (
    SEARCH_PERFORMED,
    BehaviourEvent,
    InMemoryBehaviourEvents,
    KafkaBehaviourEvents,
)
from souk.settings import Settings


def test_envelope_has_the_contract_fields() -> None:
    event = BehaviourEvent(SEARCH_PERFORMED, "s-1", None, {"search_id": "x"})
    envelope = event.envelope()
    assert set(envelope) == {"event_id", "event_type", "occurred_at", "user_id", "session_id",
                             "payload"}  # fmt: skip
    assert envelope["occurred_at"].endswith("+00:00")
    assert event.key == "s-1"


@pytest.mark.anyio
async def test_fake_keeps_events_and_kafka_topics_follow_the_prefix(settings: Settings) -> None:
    fake = InMemoryBehaviourEvents()
    await fake.publish(BehaviourEvent(SEARCH_PERFORMED, "s-1", "u-1", {}))
    assert [e.user_id for e in fake.of_type(SEARCH_PERFORMED)] == ["u-1"]
    kafka = KafkaBehaviourEvents(settings.model_copy(update={"streams_topic_prefix": "t."}))
    assert kafka.topic(SEARCH_PERFORMED) == "t.souk.behaviour.searches"
    await kafka.publish(BehaviourEvent(SEARCH_PERFORMED, "s-1", None, {}))  # not started: no-op


@pytest.mark.anyio
async def test_the_producer_batches_up_to_the_configured_bytes(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[dict[str, object]] = []

    class RecordingProducer:
        def __init__(self, **options: object) -> None:
            made.append(options)

        async def start(self) -> None:
            raise ConnectionError("no broker in a unit test")

        async def stop(self) -> None:
            return None

    monkeypatch.setattr("api.behaviour.AIOKafkaProducer", RecordingProducer)
    mine = settings.model_copy(update={"behaviour_events_batch_bytes": 4096, "data_dir": tmp_path})
    kafka = KafkaBehaviourEvents(mine)
    await kafka.start()
    assert not await kafka.connecting()  # Kafka unavailable: events spooled, searches go on
    await kafka.stop()
    assert made[0]["max_batch_size"] == 4096
    assert made[0]["linger_ms"] == settings.behaviour_events_linger_ms
    assert settings.behaviour_events_batch_bytes == 16_384  # 256 KiB batches timed out, lost
