"""Staging: the raw tables the sink writes (external assets) and the deduplicated facts."""

from __future__ import annotations

import dagster as dg

from dagster_project.assets.models import layer_asset
from warehouse.raw_tables import RAW_TABLES
from warehouse.staging import FACTS

GROUP = "staging"


def raw_specs(partitions: dg.PartitionsDefinition) -> list[dg.AssetSpec]:
    """The sink's Parquet tables: produced by the stream, observed here, never materialised."""
    return [
        dg.AssetSpec(
            f"raw_{table.name}",
            group_name="raw",
            partitions_def=partitions,
            description=f"{table.event_type} events from {table.topic}, as the sink wrote them "
            f"(raw/{table.name}/date=YYYY-MM-DD/<batch>.parquet; duplicates possible).",
            kinds={"kafka", "parquet"},
        )
        for table in RAW_TABLES
    ]


def staging_assets(partitions: dg.PartitionsDefinition) -> list[dg.AssetsDefinition]:
    return [layer_asset("staging_layer", FACTS, partitions, GROUP)]
