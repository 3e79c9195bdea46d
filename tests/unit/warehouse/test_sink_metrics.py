"""The Faust warehouse agents count the events they sink, per raw table, on the app's metrics."""

from __future__ import annotations

from pathlib import Path

import faust
import pytest

from souk.settings import Settings, SinkEngine
from souk.topics import LISTING_VIEWS
from streams.warehouse_sink import AGENT, register
from streams.worker_metrics import worker_metrics
from tests.metrics_samples import samples, value
from tests.unit.warehouse.test_sink_agent import view

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_sunk_events_are_counted_by_table(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, warehouse_sink_batch_size=2,
                        warehouse_sink_batch_seconds=0.1,
                        warehouse_sink_engine=SinkEngine.AGENT)  # fmt: skip
    app = faust.App("warehouse-metrics-test", broker="kafka://127.0.0.1:1", store="memory://")
    register(app, settings)
    async with app.agents[f"{AGENT}.{LISTING_VIEWS}"].test_context() as context:
        for n in range(5):
            await context.put(view(n), key=b"k")
    found = samples(worker_metrics(app).exposition())
    assert value(found, "souk_warehouse_events_sunk_total", table="listing_views") == 5
