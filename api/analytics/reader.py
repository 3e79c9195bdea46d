"""The dashboards' reader: the warehouse's :class:`MartsReader` plus a public ``frame``.

The warehouse's read API covers most charts; the few queries it lacks (a seller's search
terms, supply and demand by make and governorate, price trends of the busiest segments)
live in ``seller_queries`` and ``market_queries`` and run through :meth:`frame`, on the
same read-only connection to the published marts. Nothing here writes.
"""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from warehouse.layout import WarehouseLayout
from warehouse.marts_reader import MartsReader, WarehouseNotReadyError
from warehouse.serving import current_version

__all__ = ["AnalyticsReader", "WarehouseNotReadyError"]


class AnalyticsReader(MartsReader):
    def __init__(self, layout: WarehouseLayout) -> None:
        super().__init__(layout)
        self._through_lock = threading.Lock()
        self._through: tuple[Path, date | None] | None = None

    def frame(self, sql: str, params: list[Any] | None = None) -> pl.DataFrame:
        """Run a read-only query on the published marts (tables named as in serving.py)."""
        return self._frame(sql, params or [])

    def data_through(self) -> date | None:
        """The last day the published marts have seller metrics for (None: no activity
        yet); remembered per published version."""
        version = current_version(self.layout)
        if version is None:
            raise WarehouseNotReadyError("no marts published yet: run `souk warehouse build`")
        with self._through_lock:
            if self._through is not None and self._through[0] == version:
                return self._through[1]
        last = self.frame("SELECT max(date) AS last FROM seller_daily_metrics")["last"][0]
        with self._through_lock:
            self._through = (version, last)
        return last if isinstance(last, date) else None

    def fact_files(self, table: str, days: list[date]) -> list[Path]:
        """The staged fact partitions of ``table`` for ``days`` (read-only Parquet)."""
        return self.layout.dated_files("facts", table, days)
