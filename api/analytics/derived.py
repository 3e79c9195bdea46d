"""The dashboards' summary tables in the served marts version (``warehouse.summaries``).

Some questions are slow against the marts themselves: a seller's search terms (only the
staged result clicks know them) and the market's figures by day, make and governorate (a
scan of every seller-day and listing-day). Publication writes small summaries of them into
each marts version: ``seller_search_terms`` (indexed by seller), ``market_supply_daily``,
``market_totals_daily`` and ``market_seller_reach`` (the active sellers of any range). This
module opens the served version's summaries read-only; for a version published without them
(an older build) callers get ``None`` and run the same (or equivalent) SQL on the marts.
"""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from api.analytics import market_days
from api.analytics.market_days import MarketDays
from warehouse.layout import WarehouseLayout
from warehouse.serving import current_version
from warehouse.summaries import (
    ACTIVE_SELLERS_SQL,
    MARKET_SUMMARIES,
    SELLER_TERMS_SQL,
    TERMS_DAYS,
    market_supply_sql,
    market_totals_sql,
    terms_first_day,
)

__all__ = ["ACTIVE_SELLERS_SQL", "SELLER_TERMS_SQL", "TERMS_DAYS", "DerivedModels",
           "market_supply_sql", "market_totals_sql"]  # fmt: skip
SUMMARIES = {*MARKET_SUMMARIES, "seller_search_terms"}
_Opened = tuple[Path, duckdb.DuckDBPyConnection | None, date | None, MarketDays | None]


class DerivedModels:
    def __init__(self, layout: WarehouseLayout, *, enabled: bool = True) -> None:
        self.layout = layout
        self.enabled = enabled  # False: always answer from the marts themselves
        self._lock = threading.Lock()
        # the served version, its connection (None: no summaries), the terms' first day and
        # the market's daily summaries read into memory
        self._opened: _Opened | None = None

    def ready(self) -> tuple[duckdb.DuckDBPyConnection, date | None] | None:
        """The summaries of the version being served, with the first day the seller search
        terms cover (None: every day); None when that version has no summaries."""
        opened = self._current()
        if opened is None or opened[1] is None:
            return None
        return opened[1], opened[2]

    def market(self) -> MarketDays | None:
        """The served version's daily market summaries in memory (None: no summaries)."""
        opened = self._current()
        return None if opened is None else opened[3]

    def _current(self) -> _Opened | None:
        version = current_version(self.layout) if self.enabled else None
        if version is None:
            return None
        with self._lock:
            if self._opened is None or self._opened[0] != version:
                previous, self._opened = self._opened, self._open(version)
                if previous is not None and previous[1] is not None:
                    previous[1].close()
            return self._opened

    def build_now(self) -> None:
        """Open the served version's summaries now (tests, warm-up)."""
        self.ready()

    def rows(self, sql: str, params: list[Any]) -> list[dict[str, Any]] | None:
        ready = self.ready()
        if ready is None:
            return None
        cursor = ready[0].cursor()
        try:
            cursor.execute(sql, params)
            names = [d[0] for d in cursor.description or []]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        finally:
            cursor.close()

    def terms_from(self) -> date | None:
        ready = self.ready()
        return ready[1] if ready is not None else None

    @staticmethod
    def _open(version: Path) -> _Opened:
        try:
            conn = duckdb.connect(str(version), read_only=True)
        except duckdb.IOException:  # pruned meanwhile: the marts path resolves again
            return version, None, None, None
        conn.execute("SET threads = 1")
        listed = conn.execute("SELECT table_name FROM duckdb_tables()").fetchall()
        if not {row[0] for row in listed} >= SUMMARIES:
            conn.close()
            return version, None, None, None
        found = conn.execute("SELECT max(date) FROM seller_daily_metrics").fetchone()
        last = found[0] if found and isinstance(found[0], date) else None
        return version, conn, terms_first_day(last), market_days.load(conn)

    def close(self) -> None:
        with self._lock:
            opened, self._opened = self._opened, None
        if opened is not None and opened[1] is not None:
            opened[1].close()
