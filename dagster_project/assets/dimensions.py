"""Dimensions' sources and static dimensions: Postgres snapshots, governorates, dates
(the daily dimensions: ``models``)."""

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import dagster as dg
import polars as pl

from dagster_project.resources import PostgresResource, WarehouseResource
from souk.settings import Settings
from warehouse.build import build_static_dimensions
from warehouse.layout import atomic_path

GROUP = "dimensions"


def _write_snapshot(warehouse: WarehouseResource, name: str, frame: pl.DataFrame) -> None:
    with atomic_path(warehouse.layout().static_file("snapshots", name)) as temporary:
        frame.write_parquet(temporary)


@dg.asset(group_name="sources", kinds={"postgres", "parquet"})
def listing_snapshot(
    postgres: PostgresResource, warehouse: WarehouseResource
) -> dg.MaterializeResult[Any]:
    """Listing attributes from PostgreSQL (trim, body type, fuel, colour, mileage)."""
    frame = postgres.listing_snapshot()
    _write_snapshot(warehouse, "listing_snapshot", frame)
    return dg.MaterializeResult(metadata={"rows": frame.height})


@dg.asset(group_name="sources", kinds={"postgres", "parquet"})
def seller_snapshot(
    postgres: PostgresResource, warehouse: WarehouseResource
) -> dg.MaterializeResult[Any]:
    """Seller type, name and governorate from PostgreSQL."""
    frame = postgres.seller_snapshot()
    _write_snapshot(warehouse, "seller_snapshot", frame)
    return dg.MaterializeResult(metadata={"rows": frame.height})


def static_dimensions(settings: Settings) -> dg.AssetsDefinition:
    start = date.fromisoformat(settings.warehouse_start_date)

    @dg.multi_asset(
        specs=[
            dg.AssetSpec(
                "dim_governorate",
                group_name=GROUP,
                kinds={"parquet"},
                description="Egypt's 27 governorates (code, names, coordinates).",
            ),
            dg.AssetSpec(
                "dim_date",
                group_name=GROUP,
                kinds={"parquet"},
                description="One row per day; Egypt's weekend is Friday-Saturday.",
            ),
        ]
    )
    def static_dims(warehouse: WarehouseResource) -> Iterator[dg.MaterializeResult[Any]]:
        rows = build_static_dimensions(
            warehouse.layout(), start, date.today() + timedelta(days=366)
        )
        for name, count in rows.items():
            yield dg.MaterializeResult(asset_key=name, metadata={"rows": count})

    return static_dims
