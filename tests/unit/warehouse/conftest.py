"""A warehouse built from the two-day scenario, shared by the mart and reader tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import polars as pl
import pytest

from tests.unit.warehouse.fixtures import records
from tests.unit.warehouse.scenario import DAY1, DAY2, first_batch, second_batch
from warehouse.build import build_days
from warehouse.layout import WarehouseLayout
from warehouse.marts_reader import MartsReader
from warehouse.serving import publish
from warehouse.sink import WarehouseSink


def sink_scenario(layout: WarehouseLayout) -> None:
    sink = WarehouseSink(layout, timezone="Africa/Cairo", durable=False)
    sink.write_batch(records(first_batch()))
    sink.write_batch(records(second_batch(), start_offset=100))


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> WarehouseLayout:
    layout = WarehouseLayout(tmp_path_factory.mktemp("warehouse"))
    sink_scenario(layout)
    build_days(layout, DAY1, DAY2)
    publish(layout)
    return layout


@pytest.fixture
def reader(built: WarehouseLayout) -> Iterator[MartsReader]:
    marts = MartsReader(built)
    yield marts
    marts.close()


def table(layout: WarehouseLayout, layer: str, name: str) -> pl.DataFrame:
    """Every partition of a table, in a stable order."""
    files = ", ".join(f"'{p}'" for p in layout.dated_files(layer, name))
    relation = duckdb.sql(f"SELECT * FROM read_parquet([{files}]) ORDER BY ALL")
    assert relation is not None
    frame: pl.DataFrame = relation.pl()
    return frame


def row(frame: pl.DataFrame, **where: object) -> dict[str, object]:
    matches = frame.filter(*[pl.col(k) == v for k, v in where.items()])
    assert matches.height == 1, f"{where}: {matches}"
    return matches.row(0, named=True)


__all__ = ["Path", "row", "table"]
