"""Build the warehouse's layers for days: staging, dimensions, marts, static dimensions.

Dagster's assets call these one model at a time; the CLI and the benchmarks call
:func:`build_days` to run everything for a range of days in one process.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import duckdb

from warehouse.dimensions import DIMENSIONS, date_frame, governorate_frame
from warehouse.duckdb_session import open_memory
from warehouse.layout import WarehouseLayout, atomic_path
from warehouse.marts import MARTS
from warehouse.models import BuildResult, Model, build_range
from warehouse.staging import FACTS

log = logging.getLogger(__name__)
DAILY_MODELS: tuple[Model, ...] = (*FACTS, *DIMENSIONS, *MARTS)


@dataclass(frozen=True)
class BuildConfig:
    threads: int = 2
    memory_limit: str = "4GB"

    def connect(self) -> duckdb.DuckDBPyConnection:
        return open_memory(threads=self.threads, memory_limit=self.memory_limit)


def days_between(start: date, end: date) -> list[date]:
    """Every day from ``start`` to ``end`` inclusive."""
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def day_ranges(days: Iterable[date]) -> list[tuple[date, date]]:
    """``days`` as runs of consecutive days (first, last)."""
    ranges: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if ranges and ranges[-1][1] + timedelta(days=1) == day:
            ranges[-1] = (ranges[-1][0], day)
        else:
            ranges.append((day, day))
    return ranges


def build_models(
    layout: WarehouseLayout, models: Iterable[Model], days: Iterable[date], config: BuildConfig
) -> list[BuildResult]:
    """Build ``models`` (in order) for ``days`` in one DuckDB session: each model in one
    query per run of consecutive days."""
    results: list[BuildResult] = []
    ranges = day_ranges(days)
    conn = config.connect()
    try:
        for model in models:
            for start, end in ranges:
                built = build_range(conn, layout, model, start, end)
                log.info("%s %s..%s: %d rows in %.2fs", model.name, start, end,
                         sum(r.rows for r in built), sum(r.seconds for r in built))  # fmt: skip
                results += built
    finally:
        conn.close()
    return results


def build_static_dimensions(layout: WarehouseLayout, start: date, end: date) -> dict[str, int]:
    """dim_governorate and dim_date (``start`` .. ``end``), replaced atomically."""
    frames = {"dim_governorate": governorate_frame(), "dim_date": date_frame(start, end)}
    for name, frame in frames.items():
        with atomic_path(layout.static_file("dims", name)) as temporary:
            frame.write_parquet(temporary)
    return {name: frame.height for name, frame in frames.items()}


def build_days(
    layout: WarehouseLayout, start: date, end: date, config: BuildConfig | None = None
) -> list[BuildResult]:
    """Every daily model for every day of ``start`` .. ``end`` (facts before dims before marts).

    Dimensions of a day read facts of earlier days, so all facts are staged first.
    """
    config = config or BuildConfig()
    days = days_between(start, end)
    build_static_dimensions(layout, start, end)
    results = build_models(layout, FACTS, days, config)
    results += build_models(layout, (*DIMENSIONS, *MARTS), days, config)
    return results
