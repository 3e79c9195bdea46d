"""The quality measurements behind the asset checks: clean on the built scenario, and failing
when a partition holds a duplicated key, a null key or one row fewer than the raw events.

The scenario's raw files hold a redelivered search and view (the same event ids twice), so
the raw side always has copies to discount. Keys are compared by hash first; with a hash made
to collide (``KEY_HASH``) the counts must stay exact.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest

from tests.unit.warehouse.conftest import sink_scenario
from tests.unit.warehouse.scenario import DAY1, DAY2
from warehouse import quality
from warehouse.build import DAILY_MODELS, build_days
from warehouse.dimensions import BY_DIMENSION
from warehouse.duckdb_session import open_memory
from warehouse.layout import WarehouseLayout
from warehouse.quality import Measurement, expected_fact_rows, measure
from warehouse.staging import BY_FACT

DAYS = [DAY1, DAY2]
VIEWS = BY_FACT["fct_listing_views"]


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> WarehouseLayout:
    layout = WarehouseLayout(tmp_path_factory.mktemp("quality"))
    sink_scenario(layout)
    build_days(layout, DAY1, DAY2)
    return layout


@pytest.fixture
def layout(clean: WarehouseLayout, tmp_path: Path) -> WarehouseLayout:
    """A copy of the clean build that a test may spoil."""
    shutil.copytree(clean.root, tmp_path / "warehouse")
    return WarehouseLayout(tmp_path / "warehouse")


@pytest.fixture
def conn() -> duckdb.DuckDBPyConnection:
    return open_memory()


def _rewrite(layout: WarehouseLayout, table: str, sql: str, *, statistics: bool = True) -> None:
    """Replace day 1's partition of a fact with ``sql`` over its current rows (``part``)."""
    path = layout.dated_file("facts", table, DAY1)
    relation = duckdb.sql(sql.replace("part", f"read_parquet('{path}')"))
    assert relation is not None
    relation.pl().write_parquet(path, statistics=statistics)


def test_every_model_of_the_built_scenario_measures_clean(
    clean: WarehouseLayout, conn: duckdb.DuckDBPyConnection
) -> None:
    for model in DAILY_MODELS:
        measured = measure(conn, clean, model, DAYS)
        assert (measured.duplicate_keys, measured.null_keys) == (0, 0), model.name
        if model.key == ("event_id",):
            assert expected_fact_rows(conn, clean, model, DAYS) == measured.rows, model.name
    # two days of a dimension: one row per listing per day, not a duplicated listing
    listings = measure(conn, clean, BY_DIMENSION["dim_listing"], DAYS)
    assert listings.rows == 2 * measure(conn, clean, BY_DIMENSION["dim_listing"], [DAY2]).rows


def test_the_raw_side_discounts_redelivered_events(
    clean: WarehouseLayout, conn: duckdb.DuckDBPyConnection
) -> None:
    raw = conn.execute(
        f"SELECT count(*) FROM read_parquet('{clean.raw_dir}/listing_views/*/*.parquet')"
    ).fetchall()
    assert raw == [(6,)]  # five views, one of them delivered twice
    assert expected_fact_rows(conn, clean, VIEWS, DAYS) == 5


def test_a_duplicated_key_and_an_extra_row_are_found(
    layout: WarehouseLayout, conn: duckdb.DuckDBPyConnection
) -> None:
    _rewrite(layout, "fct_listing_views", "SELECT * FROM part UNION ALL (SELECT * FROM part "
             "ORDER BY event_id LIMIT 1)")  # fmt: skip
    measured = measure(conn, layout, VIEWS, DAYS)
    assert measured == Measurement(rows=6, duplicate_keys=1, null_keys=0)
    assert expected_fact_rows(conn, layout, VIEWS, DAYS) == 5


def test_a_missing_row_is_found(layout: WarehouseLayout, conn: duckdb.DuckDBPyConnection) -> None:
    _rewrite(layout, "fct_listing_views", "SELECT * FROM part ORDER BY event_id OFFSET 1")
    measured = measure(conn, layout, VIEWS, DAYS)
    assert measured == Measurement(rows=4, duplicate_keys=0, null_keys=0)
    assert expected_fact_rows(conn, layout, VIEWS, DAYS) == 5


@pytest.mark.parametrize("statistics", [True, False])
def test_a_null_key_is_found_with_or_without_footer_statistics(
    layout: WarehouseLayout, conn: duckdb.DuckDBPyConnection, statistics: bool
) -> None:
    _rewrite(layout, "fct_listing_views",
             "SELECT * REPLACE (CASE WHEN event_id = 'e-view-1' THEN NULL ELSE event_id END "
             "AS event_id) FROM part", statistics=statistics)  # fmt: skip
    assert measure(conn, layout, VIEWS, DAYS).null_keys == 1


def test_shared_hashes_are_told_apart_by_their_keys(
    layout: WarehouseLayout, conn: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(quality, "KEY_HASH", "hash({}) % 2")  # every key shares its hash
    clean = measure(conn, layout, VIEWS, DAYS)
    assert clean == Measurement(rows=5, duplicate_keys=0, null_keys=0)
    assert expected_fact_rows(conn, layout, VIEWS, DAYS) == 5
    _rewrite(layout, "fct_listing_views", "SELECT * FROM part UNION ALL SELECT * FROM part")
    doubled = measure(conn, layout, VIEWS, DAYS)
    day1 = pl.read_parquet(layout.dated_file("facts", "fct_listing_views", DAY1)).height // 2
    assert doubled == Measurement(rows=5 + day1, duplicate_keys=day1, null_keys=0)
