"""The dashboards' summary tables published with the marts, against the two-day scenario."""

from __future__ import annotations

from decimal import Decimal

import duckdb

from tests.unit.warehouse.scenario import DAY1, DAY2
from warehouse.layout import WarehouseLayout
from warehouse.serving import current_version


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
    indexes = _rows(built, "SELECT index_name FROM duckdb_indexes() WHERE table_name = "
                           "'seller_search_terms'")  # fmt: skip
    assert indexes == [("seller_search_terms_by_seller_id",)]
