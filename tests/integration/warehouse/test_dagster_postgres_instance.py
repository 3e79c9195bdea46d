"""The Dagster instance on the real PostgreSQL: `souk dagster materialize` records its run,
each day's materialisations and the checks there; a temporary instance drops its database."""

from __future__ import annotations

import secrets
from pathlib import Path

import dagster as dg
import psycopg
import pytest

from dagster_project.instance import DAGSTER_ENVIRONMENT, temporary_instance
from dagster_project.materialize import materialise_recent_days
from local_services.postgres import drop_database
from souk.settings import Settings
from tests.unit.dagster_project.test_assets import resources
from tests.unit.warehouse.conftest import sink_scenario
from tests.unit.warehouse.scenario import DAY1, DAY2
from warehouse.layout import WarehouseLayout


def _databases(settings: Settings) -> set[str]:
    with psycopg.connect(settings.postgres_dsn) as conn:
        return {row[0] for row in conn.execute("SELECT datname FROM pg_database")}


def test_materialising_records_the_run_and_each_day_in_postgres(
    postgres_ready: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [*DAGSTER_ENVIRONMENT, "DAGSTER_HOME"]:
        monkeypatch.delenv(name, raising=False)  # the command sets them; restored after
    database = f"souk_dagster_test_{secrets.token_hex(4)}"
    settings = postgres_ready.model_copy(update={
        "data_dir": tmp_path, "warehouse_start_date": "2026-02-01",
        "dagster_postgres_db": database})  # fmt: skip
    sink_scenario(WarehouseLayout(settings.warehouse_dir))
    try:
        run_id = materialise_recent_days(settings, 2, until=DAY2, resources=resources(settings))
        assert database in _databases(settings)
        with dg.DagsterInstance.get() as instance:
            assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
            run = instance.get_run_by_id(run_id)
            assert run is not None
            assert run.status == dg.DagsterRunStatus.SUCCESS
            days = [DAY1.isoformat(), DAY2.isoformat()]
            for key in ("fct_listing_views", "dim_listing", "seller_daily_metrics"):
                records = instance.fetch_materializations(dg.AssetKey(key), limit=10).records
                assert sorted(r.partition_key or "" for r in records) == days, key
            check = instance.event_log_storage.get_asset_check_execution_history(
                dg.AssetCheckKey(dg.AssetKey("fct_listing_views"), "unique_key"), limit=5
            )
            evaluated = [c for c in check if c.status.value == "SUCCEEDED"]
            assert [c.run_id for c in evaluated] == [run_id]  # one evaluation over the range
    finally:
        drop_database(postgres_ready, database)


def test_a_temporary_instance_has_its_own_database_and_drops_it(postgres_ready: Settings) -> None:
    before = _databases(postgres_ready)
    with temporary_instance(postgres_ready) as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        created = _databases(postgres_ready) - before
        assert len(created) == 1
        assert next(iter(created)).startswith("souk_dagster_tmp_")
    assert _databases(postgres_ready) == before
