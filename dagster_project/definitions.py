"""The Dagster code location: ``dagster dev -m dagster_project.definitions``.

Everything is built by :func:`build_definitions` from one :class:`Settings`; the module-level
``defs`` is lazy (``@dg.definitions``) so importing this module reads no environment.
"""

from __future__ import annotations

from typing import Any

import dagster as dg

from dagster_project.assets.dimensions import listing_snapshot, seller_snapshot, static_dimensions
from dagster_project.assets.marts import marts_database, serving_freshness_checks
from dagster_project.assets.models import daily_model_assets
from dagster_project.assets.staging import raw_specs
from dagster_project.automation import daily_schedule, raw_files_sensor
from dagster_project.jobs import catalog_reindex_job, warehouse_jobs
from dagster_project.partitions import daily_partitions
from dagster_project.resources import (
    CatalogReindexResource,
    ElasticsearchResource,
    PostgresResource,
    WarehouseResource,
)
from souk.settings import Settings, load_settings


def resources_for(settings: Settings) -> dict[str, Any]:
    return {
        "warehouse": WarehouseResource(
            warehouse_dir=str(settings.warehouse_dir),
            timezone=settings.warehouse_timezone,
            threads=settings.warehouse_duckdb_threads,
            memory_limit=settings.warehouse_duckdb_memory_limit,
            compact_min_files=settings.warehouse_compact_min_files,
            compact_grace_seconds=settings.warehouse_compact_grace_seconds,
        ),
        "postgres": PostgresResource(dsn=settings.postgres_dsn),
        "elasticsearch": ElasticsearchResource(
            url=settings.elasticsearch_url, catalog_alias=settings.catalog_alias
        ),
        "reindex": CatalogReindexResource(),
    }


def warehouse_assets(settings: Settings) -> list[dg.AssetsDefinition]:
    partitions = daily_partitions(settings)
    return [
        listing_snapshot,
        seller_snapshot,
        static_dimensions(settings),
        *daily_model_assets(partitions),
        marts_database,
    ]


def build_definitions(
    settings: Settings, resources: dict[str, Any] | None = None
) -> dg.Definitions:
    partitions = daily_partitions(settings)
    daily, backfill = warehouse_jobs()
    return dg.Definitions(
        assets=[*raw_specs(partitions), *warehouse_assets(settings)],
        asset_checks=serving_freshness_checks(),
        jobs=[daily, backfill, catalog_reindex_job],
        schedules=[daily_schedule(daily)],
        sensors=[raw_files_sensor(daily)],
        resources=resources if resources is not None else resources_for(settings),
        # Every run's steps one after another in the run's own process: each step's DuckDB
        # already uses every core, and a process per step re-imported the project each time.
        executor=dg.in_process_executor,
    )


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions(load_settings())
