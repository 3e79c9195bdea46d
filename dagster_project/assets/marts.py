"""The serving database the dashboards read, with its freshness check (the daily marts:
``models``)."""

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import dagster as dg

from dagster_project.resources import WarehouseResource
from warehouse.serving import SERVING_TABLES, publish

SERVING_FRESHNESS = timedelta(hours=26)


@dg.asset(
    group_name="serving", kinds={"duckdb"},
    deps=[name for name, (kind, _) in SERVING_TABLES.items()],
    check_specs=[dg.AssetCheckSpec("every_table_published", asset="marts_database")],
)  # fmt: skip
def marts_database(
    warehouse: WarehouseResource,
) -> Iterator[dg.MaterializeResult[Any] | dg.AssetCheckResult]:
    """serving/marts.duckdb: every mart partition in one read-only DuckDB file, swapped in
    atomically (a new versioned file, then the symlink). Read it with warehouse.marts_reader."""
    publication = publish(warehouse.layout(), threads=warehouse.threads)
    missing = [t for t in SERVING_TABLES if t not in publication.rows]
    yield dg.MaterializeResult(
        metadata={
            "path": str(publication.path),
            "seconds": round(publication.seconds, 3),
            "rows": dg.MetadataValue.json(publication.rows),
        }
    )
    yield dg.AssetCheckResult(
        check_name="every_table_published", passed=not missing, metadata={"missing": missing}
    )


def serving_freshness_checks() -> list[dg.AssetChecksDefinition]:
    return list(
        dg.build_last_update_freshness_checks(
            assets=[marts_database], lower_bound_delta=SERVING_FRESHNESS
        )
    )
