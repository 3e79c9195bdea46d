"""The workers' metrics: consumer lag per partition, per-batch counters, the warehouse probe."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

import faust
import pytest

from api.readiness import Readiness
from souk.settings import Settings
from streams.operations_pages import WORKER_CHECKS, warehouse_writable_probe, worker_readiness
from streams.worker_metrics import PartitionLag, WorkerMetrics, partition_lags, worker_metrics
from tests.metrics_samples import samples, value

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class TP(NamedTuple):  # shaped like faust.types.TP
    topic: str
    partition: int


def test_lag_is_highwater_minus_committed() -> None:
    assert PartitionLag("t", 0, highwater=120, committed=100).lag == 20
    assert PartitionLag("t", 0, highwater=120, committed=120).lag == 0  # caught up


def test_lag_counts_everything_when_nothing_was_committed() -> None:
    assert PartitionLag("t", 0, highwater=35, committed=None).lag == 35


def test_lag_is_never_negative() -> None:
    # a highwater from the previous fetch may trail a commit made since
    assert PartitionLag("t", 0, highwater=10, committed=12).lag == 0


def test_partition_lags_skip_partitions_never_fetched() -> None:
    a0, a1, b0 = TP("a", 0), TP("a", 1), TP("b", 0)
    highwaters: dict[Any, int | None] = {a0: 10, a1: None, b0: 4}
    lags = partition_lags({b0, a1, a0}, highwaters.get, {a0: 7})
    assert [(x.topic, x.partition, x.lag) for x in lags] == [("a", 0, 3), ("b", 0, 4)]


class FakeConsumer:
    def __init__(self) -> None:
        self.tps = {TP("souk.cdc.listings", 0): 50, TP("souk.cdc.listings", 1): 9}
        self._committed_offset = {TP("souk.cdc.listings", 0): 45, TP("souk.cdc.listings", 1): 9}

    def assignment(self) -> set[TP]:
        return set(self.tps)

    def highwater(self, tp: TP) -> int:
        return self.tps[tp]


class FakeApp:
    def __init__(self) -> None:
        self.consumer = FakeConsumer()


def test_lag_gauges_per_partition_from_the_faust_consumer() -> None:
    metrics = WorkerMetrics()
    metrics.watch_consumer(FakeApp())
    found = samples(metrics.exposition())
    p0 = (("partition", "0"), ("topic", "souk.cdc.listings"))
    p1 = (("partition", "1"), ("topic", "souk.cdc.listings"))
    assert found[("souk_consumer_lag", p0)] == 5
    assert found[("souk_consumer_lag", p1)] == 0
    assert found[("souk_consumer_highwater", p0)] == 50
    assert found[("souk_consumer_committed_offset", p0)] == 45


def test_a_consumer_not_started_yet_shows_no_partitions() -> None:
    class Unstarted:
        @property
        def consumer(self) -> Any:
            raise RuntimeError("consumer not started")

    metrics = WorkerMetrics()
    metrics.watch_consumer(Unstarted())
    assert not [key for key in samples(metrics.exposition()) if key[0] == "souk_consumer_lag"]


def test_catalog_batches_count_indexed_deleted_and_stale() -> None:
    metrics = WorkerMetrics()
    metrics.count_catalog("listings", written=10, deleted=3, stale=2)
    metrics.count_catalog("listings", written=1, deleted=0, stale=0)
    found = samples(metrics.exposition())
    assert value(found, "souk_catalog_documents_total", table="listings", result="indexed") == 8
    assert value(found, "souk_catalog_documents_total", table="listings", result="deleted") == 3
    assert value(found, "souk_catalog_documents_total", table="listings", result="stale") == 2


def test_warehouse_and_dead_letter_counters() -> None:
    metrics = WorkerMetrics()
    metrics.count_sunk({"listing_views": 4, "searches": 0})
    metrics.count_dead_letters("warehouse-sink")
    metrics.count_dead_letters("warehouse-sink-batch", 2)
    found = samples(metrics.exposition())
    assert found[("souk_warehouse_events_sunk_total", (("table", "listing_views"),))] == 4
    assert ("souk_warehouse_events_sunk_total", (("table", "searches"),)) not in found
    assert found[("souk_dead_lettered_records_total", (("agent", "warehouse-sink"),))] == 1
    assert found[("souk_dead_lettered_records_total", (("agent", "warehouse-sink-batch"),))] == 2


def test_one_metrics_object_per_app() -> None:
    first = faust.App("metrics-test-1", broker="kafka://127.0.0.1:1", store="memory://")
    second = faust.App("metrics-test-2", broker="kafka://127.0.0.1:1", store="memory://")
    assert worker_metrics(first) is worker_metrics(first)
    assert worker_metrics(first) is not worker_metrics(second)


async def test_warehouse_probe_is_down_when_the_directory_cannot_be_made(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    settings = Settings(data_dir=blocker)
    readiness = Readiness({"warehouse": warehouse_writable_probe(settings)},
                          required=["warehouse"], timeout=2.0)  # fmt: skip
    report = await readiness.report()
    assert not report.ready
    assert report.checks[0].detail.startswith(("FileExistsError", "NotADirectoryError"))


async def test_warehouse_probe_is_up_and_leaves_nothing_behind(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    detail = await warehouse_writable_probe(settings)()
    assert "writable" in detail
    assert list(settings.warehouse_dir.iterdir()) == []


def test_every_worker_check_is_required() -> None:
    readiness = worker_readiness(Settings())
    assert readiness.required == frozenset(WORKER_CHECKS) == frozenset(readiness.probes)


def test_a_hosted_batch_consumer_shows_its_partitions_beside_the_apps() -> None:
    class NoneFetched(FakeConsumer):
        def highwater(self, tp: TP) -> Any:
            return None if tp.partition == 1 else self.tps[tp]  # partition 1 never fetched

    metrics = WorkerMetrics()
    metrics.watch_consumer(FakeApp())
    positions = metrics.batch_consumer_positions()
    batch_p2 = (("partition", "2"), ("topic", "souk.behaviour.searches"))
    assert ("souk_consumer_lag", batch_p2) not in samples(metrics.exposition())  # not started
    positions.consumer = NoneFetched()
    positions.consumer.tps = {TP("souk.behaviour.searches", 2): 90,
                              TP("souk.behaviour.searches", 1): 7}  # fmt: skip
    positions.committed[TP("souk.behaviour.searches", 2)] = 60
    found = samples(metrics.exposition())
    assert found[("souk_consumer_lag", batch_p2)] == 30
    assert found[("souk_consumer_committed_offset", batch_p2)] == 60
    assert ("souk_consumer_lag", (("partition", "1"), ("topic", "souk.behaviour.searches"))) \
        not in found  # fmt: skip
    p0 = (("partition", "0"), ("topic", "souk.cdc.listings"))
    assert found[("souk_consumer_lag", p0)] == 5  # the app's own partitions still shown
    positions.consumer = None  # stopped
    assert ("souk_consumer_lag", batch_p2) not in samples(metrics.exposition())
