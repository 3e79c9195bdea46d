"""The dashboards' reader: the warehouse's :class:`MartsReader` plus plain-row queries.

The dashboards' queries live in ``seller_queries`` and ``market_queries`` and run through
:meth:`rows` (plain tuples: a few milliseconds cheaper per query than Polars frames), on
the same read-only connection to the published marts; ``derived`` reads the summary tables
published with them for the slow questions; ``remembered`` keeps the admin's market answers
per published version (``market_answers``). Nothing here writes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from api.analytics.derived import DerivedModels
from api.analytics.market_answers import MarketAnswers
from warehouse.layout import WarehouseLayout
from warehouse.marts_reader import MartsReader, WarehouseNotReadyError
from warehouse.serving import current_version

__all__ = ["AnalyticsReader", "WarehouseNotReadyError"]
Answer = TypeVar("Answer")


class AnalyticsReader(MartsReader):
    def __init__(self, layout: WarehouseLayout, *, market_answers: int = 256) -> None:
        super().__init__(layout)
        self.derived = DerivedModels(layout)
        self.market_answers = MarketAnswers(size=market_answers)
        self._through_lock = threading.Lock()
        self._through: tuple[Path, date | None] | None = None

    def rows(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        """Run a read-only query on the published marts (tables named as in serving.py);
        plain rows as dicts: cheaper than Polars frames for the few rows a dashboard needs."""
        cursor = self._cursor()
        try:
            cursor.execute(sql, params or [])
            names = [d[0] for d in cursor.description or []]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        finally:
            cursor.close()

    def remembered(self, key: Hashable, compute: Callable[[], Answer]) -> Answer:
        """``compute()``'s answer for ``key`` on the served version, computed once per version
        (see ``market_answers``); for answers that depend only on the marts and ``key``."""
        version = current_version(self.layout)
        if version is None:
            raise WarehouseNotReadyError("no marts published yet: run `souk warehouse build`")
        return self.market_answers.answer(version, key, compute)

    def close(self) -> None:
        self.derived.close()
        super().close()

    def data_through(self) -> date | None:
        """The last day the published marts have seller metrics for (None: no activity
        yet); remembered per published version."""
        version = current_version(self.layout)
        if version is None:
            raise WarehouseNotReadyError("no marts published yet: run `souk warehouse build`")
        with self._through_lock:
            if self._through is not None and self._through[0] == version:
                return self._through[1]
        last = self.rows("SELECT max(date) AS last FROM seller_daily_metrics")[0]["last"]
        with self._through_lock:
            self._through = (version, last)
        return last if isinstance(last, date) else None

    def fact_files(self, table: str, days: list[date]) -> list[Path]:
        """The staged fact partitions of ``table`` for ``days`` (read-only Parquet)."""
        return self.layout.dated_files("facts", table, days)
