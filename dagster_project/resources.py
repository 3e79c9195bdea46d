"""Dagster resources, configured from :class:`souk.settings.Settings` in definitions.py."""

from __future__ import annotations

import subprocess
import sys

import dagster as dg
import polars as pl
from elasticsearch import Elasticsearch

from warehouse.build import BuildConfig
from warehouse.layout import WarehouseLayout
from warehouse.raw_compaction import CompactionPolicy
from warehouse.snapshots import LISTING_COLUMNS, SELLER_COLUMNS, fetch_snapshot


class WarehouseResource(dg.ConfigurableResource):  # type: ignore[type-arg]
    """The DuckDB warehouse: its directory, its time zone and DuckDB's limits per build."""

    warehouse_dir: str
    timezone: str = "Africa/Cairo"
    threads: int = 2
    memory_limit: str = "4GB"
    compact_min_files: int = 16
    compact_grace_seconds: float = 900.0

    def layout(self) -> WarehouseLayout:
        from pathlib import Path

        return WarehouseLayout(Path(self.warehouse_dir))

    def build_config(self) -> BuildConfig:
        policy = CompactionPolicy(self.compact_min_files, self.compact_grace_seconds)
        return BuildConfig(self.threads, self.memory_limit, policy)


class PostgresResource(dg.ConfigurableResource):  # type: ignore[type-arg]
    """The transactional database, read for listing and seller attribute snapshots."""

    dsn: str

    def listing_snapshot(self) -> pl.DataFrame:
        return fetch_snapshot(self.dsn, "listings", LISTING_COLUMNS)

    def seller_snapshot(self) -> pl.DataFrame:
        return fetch_snapshot(self.dsn, "sellers", SELLER_COLUMNS)


class ElasticsearchResource(dg.ConfigurableResource):  # type: ignore[type-arg]
    """The catalog search cluster."""

    url: str
    catalog_alias: str = "catalog-listings"

    def count(self, index: str) -> int:
        client = Elasticsearch(self.url, request_timeout=30)
        try:
            return int(client.count(index=index)["count"])
        finally:
            client.close()


class CatalogReindexResource(dg.ConfigurableResource):  # type: ignore[type-arg]
    """Runs the search engineer's full reindex (``souk search reindex``) as a subprocess."""

    timeout_seconds: int = 3600

    def command(self) -> list[str]:
        return [sys.executable, "-m", "souk.cli", "search", "reindex"]

    def reindex(self) -> str:
        done = subprocess.run(
            self.command(), capture_output=True, text=True, timeout=self.timeout_seconds,
            check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise dg.Failure(
                description=f"`souk search reindex` exited {done.returncode}",
                metadata={"stderr": dg.MetadataValue.text(done.stderr[-4000:])},
            )
        return done.stdout.strip()
