"""A range of days built in one pass equals the same days built one at a time.

Every model is built for a range in one query (``warehouse.models.build_range``); the daily
Dagster run builds a single day. Both must give the same partitions, including a day without
events (empty facts, dimensions carried over) and the synthetic market of the benchmarks
(republished listings, price changes, redelivered events over several days).
"""

from __future__ import annotations

import dataclasses
import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from benchmarks.warehouse_synthetic import Market, generate_raw
from tests.unit.warehouse.conftest import sink_scenario
from tests.unit.warehouse.scenario import DAY1, DAY2
from warehouse.build import (
    BuildConfig,
    build_days,
    build_models,
    build_static_dimensions,
    upstream_models,
)
from warehouse.dimensions import DIMENSIONS
from warehouse.layout import WarehouseLayout
from warehouse.marts import MARTS
from warehouse.models import Model
from warehouse.staging import BY_FACT, FACTS

DAILY = (*FACTS, *DIMENSIONS, *MARTS)


def _one_day_at_a_time(layout: WarehouseLayout, start: date, end: date) -> None:
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    build_static_dimensions(layout, start, end)
    for day in days:
        build_models(layout, FACTS, [day], BuildConfig())
    for day in days:
        build_models(layout, (*DIMENSIONS, *MARTS), [day], BuildConfig())


def _partitions(layout: WarehouseLayout, model: Model) -> dict[str, pl.DataFrame]:
    found = {}
    for path in layout.dated_files(model.layer, model.name):
        relation = duckdb.sql(f"SELECT * FROM read_parquet('{path}') ORDER BY ALL")
        assert relation is not None
        found[path.parent.name] = relation.pl()
    return found


def _assert_same_builds(one_pass: WarehouseLayout, daily: WarehouseLayout) -> None:
    for model in DAILY:
        expected, actual = _partitions(daily, model), _partitions(one_pass, model)
        assert sorted(actual) == sorted(expected), model.name
        for day, frame in expected.items():
            assert_frame_equal(actual[day], frame, check_exact=False, rel_tol=1e-9)


def test_the_scenario_with_an_empty_day_builds_the_same_in_one_pass(tmp_path: Path) -> None:
    one_pass, daily = WarehouseLayout(tmp_path / "range"), WarehouseLayout(tmp_path / "daily")
    empty_day = DAY2 + timedelta(days=1)
    sink_scenario(one_pass)
    shutil.copytree(one_pass.raw_dir, daily.raw_dir)
    build_days(one_pass, DAY1, empty_day)
    _one_day_at_a_time(daily, DAY1, empty_day)
    _assert_same_builds(one_pass, daily)
    listings = _partitions(one_pass, DIMENSIONS[0])
    carried = listings[f"date={empty_day}"]
    assert carried.height == 7
    assert carried["as_of_date"].unique().to_list() == [empty_day]
    views = _partitions(one_pass, BY_FACT["fct_listing_views"])[f"date={empty_day}"]
    assert views.height == 0
    assert "visitor_id" in views.columns


@pytest.mark.slow
def test_the_synthetic_market_builds_the_same_in_one_pass(tmp_path: Path) -> None:
    market = Market(events=30_000, days=4, listings=400, sellers=60)
    one_pass, daily = WarehouseLayout(tmp_path / "range"), WarehouseLayout(tmp_path / "daily")
    generate_raw(one_pass, market)
    shutil.copytree(one_pass.raw_dir, daily.raw_dir)
    end = market.start + timedelta(days=market.days - 1)
    build_days(one_pass, market.start, end)
    _one_day_at_a_time(daily, market.start, end)
    _assert_same_builds(one_pass, daily)
    metrics = _partitions(one_pass, MARTS[0])
    assert sum(frame["listing_views"].sum() for frame in metrics.values()) > 0


def test_models_built_one_query_per_day_equal_one_query_per_range(tmp_path: Path) -> None:
    """``query_per_day`` (the big facts and the daily marts) changes how a range is queried,
    not what it builds."""
    per_day, per_range = WarehouseLayout(tmp_path / "per-day"), WarehouseLayout(tmp_path / "range")
    empty_day = DAY2 + timedelta(days=1)
    sink_scenario(per_day)
    shutil.copytree(per_day.raw_dir, per_range.raw_dir)
    build_days(per_day, DAY1, empty_day)
    assert any(m.query_per_day for m in DAILY)
    assert not all(m.query_per_day for m in DAILY)
    days = [DAY1 + timedelta(days=i) for i in range(3)]
    build_static_dimensions(per_range, DAY1, empty_day)
    for layer in (FACTS, (*DIMENSIONS, *MARTS)):
        ranged = [dataclasses.replace(m, query_per_day=False) for m in layer]
        build_models(per_range, ranged, days, BuildConfig())
    _assert_same_builds(per_day, per_range)


def test_models_built_side_by_side_equal_models_built_one_after_another(tmp_path: Path) -> None:
    """Two threads build independent models at once, one one-thread session each; a model
    that reads another of the same call (dim_seller, the marts) waits for it: on an empty
    layout it would otherwise fail on the missing partitions."""
    side_by_side = WarehouseLayout(tmp_path / "side-by-side")
    in_order = WarehouseLayout(tmp_path / "in-order")
    empty_day = DAY2 + timedelta(days=1)
    sink_scenario(side_by_side)
    shutil.copytree(side_by_side.raw_dir, in_order.raw_dir)
    built = build_days(side_by_side, DAY1, empty_day, BuildConfig(threads=2))
    expected = build_days(in_order, DAY1, empty_day, BuildConfig(threads=1))
    _assert_same_builds(side_by_side, in_order)
    assert [(r.model, r.day, r.rows) for r in built] == [(r.model, r.day, r.rows) for r in expected]


def test_a_model_waits_only_for_the_models_of_the_call_it_reads() -> None:
    by_name = {m.name: m for m in DAILY}
    later = [m.name for m in (*DIMENSIONS, *MARTS)]  # build_days' second call
    assert upstream_models(by_name["dim_seller"], later) == {"dim_listing"}
    assert upstream_models(by_name["listing_price_position"], later) == {
        "dim_listing", "market_price_index",
    }  # fmt: skip
    assert upstream_models(by_name["funnel_daily"], later) == set()
    assert "fct_listing_views" in upstream_models(by_name["funnel_daily"], list(by_name))
    assert upstream_models(by_name["agg_listing_impressions"], list(by_name)) == set()
