"""The Faust agents: micro-batches from the topic to the raw layer, rejects to dead letters."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import faust
import polars as pl
import pytest

from souk.settings import Settings, SinkEngine
from souk.topics import LISTING_VIEWS
from streams.warehouse_sink import AGENT, register, sink_events
from tests.unit.warehouse.fixtures import behaviour
from tests.unit.warehouse.scenario import T1
from warehouse.layout import WarehouseLayout
from warehouse.sink import WarehouseSink

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def view(n: int) -> bytes:
    event = behaviour("ListingViewed", T1, {"listing_id": f"L{n}", "seller_id": "S1",
                      "source": "search"}, event_id=f"view-{n}")  # fmt: skip
    return json.dumps(event).encode()


class FakeMessage:
    def __init__(self, offset: int, value: bytes | None) -> None:
        self.topic, self.partition, self.offset = LISTING_VIEWS, 2, offset
        self.key, self.value = b"k", value


class FakeEvent:
    def __init__(self, offset: int, value: bytes | None) -> None:
        self.message = FakeMessage(offset, value)


class FakeDeadLetters:
    def __init__(self) -> None:
        self.sent: list[tuple[int, str, str]] = []

    async def send(self, event: Any, *, reason: str, agent: str) -> None:
        self.sent.append((event.message.offset, reason, agent))


async def test_one_agent_per_topic_writes_batches_to_parquet(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, warehouse_sink_batch_size=2,
                        warehouse_sink_batch_seconds=0.1,
                        warehouse_sink_engine=SinkEngine.AGENT)  # fmt: skip
    app = faust.App("warehouse-sink-test", broker="kafka://127.0.0.1:1", store="memory://")
    register(app, settings)
    assert sorted(app.agents) == sorted(f"{AGENT}.{t}" for t in (
        "souk.behaviour.searches", "souk.behaviour.result-clicks",
        "souk.behaviour.listing-views", "souk.domain-events"))  # fmt: skip
    agent = app.agents[f"{AGENT}.{LISTING_VIEWS}"]
    async with agent.test_context() as context:
        for n in range(4):
            await context.put(view(n), key=b"k")
    files = list((tmp_path / "warehouse" / "raw" / "listing_views").rglob("*.parquet"))
    rows = pl.concat([pl.read_parquet(f) for f in files])
    assert sorted(rows["listing_id"].to_list()) == ["L0", "L1", "L2", "L3"]


def test_the_batch_engine_is_a_service_of_the_worker_and_no_agent(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert settings.warehouse_sink_engine is SinkEngine.BATCH  # the worker's default
    app = faust.App("warehouse-sink-test", broker="kafka://127.0.0.1:1", store="memory://")
    register(app, settings)
    assert list(app.agents) == []
    assert [s.__name__ for s in app._extra_services] == ["HostedConsumer[warehouse batch sink]"]


async def test_rejected_records_go_to_the_dead_letters(tmp_path: Path) -> None:
    sink = WarehouseSink(WarehouseLayout(tmp_path), timezone="Africa/Cairo", durable=False)
    dead = FakeDeadLetters()
    events = [FakeEvent(10, view(1)), FakeEvent(11, b"{oops"), FakeEvent(12, view(2))]
    report = await sink_events(sink, dead, events)  # type: ignore[arg-type]
    assert report.written == 2
    assert [(offset, agent) for offset, _, agent in dead.sent] == [(11, AGENT)]
    assert dead.sent[0][1].startswith("not a valid event record")


async def test_a_failing_batch_is_parked_on_the_dead_letters_not_lost(tmp_path: Path) -> None:
    class BrokenSink(WarehouseSink):
        def write_batch(self, records: Any) -> Any:
            raise ValueError("bug")

    dead = FakeDeadLetters()
    broken = BrokenSink(WarehouseLayout(tmp_path), timezone="Africa/Cairo")
    await sink_events(broken, dead, [FakeEvent(1, view(1)), FakeEvent(2, view(2))])  # type: ignore[arg-type]
    assert [offset for offset, _, _ in dead.sent] == [1, 2]
    assert "ValueError('bug')" in dead.sent[0][1]
