"""Sink, mart build and dashboard readers at the same time, in separate processes: no lock
errors, readers always get an answer, and every publication is picked up."""

from __future__ import annotations

import multiprocessing as mp
import time
import traceback
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.unit.warehouse.conftest import sink_scenario
from tests.unit.warehouse.fixtures import records
from tests.unit.warehouse.scenario import DAY1, DAY2, first_batch
from warehouse.build import build_days
from warehouse.layout import WarehouseLayout
from warehouse.marts_reader import MartsReader
from warehouse.serving import publish
from warehouse.sink import WarehouseSink

pytestmark = pytest.mark.slow
SECONDS = 2.0


def _fresh_ids(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**e, "event_id": str(uuid.uuid4())} for e in events]


def run_sink(root: str, results: Any, stop: Any) -> None:
    try:
        sink = WarehouseSink(WarehouseLayout(Path(root)), timezone="Africa/Cairo")
        batches, offset = 0, 1000
        while not stop.is_set():
            sink.write_batch(records(_fresh_ids(first_batch()), start_offset=offset))
            batches, offset = batches + 1, offset + 100
        results.put(("sink", batches, None))
    except Exception:
        results.put(("sink", 0, traceback.format_exc()))


def run_builder(root: str, results: Any, stop: Any) -> None:
    try:
        layout, builds, deadline = WarehouseLayout(Path(root)), 0, time.monotonic() + SECONDS
        while builds < 2 or time.monotonic() < deadline:
            build_days(layout, DAY1, DAY2)
            publish(layout)
            builds += 1
        results.put(("builder", builds, None))
    except Exception:
        results.put(("builder", 0, traceback.format_exc()))


def run_reader(root: str, results: Any, stop: Any) -> None:
    try:
        reader, reads, versions = MartsReader(WarehouseLayout(Path(root))), 0, set()
        while not stop.is_set():
            kpis = reader.seller_kpis(seller_id="S1", start=DAY1, end=DAY2)
            assert kpis.height == 2
            reader.top_search_terms(start=DAY1, end=DAY2)
            versions.add(reader.status()["path"])
            reads += 1
        results.put(("reader", reads, None if len(versions) > 1 else f"one version {versions}"))
    except Exception:
        results.put(("reader", 0, traceback.format_exc()))


def test_sink_build_and_readers_run_together_without_lock_errors(tmp_path: Path) -> None:
    layout = WarehouseLayout(tmp_path)
    sink_scenario(layout)
    build_days(layout, DAY1, DAY2)
    publish(layout)
    context = mp.get_context("spawn")
    results, stop = context.Queue(), context.Event()
    workers = [
        context.Process(target=target, args=(str(tmp_path), results, stop))
        for target in (run_builder, run_sink, run_reader, run_reader)
    ]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=120)]  # the builder finishes first, then the rest stop
    stop.set()
    outcomes += [results.get(timeout=60) for _ in workers[1:]]
    for worker in workers:
        worker.join(timeout=30)
    errors = [f"{role}: {error}" for role, _, error in outcomes if error]
    assert not errors, "\n".join(errors)
    counts = {role: count for role, count, _ in outcomes}
    assert counts["sink"] > 0, counts
    assert counts["builder"] > 1, counts
    assert counts["reader"] > 0, counts
