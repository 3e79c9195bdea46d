"""The code location loads and holds the jobs, schedule and sensor the platform relies on."""

from __future__ import annotations

import dagster as dg

from dagster_project.definitions import build_definitions
from souk.settings import Settings


def test_definitions_load_and_validate() -> None:
    defs = build_definitions(Settings())
    dg.Definitions.validate_loadable(defs)
    jobs = {job.name for job in defs.resolve_all_job_defs()}
    assert {"warehouse_daily_job", "warehouse_backfill_job", "catalog_reindex_job"} <= jobs
    for job in ("warehouse_daily_job", "warehouse_backfill_job"):  # no process per step
        assert defs.resolve_job_def(job).executor_def.name == "in_process", job
    assert defs.resolve_schedule_def("warehouse_daily_schedule").cron_schedule == "30 1 * * *"
    assert defs.resolve_sensor_def("raw_files_sensor") is not None
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert {"agg_listing_impressions", "dim_listing", "seller_daily_metrics",
            "market_price_index", "funnel_daily", "marts_database", "raw_searches",
            "dim_governorate", "dim_date"} <= keys  # fmt: skip
    groups = {graph.get(dg.AssetKey(k)).group_name for k in ("fct_leads", "dim_seller",
              "search_term_daily", "marts_database")}  # fmt: skip
    assert groups == {"staging", "dimensions", "marts", "serving"}


def test_module_level_defs_are_lazy() -> None:
    import dagster_project.definitions as module

    assert callable(module.defs)
