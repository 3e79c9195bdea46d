"""Turn a warehouse :class:`~warehouse.models.Model` into a daily-partitioned asset.

Each asset builds its days with ``warehouse.build`` and reports its checks in the same step
(checks beside the asset): key uniqueness, no null keys, and for facts the row count
against the raw events. Backfills run as one run per range (``BackfillPolicy.single_run``).
"""

from collections.abc import Iterator
from typing import Any

import dagster as dg

from dagster_project.partitions import partition_days
from dagster_project.resources import WarehouseResource
from warehouse.build import build_models
from warehouse.models import Model
from warehouse.quality import expected_fact_rows, measure

UNIQUE, NOT_NULL, MATCHES_RAW = "unique_key", "non_null_key", "rows_match_raw_events"


def upstream_keys(model: Model) -> list[dg.AssetKey]:
    keys = []
    for source in model.sources:
        layer, table = source.split(":", 1)
        keys.append(dg.AssetKey(f"raw_{table}" if layer == "raw" else table))
    return keys


def model_asset(
    model: Model, partitions: dg.PartitionsDefinition, group: str
) -> dg.AssetsDefinition:
    key = dg.AssetKey(model.name)
    checks = [
        dg.AssetCheckSpec(UNIQUE, asset=key, description=f"{', '.join(model.key)} is unique"),
        dg.AssetCheckSpec(NOT_NULL, asset=key, description="no key column is null"),
    ]
    if model.key == ("event_id",):
        checks.append(dg.AssetCheckSpec(MATCHES_RAW, asset=key,
                                        description="rows = distinct raw events"))  # fmt: skip

    @dg.asset(
        key=key, group_name=group, partitions_def=partitions, deps=upstream_keys(model),
        check_specs=checks, backfill_policy=dg.BackfillPolicy.single_run(),
        description=f"Grain: {model.grain}. Key: {', '.join(model.key)}.",
        kinds={"duckdb", "parquet"}, metadata={"grain": model.grain},
    )  # fmt: skip
    def _build(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource
    ) -> Iterator[dg.MaterializeResult[Any] | dg.AssetCheckResult]:
        days = partition_days(context)
        layout, config = warehouse.layout(), warehouse.build_config()
        results = build_models(layout, [model], days, config)
        rows = sum(r.rows for r in results)
        conn = config.connect()
        try:
            measured = measure(conn, layout, model, days)
            event_grain = model.key == ("event_id",)
            expected = expected_fact_rows(conn, layout, model, days) if event_grain else None
        finally:
            conn.close()
        yield dg.MaterializeResult(
            metadata={
                "rows": rows,
                "days": len(days),
                "seconds": round(sum(r.seconds for r in results), 3),
                "rows_by_day": dg.MetadataValue.json({str(r.day): r.rows for r in results}),
            }
        )
        yield dg.AssetCheckResult(
            check_name=UNIQUE, passed=measured.duplicate_keys == 0,
            metadata={"duplicate_keys": measured.duplicate_keys},
        )  # fmt: skip
        yield dg.AssetCheckResult(
            check_name=NOT_NULL, passed=measured.null_keys == 0,
            metadata={"null_keys": measured.null_keys},
        )  # fmt: skip
        if expected is not None:
            yield dg.AssetCheckResult(
                check_name=MATCHES_RAW, passed=expected == rows,
                metadata={"rows": rows, "expected_from_raw": expected},
            )  # fmt: skip

    return _build
