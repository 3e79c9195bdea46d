"""The sink is idempotent: a redelivered batch changes nothing downstream."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import polars as pl
import pytest

from tests.unit.warehouse.fixtures import records
from tests.unit.warehouse.scenario import DAY1, DAY2, first_batch
from warehouse.build import build_days
from warehouse.layout import WarehouseLayout, write_files_durably
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


def test_a_durable_batch_writes_the_same_files_as_one_written_file_by_file(
    tmp_path: Path,
) -> None:
    batch = records(first_batch())
    durable = WarehouseSink(WarehouseLayout(tmp_path / "d"), timezone="Africa/Cairo")
    plain = WarehouseSink(WarehouseLayout(tmp_path / "p"), timezone="Africa/Cairo", durable=False)
    written, expected = durable.write_batch(batch), plain.write_batch(batch)
    assert len(written.files) > 2  # several tables and days, fsync'd together
    assert [f.relative_to(tmp_path / "d") for f in written.files] == [
        f.relative_to(tmp_path / "p") for f in expected.files
    ]
    for mine, theirs in zip(written.files, expected.files, strict=True):
        assert (
            pl.read_parquet(mine)
            .drop("ingested_at")
            .equals(pl.read_parquet(theirs).drop("ingested_at"))
        )
    assert not list(tmp_path.rglob("*.tmp"))


def test_a_failed_durable_write_leaves_no_file_behind(tmp_path: Path) -> None:
    def fails(path: Path) -> None:
        path.write_bytes(b"half")
        raise OSError("disk full")

    files = [(tmp_path / "a" / "x.parquet", lambda p: p.write_bytes(b"x")),
             (tmp_path / "b" / "y.parquet", fails)]  # fmt: skip
    with ThreadPoolExecutor(2) as syncer, pytest.raises(OSError, match="disk full"):
        write_files_durably(files, syncer)
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]
