"""The sink is idempotent: a redelivered batch changes nothing downstream."""

from __future__ import annotations

from pathlib import Path

import duckdb

from tests.unit.warehouse.fixtures import records
from tests.unit.warehouse.scenario import DAY1, DAY2, first_batch
from warehouse.build import build_days
from warehouse.layout import WarehouseLayout
from warehouse.sink import WarehouseSink


def fact_rows(layout: WarehouseLayout, name: str) -> list[tuple[object, ...]]:
    files = ", ".join(f"'{p}'" for p in layout.dated_files("facts", name))
    return duckdb.execute(f"SELECT * FROM read_parquet([{files}]) ORDER BY ALL").fetchall()


def test_the_same_batch_twice_rewrites_the_same_files(tmp_path: Path) -> None:
    layout = WarehouseLayout(tmp_path)
    sink = WarehouseSink(layout, timezone="Africa/Cairo", durable=False)
    first = sink.write_batch(records(first_batch()))
    again = sink.write_batch(records(first_batch()))
    assert sorted(first.files) == sorted(again.files)
    assert len(list(tmp_path.rglob("*.parquet"))) == len(first.files)
    assert not list(tmp_path.rglob("*.tmp"))


def test_redelivery_in_other_batches_leaves_the_facts_unchanged(tmp_path: Path) -> None:
    once, twice = WarehouseLayout(tmp_path / "once"), WarehouseLayout(tmp_path / "twice")
    batch = records(first_batch())
    WarehouseSink(once, timezone="Africa/Cairo", durable=False).write_batch(batch)
    sink = WarehouseSink(twice, timezone="Africa/Cairo", durable=False)
    sink.write_batch(batch)
    sink.write_batch(batch[3:9])  # redelivered with other boundaries: new file names
    sink.write_batch(batch[::2])
    build_days(once, DAY1, DAY2)
    build_days(twice, DAY1, DAY2)
    for fact in ("fct_searches", "agg_listing_impressions", "fct_listing_views", "fct_leads",
                 "fct_listing_status_changes"):  # fmt: skip
        assert fact_rows(once, fact) == fact_rows(twice, fact), fact
    assert fact_rows(twice, "fct_searches")


def test_an_empty_batch_writes_nothing(tmp_path: Path) -> None:
    report = WarehouseSink(WarehouseLayout(tmp_path), timezone="Africa/Cairo").write_batch([])
    assert report.written == 0
    assert not list(tmp_path.rglob("*"))
