"""Dashboard reads through ``warehouse.marts_reader``: p50 and p99 per call.

    python -m benchmarks.marts_reads --directory /tmp/bench/wh10m

Run after ``benchmarks.marts_build --directory ...`` (10M events). Each round asks, for a
random seller, its daily KPIs over 30 days, its weekly KPIs, its totals and its listings,
then the top search terms, the zero-result terms and the admin market overview.
Target: p99 < 50 ms per call.
"""

from __future__ import annotations

import os
import random
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq  # type: ignore[import-untyped]
import typer
from pydantic import BaseModel

from benchmarks.results import BenchmarkResult, Chart, Figure, Target
from warehouse.layout import WarehouseLayout
from warehouse.marts_reader import MartsReader
from warehouse.serving import current_version


class CallLatency(BaseModel):
    p50_ms: float
    p99_ms: float
    cpu_p50_ms: float
    cpu_p99_ms: float


TARGET_EVENTS = 10_000_000


class MartsReadsResult(BenchmarkResult):
    """Dashboard reads straight through ``MartsReader`` (no HTTP), per call and overall."""

    rounds: int
    raw_events: int  # rows in the raw layer the marts were built from
    serving_rows: dict[str, int]
    calls: dict[str, CallLatency]
    p50_ms: float
    p99_ms: float

    def figures(self) -> list[Figure]:
        return [
            *(Figure(f"{name} p99", call.p99_ms, "ms") for name, call in self.calls.items()),
            Figure("all calls p50", self.p50_ms, "ms"),
            Figure(
                "all calls p99",
                self.p99_ms,
                "ms",
                Target("<", 50, f"on {TARGET_EVENTS:,} events", self.raw_events >= TARGET_EVENTS),
            ),
        ]

    def charts(self) -> list[Chart]:
        return [
            Chart("marts-reads", "Dashboard reads through MartsReader (no HTTP)", "bars", "ms",
                  categories=list(self.calls),
                  series={"p50": [c.p50_ms for c in self.calls.values()],
                          "p99": [c.p99_ms for c in self.calls.values()]},
                  line=50, line_label="target p99 < 50 ms", horizontal=True),
        ]  # fmt: skip


def main(
    directory: Path = typer.Option(..., help="A warehouse built by benchmarks.marts_build."),  # noqa: B008
    rounds: int = typer.Option(200, help="Rounds of dashboard calls."),
    json_path: Path | None = typer.Option(None, "--json", help="Write the result as JSON here."),  # noqa: B008
) -> MartsReadsResult:
    """Time every read API call over the published marts."""
    layout = WarehouseLayout(directory)
    served = current_version(layout)
    if served is None:
        raise typer.BadParameter("nothing published there; run benchmarks.marts_build first")
    with duckdb.connect(str(served), read_only=True) as conn:
        sellers = [r[0] for r in conn.execute("SELECT DISTINCT seller_id FROM dim_seller")
                   .fetchall()]  # fmt: skip
        first, last = conn.execute("SELECT min(date), max(date) FROM seller_daily_metrics"
                                   ).fetchone() or (None, None)  # fmt: skip
        sizes = conn.execute("SELECT table_name, row_count FROM serving_metadata").fetchall()
    assert isinstance(first, date)
    assert isinstance(last, date)
    start = max(first, last - timedelta(days=29))
    typer.echo(f"serving {served.name}: " + ", ".join(f"{t}={n:,}" for t, n in sizes))
    reader = MartsReader(layout)
    rng = random.Random(7)
    timings: dict[str, list[float]] = defaultdict(list)
    cpu: dict[str, list[float]] = defaultdict(list)
    calls: dict[str, Callable[[str], Any]] = {
        "seller_kpis(day, 30 days)": lambda s: reader.seller_kpis(
            seller_id=s, start=start, end=last),
        "seller_kpis(week)": lambda s: reader.seller_kpis(
            seller_id=s, start=start, end=last, granularity="week"),
        "seller_kpi_totals": lambda s: reader.seller_kpi_totals(
            seller_id=s, start=start, end=last),
        "seller_listings": lambda s: reader.seller_listings(seller_id=s, start=start, end=last),
        "top_search_terms": lambda s: reader.top_search_terms(start=start, end=last),
        "zero_result_terms": lambda s: reader.top_search_terms(
            start=start, end=last, zero_results_only=True),
        "market_overview": lambda s: reader.market_overview(start=start, end=last),
    }  # fmt: skip
    for call in calls.values():  # warm-up: open the file once
        call(sellers[0])
    for _ in range(rounds):
        seller = rng.choice(sellers)
        for name, call in calls.items():
            started, started_cpu = time.perf_counter(), time.process_time()
            call(seller)
            timings[name].append((time.perf_counter() - started) * 1000)
            cpu[name].append((time.process_time() - started_cpu) * 1000)
    every: list[float] = []
    measured: dict[str, CallLatency] = {}
    for name, values in timings.items():
        values.sort()
        every += values
        used = sorted(cpu[name])
        measured[name] = CallLatency(
            p50_ms=statistics.median(values), p99_ms=values[int(len(values) * 0.99) - 1],
            cpu_p50_ms=statistics.median(used), cpu_p99_ms=used[int(len(used) * 0.99) - 1],
        )  # fmt: skip
        typer.echo(f"{name:<28} p50 {statistics.median(values):7.2f} ms   "
                   f"p99 {values[int(len(values) * 0.99) - 1]:7.2f} ms   "
                   f"(CPU p50 {statistics.median(used):6.2f} ms, "
                   f"p99 {used[int(len(used) * 0.99) - 1]:6.2f} ms)")  # fmt: skip
    every.sort()
    p99 = every[int(len(every) * 0.99) - 1]
    typer.echo(f"load average {os.getloadavg()[0]:.1f}")
    typer.echo(f"ALL calls: p50 {statistics.median(every):.2f} ms, p99 {p99:.2f} ms "
               f"({'meets' if p99 < 50 else 'misses'} the 50 ms target)")  # fmt: skip
    result = MartsReadsResult(rounds=rounds, raw_events=_raw_events(layout),
                              serving_rows=dict(sizes), calls=measured,
                              p50_ms=statistics.median(every), p99_ms=p99)  # fmt: skip
    if json_path:
        result.write_json(json_path)
    return result


def _raw_events(layout: WarehouseLayout) -> int:
    """Rows in the raw Parquet files (from their footers), redeliveries included."""
    files = sorted(layout.raw_dir.rglob("*.parquet")) if layout.raw_dir.is_dir() else []
    return sum(pq.ParquetFile(f).metadata.num_rows for f in files if not f.name.startswith("."))


if __name__ == "__main__":
    typer.run(main)
