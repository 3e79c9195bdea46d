"""Jobs: the daily warehouse build, backfills, and the full catalog reindex."""

from typing import Any, TypeAlias

import dagster as dg

from dagster_project.resources import CatalogReindexResource, ElasticsearchResource

WAREHOUSE = dg.AssetSelection.groups("sources", "staging", "dimensions", "marts", "serving")
# Backfills rebuild history from the raw layer only (no Postgres snapshot per range).
BACKFILL = dg.AssetSelection.groups("staging", "dimensions", "marts", "serving")
# What dg.define_asset_job returns (dagster does not export UnresolvedAssetJobDefinition).
AssetJob: TypeAlias = Any


def warehouse_jobs() -> list[AssetJob]:
    """The daily and backfill jobs; their day partitions come from the selected assets."""
    daily = dg.define_asset_job(
        "warehouse_daily_job", selection=WAREHOUSE,
        description="Stage one day's raw events, rebuild its dimensions and marts, publish.",
    )  # fmt: skip
    backfill = dg.define_asset_job(
        "warehouse_backfill_job", selection=BACKFILL,
        description="Rebuild a range of days from the raw layer in one run per range "
        "(launch as a backfill; the assets use a single-run backfill policy).",
        tags={"souk/kind": "backfill"},
    )  # fmt: skip
    return [daily, backfill]


@dg.op
def reindex_catalog(context: dg.OpExecutionContext, reindex: CatalogReindexResource) -> str:
    """Rebuild the Elasticsearch catalog from Postgres and swap its alias (search/reindex)."""
    output = reindex.reindex()
    context.log.info(output)
    return output


@dg.op
def count_catalog(
    context: dg.OpExecutionContext, elasticsearch: ElasticsearchResource, reindexed: str
) -> int:
    """The new catalog's document count, recorded for the run."""
    documents = elasticsearch.count(elasticsearch.catalog_alias)
    context.add_output_metadata({"documents": documents, "reindex_output": reindexed})
    return documents


@dg.job(description="Full catalog reindex through the search engineer's `souk search reindex`.")
def catalog_reindex_job() -> None:
    count_catalog(reindex_catalog())
