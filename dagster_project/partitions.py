"""The one partitioning of the warehouse: a day in the marketplace's time zone."""

from __future__ import annotations

from datetime import date

import dagster as dg

from souk.settings import Settings


def daily_partitions(settings: Settings) -> dg.DailyPartitionsDefinition:
    return dg.DailyPartitionsDefinition(
        start_date=settings.warehouse_start_date, timezone=settings.warehouse_timezone
    )


def partition_days(context: dg.AssetExecutionContext) -> list[date]:
    """The days this run builds (one partition, or a range in a single-run backfill)."""
    keys = context.partition_keys
    return [date.fromisoformat(key) for key in keys]
