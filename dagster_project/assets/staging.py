"""The raw tables the sink writes, as external assets (the staged facts: ``models``)."""

from __future__ import annotations

import dagster as dg

from warehouse.raw_tables import RAW_TABLES


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
