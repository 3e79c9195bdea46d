"""The relay's Prometheus metrics, read from its own counters when ``/metrics`` is scraped.

The hot loop never touches a metric object: the stream, the acknowledgement tracker and the
publisher keep plain integers (the publisher counts per Kafka batch), and
:class:`RelayCollector` turns them into metric families at scrape time, on the relay's own
event loop, so nothing is shared between threads and no lock is taken per record.

Figures only PostgreSQL knows (its current WAL position, the slot's ``restart_lsn``) come
from :func:`read_slot_figures` on an ordinary connection, once per scrape.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

import psycopg
from prometheus_client import (
    CollectorRegistry,
    gc_collector,
    generate_latest,
    platform_collector,
    process_collector,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from pipelines.relay.lsn import parse_lsn
from pipelines.relay.progress import Progress
from pipelines.relay.publisher import PublishCounts
from pipelines.relay.stream import ChangeStream

RelayPhase = Literal["starting", "snapshot", "streaming", "stopped"]
PHASES: tuple[RelayPhase, ...] = ("starting", "snapshot", "streaming", "stopped")

_SLOT_FIGURES = """
SELECT pg_current_wal_lsn()::text, s.restart_lsn::text, s.confirmed_flush_lsn::text,
       s.active_pid
FROM (SELECT 1) AS one LEFT JOIN pg_replication_slots s ON s.slot_name = %s
"""


@dataclass(frozen=True)
class SlotFigures:
    """PostgreSQL's side of the slot at one moment."""

    current_lsn: int  # pg_current_wal_lsn()
    restart_lsn: int | None  # oldest WAL the slot still needs (None: no such slot)
    confirmed_flush_lsn: int | None
    active_pid: int | None  # the walsender streaming the slot, if any


async def read_slot_figures(dsn: str, slot: str, connect_timeout: int) -> SlotFigures:
    """One query on a short-lived ordinary connection (never the replication one)."""
    async with await psycopg.AsyncConnection.connect(
        dsn, connect_timeout=max(2, connect_timeout), autocommit=True
    ) as conn:
        cursor = await conn.execute(_SLOT_FIGURES, (slot,))
        row = await cursor.fetchone()
    assert row is not None  # the outer side of the join always has its one row
    current, restart, confirmed, pid = row
    return SlotFigures(
        parse_lsn(current),
        parse_lsn(restart) if restart else None,
        parse_lsn(confirmed) if confirmed else None,
        pid,
    )


def lag_bytes(current_lsn: int, confirmed_lsn: int) -> int:
    """WAL written since the relay's last confirmed commit (never negative)."""
    return max(0, current_lsn - confirmed_lsn)


def retained_wal_bytes(current_lsn: int, restart_lsn: int) -> int:
    """``pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)``: WAL kept for the slot."""
    return max(0, current_lsn - restart_lsn)


def lag_seconds(
    now: float, *, oldest_unacked: float | None, last_relayed: float | None, caught_up: bool
) -> float:
    """How far behind the relay is, in seconds of commit time.

    A transaction read but not yet acknowledged by Kafka: the age of the oldest such one.
    Otherwise 0 when the relay is idle and caught up, else the age of the last transaction
    it relayed (it is still reading a backlog).
    """
    if oldest_unacked:
        return max(0.0, now - oldest_unacked)
    if caught_up or not last_relayed:
        return 0.0
    return max(0.0, now - last_relayed)


@dataclass
class RelayVitals:
    """What the relay shares with its metrics and readiness: set by ``run_relay``."""

    slot: str
    phase: RelayPhase = "starting"
    counts: PublishCounts = field(default_factory=PublishCounts)
    progress: Progress | None = None
    stream: ChangeStream | None = None  # once streaming: its tracker and confirmed LSN
    walsender_pid: int | None = None  # PostgreSQL's process for the replication connection
    slot_figures: SlotFigures | None = None  # as of the last scrape
    started_at: float = field(default_factory=time.monotonic)


class RelayCollector(Collector):
    """Metric families built from :class:`RelayVitals` on every collection."""

    def __init__(self, vitals: RelayVitals) -> None:
        self.vitals = vitals

    def collect(self) -> Iterator[Metric]:
        vitals = self.vitals
        published = CounterMetricFamily(
            "souk_relay_records_published",
            "Records Kafka acknowledged, by topic (the first-start snapshot included).",
            labels=["topic"],
        )
        for topic, count in sorted(vitals.counts.published.items()):
            published.add_metric([topic], count)
        yield published
        yield CounterMetricFamily(
            "souk_relay_publish_errors",
            "Records Kafka refused or never acknowledged (the relay stops at the first; "
            "aiokafka's own retries are inside the idempotent producer and not counted).",
            value=vitals.counts.failed,
        )
        yield CounterMetricFamily(
            "souk_relay_backpressure_waits",
            "Times the relay paused reading because relay_max_in_flight records were unacked.",
            value=vitals.counts.backpressure_waits,
        )
        progress = vitals.progress
        yield CounterMetricFamily(
            "souk_relay_transactions",
            "Transactions relayed from the replication stream.",
            value=progress.transactions if progress else 0,
        )
        yield GaugeMetricFamily(
            "souk_relay_records_in_flight",
            "Records handed to Kafka and not yet acknowledged.",
            value=vitals.stream.tracker.in_flight if vitals.stream else 0,
        )
        phase = GaugeMetricFamily(
            "souk_relay_phase", "1 for the phase the relay is in.", labels=["phase"]
        )
        for name in PHASES:
            phase.add_metric([name], 1 if vitals.phase == name else 0)
        yield phase
        yield from self._positions()

    def _positions(self) -> Iterator[Metric]:
        vitals, figures, stream = self.vitals, self.vitals.slot_figures, self.vitals.stream
        # right after a restart the stream has confirmed nothing yet: the slot knows better
        confirmed = max(
            stream.confirmed_lsn if stream else 0, (figures and figures.confirmed_flush_lsn) or 0
        )
        yield GaugeMetricFamily(
            "souk_relay_confirmed_lsn",
            "The last commit LSN the relay confirmed to PostgreSQL (as an integer).",
            value=confirmed,
        )
        oldest = stream.tracker.oldest_commit_time if stream else None
        progress = vitals.progress
        yield GaugeMetricFamily(
            "souk_relay_lsn_lag_seconds",
            "Age of the oldest transaction not yet acknowledged by Kafka, else of the last "
            "one relayed; 0 when idle and caught up.",
            value=lag_seconds(
                time.time(),
                oldest_unacked=oldest,
                last_relayed=progress.last_commit_time if progress else None,
                caught_up=progress.caught_up if progress else True,
            ),
        )
        if figures is None:
            return
        if confirmed:
            yield GaugeMetricFamily(
                "souk_relay_lsn_lag_bytes",
                "pg_current_wal_lsn() minus the relay's confirmed LSN (WAL of other databases "
                "and PostgreSQL's own records count too: an idle relay shows a little).",
                value=lag_bytes(figures.current_lsn, confirmed),
            )
        if figures.restart_lsn is not None:
            yield GaugeMetricFamily(
                "souk_relay_slot_retained_wal_bytes",
                "WAL PostgreSQL keeps for the slot: pg_current_wal_lsn() minus restart_lsn.",
                value=retained_wal_bytes(figures.current_lsn, figures.restart_lsn),
            )
        yield GaugeMetricFamily(
            "souk_relay_slot_active",
            "1 while a walsender streams the slot.",
            value=1 if figures.active_pid is not None else 0,
        )


class RelayMetrics:
    """The relay's own registry: its collector and the process's standard collectors."""

    def __init__(self, vitals: RelayVitals) -> None:
        self.registry = CollectorRegistry()
        self.registry.register(RelayCollector(vitals))
        process_collector.ProcessCollector(registry=self.registry)
        platform_collector.PlatformCollector(registry=self.registry)
        gc_collector.GCCollector(registry=self.registry)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
