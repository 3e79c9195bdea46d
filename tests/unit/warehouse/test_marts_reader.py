"""The read API: seller KPIs by granularity, listings, search terms, market overview."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.unit.warehouse.scenario import DAY1, DAY2
from warehouse.layout import WarehouseLayout
from warehouse.marts_reader import MartsReader, WarehouseNotReadyError
from warehouse.serving import current_version, publish


def test_seller_kpis_by_day_and_month(reader: MartsReader) -> None:
    daily = reader.seller_kpis(seller_id="S1", start=DAY1, end=DAY2)
    assert daily["period"].to_list() == [DAY1, DAY2]
    assert daily["impressions"].to_list() == [4, 1]
    assert daily["ctr"].to_list() == [0.25, 1.0]
    monthly = reader.seller_kpis(seller_id="S1", start=DAY1, end=DAY2, granularity="month")
    month = monthly.row(0, named=True)
    assert (month["period"], month["impressions"], month["search_clicks"]) == (
        date(2026, 3, 1), 5, 2)  # fmt: skip
    assert month["ctr"] == 0.4


def test_seller_totals_and_isolation(reader: MartsReader) -> None:
    totals = reader.seller_kpi_totals(seller_id="S1", start=DAY1, end=DAY2)
    assert (totals["listing_views"], totals["leads"], totals["active_listings"]) == (4, 1, 1)
    assert totals["revenue_egp"] == Decimal("10000.00")
    listings = reader.seller_listings(seller_id="S1", start=DAY1, end=DAY2)
    assert sorted(listings["listing_id"].to_list()) == ["L1", "L2"]
    l2 = listings.filter(listings["listing_id"] == "L2").row(0, named=True)
    assert (l2["views"], l2["price_band"], l2["price_changes_in_range"]) == (2, "fair", 1)
    none = reader.seller_kpi_totals(seller_id="S-unknown", start=DAY1, end=DAY2)
    assert none["impressions"] == 0


def test_search_terms_funnel_and_market(reader: MartsReader) -> None:
    top = reader.top_search_terms(start=DAY1, end=DAY2)
    assert top.row(0, named=True) | {} == {
        "query": "toyota corolla", "searches": 3, "zero_result_searches": 0, "clicks": 2,
        "searches_with_click": 2, "click_through_rate": 0.6667,
    }  # fmt: skip
    zero = reader.top_search_terms(start=DAY1, end=DAY2, zero_results_only=True)
    assert zero["query"].to_list() == ["lada niva"]
    index = reader.price_index(make="Toyota", model="Corolla", start=DAY1, end=DAY2)
    assert index["median_price_egp"].to_list() == [Decimal("975000.00"), Decimal("950000.00")]
    overview = reader.market_overview(start=DAY1, end=DAY2)
    assert overview["totals"]["active_listings"] == 6
    assert overview["totals"]["searches"] == 4
    assert [s["stage_name"] for s in overview["funnel"]] == ["search", "view", "lead", "order"]
    assert overview["governorates"][0]["name_ar"] == "القاهرة"


def test_the_reader_cannot_write(reader: MartsReader) -> None:
    cursor = reader._cursor()
    with pytest.raises(duckdb.Error):
        cursor.execute("DELETE FROM seller_daily_metrics")


def test_a_new_publication_is_picked_up_and_old_versions_pruned(built: WarehouseLayout) -> None:
    marts = MartsReader(built)
    marts.seller_kpis(seller_id="S1", start=DAY1, end=DAY2)
    before = current_version(built)
    for _ in range(4):
        publish(built)
    after = current_version(built)
    assert after != before
    assert marts.status()["path"] == str(after)
    assert len(list(built.serving_dir.glob("marts-*.duckdb"))) == 3
    marts.close()


def test_not_ready_before_the_first_publication(tmp_path: Path) -> None:
    with pytest.raises(WarehouseNotReadyError):
        MartsReader(WarehouseLayout(tmp_path)).funnel(start=DAY1, end=DAY2)
