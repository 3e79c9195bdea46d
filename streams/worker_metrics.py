"""The stream workers' Prometheus metrics: one registry per worker app.

The agents count once per micro-batch (never per record): catalog documents by result,
warehouse events sunk by table, dead-lettered records by agent. Consumer lag is collected
at scrape time from the Faust consumer: for every assigned partition, its high watermark
(``consumer.highwater(tp)``: the offset the next record will get, as of the last fetch)
minus the group's committed offset (the next offset to process; Faust commits
``last acked + 1``). Faust's monitor keeps *read* offsets (the last record read, so a
caught-up partition would show 1) and only commits it saw itself; the consumer's own
committed offsets also hold what the group committed before this worker started.

The warehouse sink's batch engine counts into its worker's metrics (it runs as a worker service),
or into :func:`batch_metrics` when it runs without a worker (its tests).
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    gc_collector,
    generate_latest,
    platform_collector,
    process_collector,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

CATALOG_RESULTS = ("indexed", "deleted", "stale")


@dataclass(frozen=True)
class PartitionLag:
    topic: str
    partition: int
    highwater: int
    committed: int | None

    @property
    def lag(self) -> int:
        """Records on the partition the group has not committed past (never negative).

        Nothing committed yet counts everything up to the high watermark.
        """
        return max(0, self.highwater - (self.committed or 0))


def partition_lags(
    assignment: Iterator[Any] | set[Any],
    highwater: Callable[[Any], int | None],
    committed: Mapping[Any, int | None],
) -> list[PartitionLag]:
    """Lag of every assigned partition whose high watermark is known (fetched at least once)."""
    lags = []
    for tp in sorted(assignment):
        end = highwater(tp)
        if end is None:
            continue
        lags.append(PartitionLag(tp.topic, tp.partition, end, committed.get(tp)))
    return lags


class BatchConsumerPositions:
    """What a batch consumer (``streams/hosted_consumer.py``) shows of its partitions: its
    current aiokafka consumer (None while stopped) and the offsets it committed."""

    def __init__(self) -> None:
        self.consumer: Any = None
        self.committed: dict[Any, int | None] = {}

    def lags(self) -> list[PartitionLag]:
        consumer = self.consumer
        if consumer is None:
            return []
        # aiokafka's highwater is None until the partition was fetched once
        return partition_lags(consumer.assignment(), consumer.highwater, self.committed)


class ConsumerLagCollector(Collector):
    """Lag, high watermark and committed offset per assigned partition of a Faust app and of
    the batch consumers it hosts."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.batch_consumers: list[BatchConsumerPositions] = []

    def _lags(self) -> list[PartitionLag]:
        found = []
        for positions in self.batch_consumers:
            with contextlib.suppress(Exception):  # stopping, or between assignments
                found += positions.lags()
        with contextlib.suppress(Exception):  # the consumer is not started yet
            found += self._app_lags()
        return found

    def _app_lags(self) -> list[PartitionLag]:
        consumer = self.app.consumer
        # the consumer's committed offsets: those it found at start-up and every commit since
        committed: Mapping[Any, int | None] = getattr(consumer, "_committed_offset", {})

        def highwater(tp: Any) -> int | None:
            try:
                return int(consumer.highwater(tp))
            except Exception:  # revoked between assignment() and here, or never fetched
                return None

        return partition_lags(consumer.assignment(), highwater, committed)

    def collect(self) -> Iterator[Metric]:
        labels = ["topic", "partition"]
        lag = GaugeMetricFamily(
            "souk_consumer_lag", "High watermark minus committed offset.", labels=labels
        )
        end = GaugeMetricFamily(
            "souk_consumer_highwater", "The partition's high watermark.", labels=labels
        )
        committed = GaugeMetricFamily(
            "souk_consumer_committed_offset",
            "The consumer group's committed offset (next record to process).",
            labels=labels,
        )
        for item in self._lags():
            key = [item.topic, str(item.partition)]
            lag.add_metric(key, item.lag)
            end.add_metric(key, item.highwater)
            if item.committed is not None:
                committed.add_metric(key, item.committed)
        yield from (lag, end, committed)


class WorkerMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.lag_collector: ConsumerLagCollector | None = None
        self.catalog_documents = Counter(
            "souk_catalog_documents",
            "Catalog documents written by the indexing agents, by table of the change and "
            "result (indexed, deleted as a tombstone, stale: an older version was skipped).",
            ["table", "result"],
            registry=self.registry,
        )
        self.warehouse_events = Counter(
            "souk_warehouse_events_sunk",
            "Events written to the warehouse raw layer, by raw table.",
            ["table"],
            registry=self.registry,
        )
        self.dead_letters = Counter(
            "souk_dead_lettered_records",
            "Records sent to the dead-letter topic, by agent.",
            ["agent"],
            registry=self.registry,
        )
        process_collector.ProcessCollector(registry=self.registry)
        platform_collector.PlatformCollector(registry=self.registry)
        gc_collector.GCCollector(registry=self.registry)

    def count_catalog(self, table: str, *, written: int, deleted: int, stale: int) -> None:
        """One micro-batch's outcome (``written`` includes ``deleted``)."""
        documents = self.catalog_documents
        for result, count in (("indexed", written - deleted), ("deleted", deleted),
                              ("stale", stale)):  # fmt: skip
            if count:
                documents.labels(table, result).inc(count)

    def count_sunk(self, rows: Mapping[str, int]) -> None:
        for table, count in rows.items():
            if count:
                self.warehouse_events.labels(table).inc(count)

    def count_dead_letters(self, agent: str, records: int = 1) -> None:
        self.dead_letters.labels(agent).inc(records)

    def watch_consumer(self, app: Any) -> None:
        self.lag_collector = ConsumerLagCollector(app)
        self.registry.register(self.lag_collector)

    def batch_consumer_positions(self) -> BatchConsumerPositions:
        """A batch consumer's positions, shown in the lag gauges beside the app's own (when
        these metrics watch an app's consumer)."""
        positions = BatchConsumerPositions()
        if self.lag_collector is not None:
            self.lag_collector.batch_consumers.append(positions)
        return positions

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


_BY_APP: weakref.WeakKeyDictionary[Any, WorkerMetrics] = weakref.WeakKeyDictionary()
_BATCH: list[WorkerMetrics] = []


def worker_metrics(app: Any) -> WorkerMetrics:
    """The metrics of one Faust app (made on first use, with its consumer lag collector)."""
    metrics = _BY_APP.get(app)
    if metrics is None:
        metrics = _BY_APP[app] = WorkerMetrics()
        metrics.watch_consumer(app)
    return metrics


def batch_metrics() -> WorkerMetrics:
    """The metrics of this process's batch-engine warehouse sink (it runs one at most)."""
    if not _BATCH:
        _BATCH.append(WorkerMetrics())
    return _BATCH[0]
