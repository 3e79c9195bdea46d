"""The dashboards' summary tables published with the marts, against the two-day scenario."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import duckdb

from tests.unit.warehouse.scenario import DAY1, DAY2
from warehouse.layout import WarehouseLayout
from warehouse.serving import current_version
from warehouse.summaries import ACTIVE_SELLERS_SQL, MARKET_SELLER_REACH_SQL


def _rows(layout: WarehouseLayout, sql: str) -> list[tuple[object, ...]]:
    served = current_version(layout)
    assert served is not None
    with duckdb.connect(str(served), read_only=True) as conn:
        return conn.execute(sql).fetchall()


def test_market_totals_daily(built: WarehouseLayout) -> None:
    rows = _rows(
        built,
        """SELECT date, impressions, listing_views, search_clicks, leads, orders, revenue_egp,
                  searches FROM market_totals_daily ORDER BY date""",
    )
    assert rows[0] == (DAY1, 5, 4, 1, 1, 1, Decimal("10000.00"), 3)
    assert rows[1][:4] == (DAY2, 1, 1, 1)
    assert rows[1][-1] == 1


def test_market_supply_daily_by_make_and_governorate(built: WarehouseLayout) -> None:
    rows = _rows(
        built,
        f"""SELECT dimension, key, active_listings, median_price_egp, views
            FROM market_supply_daily WHERE date = DATE '{DAY1}' ORDER BY dimension, key""",
    )
    by_key = {(r[0], r[1]): r[2:] for r in rows}
    assert by_key[("make", "toyota")][:2] == (6, Decimal("975000.00"))
    assert by_key[("make", "hyundai")][0] == 1
    assert by_key[("governorate", "cairo")][0] == 6
    views = _rows(built, f"SELECT sum(views) FROM market_supply_daily WHERE date = DATE '{DAY1}' "
                         "AND dimension = 'make'")  # fmt: skip
    assert views == [(4,)]  # every view of day 1, once


def test_seller_search_terms(built: WarehouseLayout) -> None:
    rows = _rows(built, "SELECT * FROM seller_search_terms ORDER BY seller_id, date")
    assert rows == [
        ("S1", DAY1, "toyota corolla", "L1", 1),
        ("S1", DAY2, "toyota corolla", "L2", 1),
    ]
    # stored in seller order (what narrows a seller's lookup to its row groups; no index)
    stored = _rows(built, "SELECT seller_id, date FROM seller_search_terms")
    assert stored == sorted(stored)


def test_market_seller_reach_counts_the_active_sellers_of_any_range() -> None:
    day = [DAY1 + timedelta(days=i) for i in range(7)]  # data on days 1..5 (index 1..5)
    active = {"S1": [1, 2, 5], "S2": [3], "S3": [2, 3, 4, 5], "S4": [5]}
    with duckdb.connect() as conn:
        conn.execute("CREATE TABLE seller_daily_metrics (seller_id VARCHAR, date DATE)")
        conn.executemany(
            "INSERT INTO seller_daily_metrics VALUES (?, ?)",
            [(seller, day[i]) for seller, days in active.items() for i in days],
        )
        conn.execute(f"CREATE TABLE market_seller_reach AS {MARKET_SELLER_REACH_SQL}")

        def sellers(first: int, last: int) -> int:
            found = conn.execute(ACTIVE_SELLERS_SQL, [day[first], day[last]] * 2).fetchone()
            assert found is not None
            assert found[0] == found[1]
            return int(found[0])

        assert sellers(1, 1) == 1  # S1
        assert sellers(1, 5) == 4
        assert sellers(3, 4) == 2  # S2, S3
        assert sellers(4, 4) == 1  # S3
        assert sellers(5, 5) == 3  # S1, S3, S4
        assert sellers(0, 2) == 2  # before the first day: S1, S3
        assert sellers(6, 6) == 0
        for first in range(7):
            for last in range(first, 7):
                counted = conn.execute(
                    "SELECT count(DISTINCT seller_id) FROM seller_daily_metrics "
                    "WHERE date BETWEEN ? AND ?",
                    [day[first], day[last]],
                ).fetchone()
                assert counted is not None
                assert sellers(first, last) == counted[0], (first, last)
        rows = conn.execute("SELECT count(*) FROM market_seller_reach").fetchone()
        assert rows is not None
        assert rows[0] <= 15


def test_the_overview_counts_active_sellers_from_the_reach(built: WarehouseLayout) -> None:
    rows = _rows(built, "SELECT date, next_active, sellers FROM market_seller_reach ORDER BY ALL")
    assert rows == [(DAY1, DAY1, 2), (DAY2, DAY2, 2)]  # S1 and S2 on both days
