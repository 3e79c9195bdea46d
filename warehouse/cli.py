"""``souk warehouse``: the raw layer's state, builds, publication and the stream sink."""

from __future__ import annotations

import logging
from datetime import date
from typing import TYPE_CHECKING

import typer

from souk.settings import SinkEngine, load_settings
from warehouse.layout import WarehouseLayout

if TYPE_CHECKING:
    from warehouse.build import BuildConfig

# DuckDB, Polars and the models are imported by the commands that use them: every `souk`
# command imports this module.

warehouse_app = typer.Typer(
    help="The analytics warehouse: raw Parquet, marts, the serving database.",
    no_args_is_help=True,
)


def _layout() -> tuple[WarehouseLayout, BuildConfig]:
    from warehouse.build import BuildConfig
    from warehouse.raw_compaction import CompactionPolicy

    settings = load_settings()
    config = BuildConfig(
        threads=settings.warehouse_duckdb_threads,
        memory_limit=settings.warehouse_duckdb_memory_limit,
        compaction=CompactionPolicy(
            settings.warehouse_compact_min_files, settings.warehouse_compact_grace_seconds
        ),
    )
    return WarehouseLayout(settings.warehouse_dir), config


@warehouse_app.command("status")
def status() -> None:
    """Raw tables with their days and files, and the serving database readers open."""
    from warehouse.serving import current_version

    layout, _ = _layout()
    typer.echo(f"warehouse: {layout.root}")
    raw = layout.raw_dates()
    if not raw:
        typer.echo("raw: no events yet (is the stream sink running?)")
    for table, days in raw.items():
        files = sum(len(layout.raw_files(table, d)) for d in days)
        merged = sum(len(layout.raw_files(table, d, merged_too=True)) for d in days) - files
        span = f"{days[0]} .. {days[-1]}" if days else "-"
        waiting = f"  (+{merged} merged, deleted after the grace period)" if merged else ""
        typer.echo(f"  raw/{table:<24}{len(days):>4} days {files:>6} files  {span}{waiting}")
    served = current_version(layout)
    typer.echo(f"serving: {served.name if served else 'nothing published yet'}")


@warehouse_app.command("compact")
def compact(
    start: str = typer.Option(..., help="First day (YYYY-MM-DD)."),
    end: str | None = typer.Option(None, help="Last day (default: start)."),
    min_files: int | None = typer.Option(
        None,
        help="Merge a table-day with at least this many files "
        "(default: SOUK_WAREHOUSE_COMPACT_MIN_FILES).",
    ),
) -> None:
    """Merge each raw table-day's sink files into one (builds do this before they read a day);
    files merged longer ago than SOUK_WAREHOUSE_COMPACT_GRACE_SECONDS are deleted."""
    from dataclasses import replace

    from warehouse.models import days_between
    from warehouse.raw_compaction import compact_raw
    from warehouse.raw_tables import BY_NAME

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    layout, config = _layout()
    policy = config.compaction
    if min_files is not None:
        policy = replace(policy, min_files=min_files)
    first = date.fromisoformat(start)
    days = days_between(first, date.fromisoformat(end) if end else first)
    tables = [BY_NAME[name] for name in layout.raw_dates() if name in BY_NAME]
    done = compact_raw(layout, tables, days, policy, threads=config.threads)
    merged = [c for c in done if c.merged]
    typer.echo(f"{len(merged)} of {len(tables) * len(days)} table-days merged "
               f"({sum(c.merged for c in merged):,} files, {sum(c.rows for c in merged):,} rows); "
               f"{sum(len(c.removed) for c in done):,} files merged earlier deleted")  # fmt: skip


@warehouse_app.command("build")
def build(
    start: str = typer.Option(..., help="First day (YYYY-MM-DD)."),
    end: str | None = typer.Option(None, help="Last day (default: start)."),
    no_publish: bool = typer.Option(False, "--no-publish", help="Skip the serving database."),
) -> None:
    """Build staging, dimensions and marts for days, in this process (no Dagster)."""
    from warehouse.build import build_days
    from warehouse.serving import publish

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    layout, config = _layout()
    first = date.fromisoformat(start)
    last = date.fromisoformat(end) if end else first
    results = build_days(layout, first, last, config)
    typer.echo(f"built {len(results)} model-days, {sum(r.rows for r in results):,} rows")
    if not no_publish:
        publication = publish(layout, threads=config.threads)
        typer.echo(f"published {publication.path.name} in {publication.seconds:.2f}s")


@warehouse_app.command("publish")
def publish_command() -> None:
    """Publish the marts built so far as a new serving database version."""
    from warehouse.serving import publish

    layout, config = _layout()
    publication = publish(layout, threads=config.threads)
    typer.echo(f"published {publication.path.name}: {publication.rows}")


@warehouse_app.command("sink")
def sink(
    loglevel: str = typer.Option("warn", help="Faust log level (crit, error, warn, info)."),
    engine: str | None = typer.Option(
        None,
        help="batch (aiokafka batches, a worker service) or agent (Faust agents); "
        "default: SOUK_WAREHOUSE_SINK_ENGINE.",
    ),
    metrics_port: int = typer.Option(
        0, help="Serve the sink's Prometheus /metrics on 127.0.0.1 at this port (0: none)."
    ),
) -> None:
    """Run the warehouse sink alone: a Faust worker with only the warehouse sink in it."""
    from souk.tracing import configure_tracing
    from streams.app import build_app, run_worker
    from streams.warehouse_sink import register

    # Its own consumer group: the main worker (streams/registry.py) runs other agents too.
    base = load_settings()
    if engine is not None and engine not in set(SinkEngine):
        raise typer.BadParameter(f"{engine!r} is not one of {[e.value for e in SinkEngine]}")
    settings = base.model_copy(
        update={
            "streams_app_id": f"{base.streams_app_id}-warehouse",
            "streams_web_enabled": False,
            "warehouse_sink_engine": SinkEngine(engine or base.warehouse_sink_engine),
        }
    )
    configure_tracing(settings, "souk-warehouse-sink")
    app = build_app(settings, [register])
    if metrics_port:
        from prometheus_client import start_http_server

        from streams.worker_metrics import worker_metrics

        registry = worker_metrics(app).registry
        start_http_server(metrics_port, addr="127.0.0.1", registry=registry)
    run_worker(app, loglevel)


if __name__ == "__main__":
    warehouse_app()
