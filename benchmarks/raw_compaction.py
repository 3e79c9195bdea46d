"""A day of raw events in thousands of small sink files: its build, its compaction, and its
build after the compaction.

    python -m benchmarks.raw_compaction --events 333333 --files 5000

The sink writes a file per table-day per batch; at a quiet hour a batch is a handful of
events, so a day of the 10M-event market (333,333 events) can arrive in thousands of files per
table. This generates that day (``benchmarks.warehouse_synthetic``), cuts each table-day into
``--files`` files (fewer where the table has fewer rows), then times the day's staging facts
built straight from the small files, the compaction (``warehouse.raw_compaction``), and the
same facts built from the compacted files, and checks that both builds wrote the same rows.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import typer

from benchmarks.process_cpu import cpu_seconds
from benchmarks.results import BenchmarkResult, Chart, Figure
from benchmarks.warehouse_synthetic import Market, generate_raw
from warehouse.build import BuildConfig, build_models
from warehouse.layout import WarehouseLayout
from warehouse.raw_compaction import CompactionPolicy, compact_raw
from warehouse.raw_tables import BY_NAME
from warehouse.staging import FACTS


class RawCompactionResult(BenchmarkResult):
    """One day's facts from small files, the compaction, and the facts again."""

    events: int
    files: int  # raw files of the day, all tables
    small_build_seconds: float
    small_build_cpu_seconds: float
    compaction_seconds: float
    compaction_cpu_seconds: float
    compacted_build_seconds: float
    compacted_build_cpu_seconds: float

    def figures(self) -> list[Figure]:
        where = f"{self.events:,} events in {self.files:,} files"
        return [
            Figure(f"facts of one day from {where}", self.small_build_seconds, "s"),
            Figure("  their CPU", self.small_build_cpu_seconds, "s"),
            Figure("compaction of that day into one file per table",
                   self.compaction_seconds, "s"),
            Figure("  its CPU", self.compaction_cpu_seconds, "s"),
            Figure("facts of that day after compaction", self.compacted_build_seconds, "s"),
            Figure("  their CPU", self.compacted_build_cpu_seconds, "s"),
        ]  # fmt: skip

    def charts(self) -> list[Chart]:
        return [
            Chart("raw-compaction", f"One day's facts from {self.files:,} raw files",
                  "bars", "s",
                  categories=["build from the small files", "compaction",
                              "build after compaction"],
                  series={"wall": [self.small_build_seconds, self.compaction_seconds,
                                   self.compacted_build_seconds],
                          "CPU": [self.small_build_cpu_seconds, self.compaction_cpu_seconds,
                                  self.compacted_build_cpu_seconds]},
                  horizontal=True),
        ]  # fmt: skip


def split_into_files(layout: WarehouseLayout, day: date, files: int) -> int:
    """Cut every table-day's file into ``files`` files (as many batches of the sink would
    have written); return how many files there are now."""
    written = 0
    for table, days in layout.raw_dates().items():
        if day not in days:
            continue
        (source,) = layout.raw_files(table, day)
        frame = pl.read_parquet(source, hive_partitioning=False)
        step = max(1, -(-frame.height // files))
        for index, offset in enumerate(range(0, frame.height, step)):
            target = source.parent / f"batch-{index:06d}.parquet"
            part = frame.slice(offset, step)
            part.write_parquet(target, compression="zstd", compression_level=1, statistics=False)
            written += 1
        source.unlink()
    return written


def _cpu_seconds() -> float:
    return cpu_seconds(os.getpid())


def _timed_facts(layout: WarehouseLayout, day: date, config: BuildConfig) -> tuple[float, float]:
    started, cpu = time.perf_counter(), _cpu_seconds()
    build_models(layout, FACTS, [day], config)
    return time.perf_counter() - started, _cpu_seconds() - cpu


def _facts(layout: WarehouseLayout, day: date) -> dict[str, pl.DataFrame]:
    found = {}
    for model in FACTS:
        path = layout.dated_file(model.layer, model.name, day)
        relation = duckdb.sql(f"SELECT * FROM read_parquet('{path}') ORDER BY ALL")
        assert relation is not None
        found[model.name] = relation.pl()
    return found


def main(
    events: int = typer.Option(333_333, help="Raw events of the day (10M over 30 days)."),
    files: int = typer.Option(5_000, help="Files per table-day to cut them into."),
    threads: int = typer.Option(2, help="DuckDB threads."),
    json_path: Path | None = typer.Option(None, "--json", help="Write the result as JSON here."),  # noqa: B008
) -> RawCompactionResult:
    """Time one day's facts built from many small raw files, the compaction, and after it."""
    root = Path(tempfile.mkdtemp(prefix="souk-compaction-bench-"))
    try:
        layout = WarehouseLayout(root)
        market = Market(events=events, days=1, listings=50_000, sellers=5_000)
        day = market.start
        generate_raw(layout, market)
        count = split_into_files(layout, day, files)
        typer.echo(f"{events:,} events of {day} in {count:,} raw files under {root}")
        # No compaction inside these builds: the step is timed on its own.
        config = BuildConfig(threads=threads, memory_limit="8GB",
                             compaction=CompactionPolicy(min_files=10**9))  # fmt: skip
        small, small_cpu = _timed_facts(layout, day, config)
        typer.echo(f"facts from the small files: {small:.2f}s, CPU {small_cpu:.1f}s")
        before = _facts(layout, day)
        started, cpu = time.perf_counter(), _cpu_seconds()
        tables = [BY_NAME[t] for t in layout.raw_dates()]
        compact_raw(layout, tables, [day], CompactionPolicy(min_files=2), threads=threads)
        merged, merged_cpu = time.perf_counter() - started, _cpu_seconds() - cpu
        typer.echo(f"compaction: {merged:.2f}s, CPU {merged_cpu:.1f}s")
        compacted, compacted_cpu = _timed_facts(layout, day, config)
        typer.echo(f"facts after compaction: {compacted:.2f}s, CPU {compacted_cpu:.1f}s")
        after = _facts(layout, day)
        different = [name for name in before if not before[name].equals(after[name])]
        if different:
            raise RuntimeError(f"the facts differ after compaction: {different}")
        typer.echo("the facts are the same, row for row")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    result = RawCompactionResult(
        events=events, files=count, small_build_seconds=small,
        small_build_cpu_seconds=small_cpu, compaction_seconds=merged,
        compaction_cpu_seconds=merged_cpu, compacted_build_seconds=compacted,
        compacted_build_cpu_seconds=compacted_cpu,
    )  # fmt: skip
    if json_path:
        result.write_json(json_path)
    return result


if __name__ == "__main__":
    typer.run(main)
