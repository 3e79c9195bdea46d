"""Every mart of the two-day scenario against figures worked out by hand (see scenario.py)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.unit.warehouse.conftest import row, table
from tests.unit.warehouse.fixtures import behaviour, records
from tests.unit.warehouse.scenario import DAY1, DAY2, T1, _published
from warehouse.build import build_days
from warehouse.layout import WarehouseLayout
from warehouse.sink import WarehouseSink
from warehouse.staging import QUERY_NORMALISED


def test_facts_are_deduplicated_by_event_id(built: WarehouseLayout) -> None:
    searches = table(built, "facts", "fct_searches")
    assert searches.filter(searches["event_id"] == "e-search-a").height == 1
    assert table(built, "facts", "fct_listing_views").height == 5  # 4 + 1, one redelivered
    impressions = table(built, "facts", "agg_listing_impressions")
    assert impressions["impressions"].sum() == 6  # 3 + 2 + 0 on day 1, 1 on day 2
    l4 = row(impressions, listing_id="L4", event_date=DAY1)
    assert (l4["impressions"], l4["best_position"]) == (1, 3)
    l2 = row(impressions, listing_id="L2", event_date=DAY1)
    assert (l2["impressions"], l2["best_position"], l2["avg_position"]) == (2, 1, 1.5)


def test_seller_daily_metrics(built: WarehouseLayout) -> None:
    metrics = table(built, "marts", "seller_daily_metrics")
    s1 = row(metrics, seller_id="S1", date=DAY1)
    assert (s1["impressions"], s1["listing_views"], s1["unique_viewers"]) == (4, 3, 2)
    assert (s1["search_clicks"], s1["leads"], s1["orders"]) == (1, 1, 1)
    assert s1["ctr"] == 0.25
    assert s1["lead_rate"] == s1["conversion_rate"] == pytest.approx(0.3333)
    assert s1["order_value_egp"] == s1["revenue_egp"] == Decimal("10000.00")
    assert s1["active_listings"] == 2
    s2 = row(metrics, seller_id="S2", date=DAY1)
    assert (s2["impressions"], s2["listing_views"], s2["ctr"], s2["lead_rate"]) == (1, 1, 0, 0)
    assert s2["active_listings"] == 5
    # the view at 23:30 UTC on day 1 is 01:30 on day 2 in Cairo
    s1_day2 = row(metrics, seller_id="S1", date=DAY2)
    assert (s1_day2["listing_views"], s1_day2["impressions"], s1_day2["ctr"]) == (1, 1, 1.0)
    assert s1_day2["active_listings"] == 1  # L1 was sold


def test_views_without_a_seller_count_for_the_listings_seller(tmp_path: Path) -> None:
    """A ListingViewed without seller_id is attributed through dim_listing; one with it is
    taken as it is (two viewers, three views of L1 by S1 on day 1)."""
    layout = WarehouseLayout(tmp_path)
    view = {"listing_id": "L1", "source": "search"}
    events = [
        _published("L1", "S1", 900_000),
        behaviour("ListingViewed", T1, view, user_id="U1", session_id="sA"),
        behaviour("ListingViewed", T1, view, user_id=None, session_id="sB"),
        behaviour("ListingViewed", T1, {**view, "seller_id": "S1"}, user_id="U1",
                  session_id="sA"),
    ]  # fmt: skip
    WarehouseSink(layout, timezone="Africa/Cairo", durable=False).write_batch(records(events))
    build_days(layout, DAY1, DAY1)
    metrics = table(layout, "marts", "seller_daily_metrics")
    assert metrics["seller_id"].to_list() == ["S1"]
    s1 = row(metrics, seller_id="S1", date=DAY1)
    assert (s1["listing_views"], s1["unique_viewers"]) == (3, 2)


def test_listing_dimension_replays_price_and_status(built: WarehouseLayout) -> None:
    listings = table(built, "dims", "dim_listing")
    l2 = row(listings, listing_id="L2", as_of_date=DAY2)
    assert (l2["price_egp"], l2["first_price_egp"], l2["price_change_count"]) == (
        Decimal("940000.00"), Decimal("1000000.00"), 1)  # fmt: skip
    l1 = row(listings, listing_id="L1", as_of_date=DAY2)
    assert (l1["status"], l1["sold_date"], l1["days_on_market"]) == ("sold", DAY2, 1)
    assert row(listings, listing_id="L1", as_of_date=DAY1)["status"] == "active"
    assert (l1["make"], l1["model"], l1["make_model"]) == ("toyota", "corolla", "toyota corolla")
    sellers = table(built, "dims", "dim_seller")
    s1 = row(sellers, seller_id="S1", as_of_date=DAY2)
    assert (s1["seller_type"], s1["display_name"], s1["listings_total"]) == (
        "dealer", "Nile Motors", 2)  # fmt: skip
    assert (s1["listings_active"], s1["listings_sold"]) == (1, 1)


def test_listing_daily_performance(built: WarehouseLayout) -> None:
    perf = table(built, "marts", "listing_daily_performance")
    l1 = row(perf, listing_id="L1", date=DAY1)
    assert (l1["impressions"], l1["views"], l1["unique_viewers"]) == (2, 2, 1)
    assert (l1["search_clicks"], l1["leads"], l1["orders"]) == (1, 1, 1)
    l2 = row(perf, listing_id="L2", date=DAY2)
    assert (l2["price_changes"], l2["price_egp"], l2["days_on_market"]) == (
        1, Decimal("940000.00"), 1)  # fmt: skip
    assert row(perf, listing_id="L1", date=DAY2)["status"] == "sold"


def test_market_price_index_quartiles(built: WarehouseLayout) -> None:
    index = table(built, "marts", "market_price_index")
    day1 = row(index, make="toyota", model="corolla", year=2020, governorate="cairo", date=DAY1)
    assert day1["listings"] == 6
    assert (day1["p25_price_egp"], day1["median_price_egp"], day1["p75_price_egp"]) == (
        Decimal("912500.00"), Decimal("975000.00"), Decimal("1037500.00"))  # fmt: skip
    day2 = row(index, make="toyota", model="corolla", year=2020, governorate="all", date=DAY2)
    assert (day2["listings"], day2["p25_price_egp"], day2["median_price_egp"]) == (
        5, Decimal("940000.00"), Decimal("950000.00"))  # fmt: skip


def test_listing_price_position_bands(built: WarehouseLayout) -> None:
    position = table(built, "marts", "listing_price_position")
    bands = {r["listing_id"]: r["price_band"] for r in position.filter(
        position["date"] == DAY1).iter_rows(named=True)}  # fmt: skip
    assert bands == {"L7": "great", "L1": "good", "L4": "fair", "L2": "fair", "L5": "high",
                     "L6": "high", "L3": "unrated"}  # fmt: skip
    assert row(position, listing_id="L2", date=DAY2)["price_ratio"] == pytest.approx(0.9895)


def test_search_term_daily(built: WarehouseLayout) -> None:
    terms = table(built, "marts", "search_term_daily")
    corolla = row(terms, query_normalised="toyota corolla", date=DAY1)
    assert (corolla["searches"], corolla["impressions"], corolla["clicks"]) == (2, 5, 1)
    assert (corolla["click_through_rate"], corolla["clicks_per_impression"]) == (0.5, 0.2)
    niva = row(terms, query_normalised="lada niva", date=DAY1)
    assert (niva["searches"], niva["zero_result_searches"], niva["clicks"]) == (1, 1, 0)


def test_funnel_daily(built: WarehouseLayout) -> None:
    funnel = table(built, "marts", "funnel_daily")
    funnel = funnel.filter(funnel["date"] == DAY1).sort("stage")
    assert funnel["stage_name"].to_list() == ["search", "view", "lead", "order"]
    assert funnel["visitors"].to_list() == [3, 3, 1, 1]
    assert funnel["funnel_visitors"].to_list() == [3, 3, 1, 1]
    assert funnel["events"].to_list() == [3, 4, 1, 1]
    assert funnel["conversion_from_start"].to_list() == [1.0, 1.0, 0.3333, 0.3333]


@pytest.mark.parametrize(
    "query", [None, "", "  ", "Toyota  Corolla", " a\tb ", "a\n\nb", "A\x0cB", "a\rb", "a\x0bb",
              "عربية  مستعملة", "Lada Niva", "a \t b "],
)  # fmt: skip
def test_search_text_normalised_as_by_the_whitespace_expression(query: str | None) -> None:
    """The fast path (no run of whitespace: only trimmed and lowered) gives what collapsing
    every run of RE2 whitespace to one space gives."""
    collapsed = "lower(trim(regexp_replace(coalesce(query, ''), '\\s+', ' ', 'g')))"
    with duckdb.connect() as conn:
        found = conn.execute(
            f"SELECT {QUERY_NORMALISED}, {collapsed} FROM (SELECT ?::VARCHAR AS query)", [query]
        ).fetchone()
    assert found is not None
    assert found[0] == found[1]
