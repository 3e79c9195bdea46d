"""Full mart build over synthetic raw events: staging, dimensions, marts and publication.

    python -m benchmarks.marts_build --events 10000000 --days 30

Prints the generation time, each layer's time and the total (target: < 30 s for 10M).
"""

from __future__ import annotations

import logging
import os
import resource
import tempfile
import time
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

import typer

from benchmarks.results import BenchmarkResult, Chart, Figure, Target
from benchmarks.warehouse_synthetic import Market, generate_raw
from warehouse.build import BuildConfig, build_days
from warehouse.layout import WarehouseLayout
from warehouse.serving import publish

log = logging.getLogger(__name__)
TARGET_EVENTS = 10_000_000


class MartsBuildResult(BenchmarkResult):
    """The whole build from raw Parquet to the serving database."""

    events: int
    days: int
    threads: int
    build_seconds: float
    publish_seconds: float
    total_seconds: float
    cpu_seconds: float
    by_model: dict[str, float]

    def figures(self) -> list[Figure]:
        over = f"over {TARGET_EVENTS:,} events"
        return [
            Figure("staging + dimensions + marts", self.build_seconds, "s"),
            Figure("publication", self.publish_seconds, "s"),
            Figure(f"total mart build ({self.events:,} events)", self.total_seconds, "s",
                   Target("<", 30, over, self.events >= TARGET_EVENTS)),
            Figure(f"CPU over {self.threads} threads", self.cpu_seconds, "s"),
        ]  # fmt: skip

    def charts(self) -> list[Chart]:
        models = sorted(self.by_model.items(), key=lambda kv: -kv[1])
        return [
            Chart("marts-build", f"Mart build over {self.events:,} events: "
                  f"{self.total_seconds:.1f} s in total", "bars", "s",
                  categories=[m for m, _ in models] + ["publish", "TOTAL"],
                  series={"seconds": [v for _, v in models] + [self.publish_seconds,
                                                                 self.total_seconds]},
                  line=30, line_label="target < 30 s in total", horizontal=True),
        ]  # fmt: skip


def main(
    events: int = typer.Option(10_000_000, help="Raw events to generate."),
    days: int = typer.Option(30, help="Days they spread over."),
    listings: int = typer.Option(50_000, help="Distinct listings."),
    sellers: int = typer.Option(5_000, help="Distinct sellers."),
    threads: int = typer.Option(2, help="DuckDB threads."),
    reuse: bool = typer.Option(False, "--reuse", help="Keep the raw files already there."),
    directory: Path | None = typer.Option(None, help="Keep the warehouse here (else temp)."),  # noqa: B008
    json_path: Path | None = typer.Option(None, "--json", help="Write the result as JSON here."),  # noqa: B008
) -> MartsBuildResult:
    """Generate raw Parquet, then time the whole build from raw to the serving database."""
    root = directory or Path(tempfile.mkdtemp(prefix="souk-marts-bench-"))
    layout = WarehouseLayout(root)
    market = Market(events=events, days=days, listings=listings, sellers=sellers)
    started = time.perf_counter()
    if reuse and layout.raw_dir.is_dir():
        typer.echo(f"reusing the raw files under {root}")
    else:
        written = generate_raw(layout, market)
        typer.echo(
            f"generated {sum(written.values()):,} raw rows in "
            f"{time.perf_counter() - started:.1f}s under {root}"
        )
    started, cpu_started = time.perf_counter(), _cpu_seconds()
    results = build_days(layout, market.start, market.start + timedelta(days=days - 1),
                         BuildConfig(threads=threads, memory_limit="8GB"))  # fmt: skip
    built = time.perf_counter() - started
    cpu_built = _cpu_seconds() - cpu_started
    publication = publish(layout, threads=threads)
    total = built + publication.seconds
    cpu = _cpu_seconds() - cpu_started
    by_layer: dict[str, float] = defaultdict(float)
    by_model: dict[str, float] = defaultdict(float)
    cpu_by_model: dict[str, float] = defaultdict(float)
    for r in results:
        by_model[r.model] += r.seconds
        cpu_by_model[r.model] += r.cpu_seconds
        by_layer[r.model.split("_")[0]] += r.seconds
    for model, seconds in sorted(by_model.items(), key=lambda kv: -kv[1]):
        typer.echo(f"  {model:<28}{seconds:7.2f}s wall {cpu_by_model[model]:7.2f}s CPU")
    typer.echo(
        f"staging+dims+marts {built:.2f}s, publish {publication.seconds:.2f}s; "
        f"CPU {cpu:.1f}s over {threads} threads (publish {cpu - cpu_built:.1f}s); "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    typer.echo(f"TOTAL mart build for {events:,} events: {total:.2f}s "
               f"({'meets' if total < 30 else 'misses'} the 30 s target)")  # fmt: skip
    result = MartsBuildResult(events=events, days=days, threads=threads, build_seconds=built,
                              publish_seconds=publication.seconds, total_seconds=total,
                              cpu_seconds=cpu, by_model=dict(by_model))  # fmt: skip
    if json_path:
        result.write_json(json_path)
    return result


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    typer.run(main)
