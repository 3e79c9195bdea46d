"""Every asset materialises in-process on the scenario's raw events, partition by partition,
with its checks passing, and the published marts hold the hand-computed figures."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import dagster as dg
import polars as pl
import pytest

from dagster_project.assets.models import (
    MATCHES_RAW,
    NOT_NULL,
    UNIQUE,
    daily_model_assets,
    models_asset,
)
from dagster_project.definitions import build_definitions, warehouse_assets
from dagster_project.instance import DAGSTER_ENVIRONMENT
from dagster_project.jobs import catalog_reindex_job, warehouse_jobs
from dagster_project.materialize import materialise_recent_days
from dagster_project.partitions import daily_partitions
from dagster_project.resources import (
    CatalogReindexResource,
    ElasticsearchResource,
    PostgresResource,
    WarehouseResource,
)
from souk.settings import DagsterStorage, Settings
from tests.unit.warehouse.conftest import sink_scenario
from tests.unit.warehouse.scenario import DAY1, DAY2
from warehouse.build import BuildConfig, build_models
from warehouse.layout import COMPACTED_PREFIX, WarehouseLayout
from warehouse.marts_reader import MartsReader
from warehouse.snapshots import LISTING_COLUMNS, SELLER_COLUMNS
from warehouse.staging import BY_FACT, FACTS


class FakePostgres(PostgresResource):
    def listing_snapshot(self) -> pl.DataFrame:
        return pl.DataFrame(
            [{"listing_id": "L1", "seller_id": "S1", "trim": "GLi", "colour": "white",
              "mileage_km": 42_000}], schema=LISTING_COLUMNS)  # fmt: skip

    def seller_snapshot(self) -> pl.DataFrame:
        return pl.DataFrame(schema=SELLER_COLUMNS)


class FakeReindex(CatalogReindexResource):
    def reindex(self) -> str:
        return "catalog-listings -> catalog-listings-2: 7 listings"


class FakeElasticsearch(ElasticsearchResource):
    def count(self, index: str) -> int:
        return 7


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, warehouse_start_date="2026-02-01")


def resources(settings: Settings) -> dict[str, Any]:
    return {
        "warehouse": WarehouseResource(warehouse_dir=str(settings.warehouse_dir)),
        "postgres": FakePostgres(dsn="unused"),
        "elasticsearch": FakeElasticsearch(url="http://unused"),
        "reindex": FakeReindex(),
    }


def test_every_asset_materialises_a_partition_with_passing_checks(settings: Settings) -> None:
    layout = WarehouseLayout(settings.warehouse_dir)
    sink_scenario(layout)
    result = dg.materialize(
        warehouse_assets(settings), partition_key=DAY1.isoformat(),
        resources=resources(settings), instance=dg.DagsterInstance.ephemeral(),
    )  # fmt: skip
    assert result.success
    checks = result.get_asset_check_evaluations()
    failed = [(c.asset_key, c.check_name, c.metadata) for c in checks if not c.passed]
    assert len(checks) > 40
    assert not failed
    reader = MartsReader(layout)
    s1 = reader.seller_kpi_totals(seller_id="S1", start=DAY1, end=DAY1)
    assert (s1["impressions"], s1["listing_views"], s1["leads"], s1["orders"]) == (4, 3, 1, 1)
    assert s1["revenue_egp"] == Decimal("10000.00")
    assert reader.top_search_terms(start=DAY1, end=DAY1)["searches"].to_list() == [2, 1]
    assert reader.funnel(start=DAY1, end=DAY1)["funnel_visitors"].to_list() == [3, 3, 1, 1]
    dim = pl.read_parquet(layout.dated_file("dims", "dim_listing", DAY1))
    l1 = dim.filter(pl.col("listing_id") == "L1").row(0, named=True)
    assert (l1["trim"], l1["colour"], l1["mileage_km"]) == ("GLi", "white", 42_000)
    reader.close()


def test_the_daily_job_builds_a_range_in_one_run(settings: Settings) -> None:
    """... having merged each raw table-day's files into one first (two are enough here)."""
    layout = WarehouseLayout(settings.warehouse_dir)
    sink_scenario(layout)
    assert len(layout.raw_files("searches", DAY1)) == 2
    daily, _ = warehouse_jobs()
    merging = resources(settings) | {"warehouse": WarehouseResource(
        warehouse_dir=str(settings.warehouse_dir), compact_min_files=2)}  # fmt: skip
    job = build_definitions(settings, merging).resolve_job_def(daily.name)
    result = job.execute_in_process(
        instance=dg.DagsterInstance.ephemeral(),
        tags={"dagster/asset_partition_range_start": DAY1.isoformat(),
              "dagster/asset_partition_range_end": DAY2.isoformat()},
    )  # fmt: skip
    assert result.success
    checks = result.get_asset_check_evaluations()
    failed = [(c.asset_key, c.check_name, c.metadata) for c in checks if not c.passed]
    assert len(checks) > 40
    assert not failed  # a dimension has one row per listing (seller) per day of the range
    reader = MartsReader(layout)
    s1 = reader.seller_kpis(seller_id="S1", start=DAY1, end=DAY2).rows(named=True)
    assert [(r["impressions"], r["listing_views"], r["ctr"]) for r in s1] == [
        (4, 3, 0.25), (1, 1, 1.0)]  # fmt: skip
    listings = reader.seller_listings(seller_id="S1", start=DAY1, end=DAY2)
    assert listings.filter(pl.col("listing_id") == "L2")["price_band"].item() == "fair"
    reader.close()
    (merged,) = layout.raw_files("searches", DAY1)
    assert merged.name.startswith(COMPACTED_PREFIX)


def test_the_daily_models_are_one_step_and_a_model_materialises_on_its_own(
    settings: Settings,
) -> None:
    layout = WarehouseLayout(settings.warehouse_dir)
    sink_scenario(layout)
    assets = warehouse_assets(settings)
    graph = build_definitions(settings, resources(settings)).resolve_asset_graph()
    staging = {k.to_user_string() for k in graph.get_all_asset_keys()
               if graph.get(k).group_name == "staging"}  # fmt: skip
    assert staging == {m.name for m in FACTS}  # every model is an asset of its own
    groups = {name: graph.get(dg.AssetKey(name)).group_name
              for name in ("dim_listing", "seller_daily_metrics")}  # fmt: skip
    assert groups == {"dim_listing": "dimensions", "seller_daily_metrics": "marts"}
    whole = dg.materialize(
        assets, selection=["fct_listing_views", "fct_searches"], partition_key=DAY1.isoformat(),
        resources=resources(settings), instance=dg.DagsterInstance.ephemeral(),
    )  # fmt: skip
    steps = {e.step_key for e in whole.all_events if e.is_step_success}
    assert steps == {"daily_models"}
    built = {e.asset_key for e in whole.get_asset_materialization_events()}
    assert built == {dg.AssetKey("fct_listing_views"), dg.AssetKey("fct_searches")}
    alone = dg.materialize(
        assets, selection=["fct_leads"], partition_key=DAY1.isoformat(),
        resources=resources(settings), instance=dg.DagsterInstance.ephemeral(),
    )  # fmt: skip
    materialised = [e.asset_key for e in alone.get_asset_materialization_events()]
    assert materialised == [dg.AssetKey("fct_leads")]
    assert {c.check_name for c in alone.get_asset_check_evaluations() if c.passed} == {
        UNIQUE, NOT_NULL, MATCHES_RAW}  # fmt: skip
    assert layout.dated_file("facts", "fct_leads", DAY1).exists()
    assert not layout.dated_file("facts", "fct_orders", DAY1).exists()


def test_a_models_checks_run_on_their_own_over_built_partitions(settings: Settings) -> None:
    layout = WarehouseLayout(settings.warehouse_dir)
    sink_scenario(layout)
    build_models(layout, [BY_FACT["fct_leads"]], [DAY1], BuildConfig())
    path = layout.dated_file("facts", "fct_leads", DAY1)
    spoiled = pl.read_parquet(path)
    pl.concat([spoiled, spoiled.head(1)]).write_parquet(path)
    result = dg.materialize(
        daily_model_assets(daily_partitions(settings)),
        selection=dg.AssetSelection.checks_for_assets("fct_leads"), resources=resources(settings),
        instance=dg.DagsterInstance.ephemeral(),
    )  # fmt: skip
    assert not result.get_asset_materialization_events()  # nothing rebuilt
    checks = {c.check_name: c for c in result.get_asset_check_evaluations()}
    assert set(checks) == {UNIQUE, NOT_NULL, MATCHES_RAW}
    assert not checks[UNIQUE].passed
    assert not checks[MATCHES_RAW].passed
    assert checks[NOT_NULL].passed


@pytest.mark.parametrize(
    ("sql", "failing"),
    [
        (
            "SELECT * FROM listing_views UNION ALL (SELECT * FROM listing_views LIMIT 1)",
            {UNIQUE, MATCHES_RAW},
        ),
        ("SELECT * FROM listing_views WHERE event_id <> 'e-view-1'", {MATCHES_RAW}),
        ("SELECT * REPLACE (NULL::VARCHAR AS event_id) FROM listing_views", {NOT_NULL, UNIQUE}),
    ],
    ids=["duplicated-row", "missing-row", "null-keys"],
)
def test_a_fact_built_wrong_fails_its_checks(
    settings: Settings, sql: str, failing: set[str]
) -> None:
    layout = WarehouseLayout(settings.warehouse_dir)
    sink_scenario(layout)
    views = BY_FACT["fct_listing_views"]
    wrong = models_asset("daily_models", {"staging": [replace(views, sql=sql)]},
                         daily_partitions(settings))  # fmt: skip
    result = dg.materialize(
        [wrong], partition_key=DAY1.isoformat(), instance=dg.DagsterInstance.ephemeral(),
        resources={"warehouse": WarehouseResource(warehouse_dir=str(settings.warehouse_dir))},
    )  # fmt: skip
    assert result.success
    checks = result.get_asset_check_evaluations()
    assert {c.check_name for c in checks} == {UNIQUE, NOT_NULL, MATCHES_RAW}
    assert {c.check_name for c in checks if not c.passed} == failing


def test_the_reindex_job_calls_the_reindex_resource() -> None:
    result = catalog_reindex_job.execute_in_process(
        resources={"reindex": FakeReindex(), "elasticsearch": FakeElasticsearch(url="http://x")}
    )
    assert result.success
    assert result.output_for_node("count_catalog") == 7


def test_the_real_reindex_resource_runs_souk_search_reindex() -> None:
    command = CatalogReindexResource().command()
    assert command[1:] == ["-m", "souk.cli", "search", "reindex"]


def test_materialising_recent_days_is_one_run_building_each_day_once(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DAGSTER_HOME", str(settings.dagster_home))  # restored after the test
    for name in DAGSTER_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)  # set by the command, restored after the test
    settings = settings.model_copy(update={"dagster_storage": DagsterStorage.SQLITE})
    layout = WarehouseLayout(settings.warehouse_dir)
    sink_scenario(layout)
    run_id = materialise_recent_days(settings, 2, until=DAY2, resources=resources(settings))
    with dg.DagsterInstance.get() as instance:
        runs = instance.get_runs()
        assert [run.run_id for run in runs] == [run_id]
        assert runs[0].job_name == "warehouse_daily_job"
        days = [DAY1.isoformat(), DAY2.isoformat()]
        expected = {"listing_snapshot": [""], "dim_listing": days, "seller_daily_metrics": days}
        for key, partitions in expected.items():
            records = instance.fetch_materializations(dg.AssetKey(key), limit=10).records
            assert sorted(r.partition_key or "" for r in records) == partitions, key
    reader = MartsReader(layout)
    s1 = reader.seller_kpis(seller_id="S1", start=DAY1, end=DAY2).rows(named=True)
    assert [(r["impressions"], r["listing_views"]) for r in s1] == [(4, 3), (1, 1)]
    reader.close()
