"""The overview's in-memory seller reach counts what ``ACTIVE_SELLERS_SQL`` counts."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import duckdb

from api.analytics.market_days import DailyRows, seller_reach
from warehouse.summaries import ACTIVE_SELLERS_SQL, MARKET_SELLER_REACH_SQL

DAY = [date(2026, 3, 1) + timedelta(days=i) for i in range(8)]  # data on days 1..6
ACTIVE = {"S1": [1, 2, 6], "S2": [3], "S3": [2, 3, 4, 6], "S4": [6], "S5": [1, 5]}


def test_seller_reach_in_memory_agrees_with_the_sql_for_every_range() -> None:
    with duckdb.connect() as conn:
        conn.execute("CREATE TABLE seller_daily_metrics (seller_id VARCHAR, date DATE)")
        conn.executemany(
            "INSERT INTO seller_daily_metrics VALUES (?, ?)",
            [(seller, DAY[i]) for seller, days in ACTIVE.items() for i in days],
        )
        conn.execute(f"CREATE TABLE market_seller_reach AS {MARKET_SELLER_REACH_SQL}")
        reach = seller_reach(conn)
        for first in range(len(DAY)):
            for last in range(first, len(DAY)):
                found = conn.execute(ACTIVE_SELLERS_SQL, [DAY[first], DAY[last]] * 2).fetchone()
                assert found is not None
                assert reach.active(DAY[first], DAY[last]) == found[0], (first, last)
    assert reach.active(DAY[1], DAY[6]) == 5
    assert reach.active(DAY[4], DAY[4]) == 1  # S3
    assert reach.active(DAY[7], DAY[7]) == 0  # after the data


def test_daily_rows_between_takes_the_days_of_the_range() -> None:
    rows: list[dict[str, Any]] = [{"date": DAY[i], "n": i} for i in (1, 2, 2, 4)]
    daily = DailyRows([DAY[i] for i in (1, 2, 2, 4)], rows)
    assert [r["n"] for r in daily.between(DAY[2], DAY[4])] == [2, 2, 4]
    assert daily.between(DAY[5], DAY[7]) == []
    assert [r["n"] for r in daily.between(DAY[0], DAY[1])] == [1]
