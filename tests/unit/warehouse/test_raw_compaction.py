"""Raw compaction: a table-day's many sink files merged into one change no fact or mart.

The scenario is sunk one record per batch (one file per record, as at a quiet hour), so that
every table-day has several files; its redelivered events stay in it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from souk.settings import Settings
from tests.unit.warehouse.conftest import table
from tests.unit.warehouse.fixtures import records
from tests.unit.warehouse.scenario import DAY1, DAY2, first_batch, second_batch
from warehouse.build import DAILY_MODELS, BuildConfig, build_days
from warehouse.cli import warehouse_app
from warehouse.decoding import IncomingRecord
from warehouse.layout import COMPACTED_PREFIX, WarehouseLayout, compacted_inputs
from warehouse.raw_compaction import CompactionPolicy, compact_raw, compact_raw_day
from warehouse.raw_tables import BY_NAME
from warehouse.sink import WarehouseSink

NEVER = CompactionPolicy(min_files=1_000_000)
AT_ONCE = CompactionPolicy(min_files=2, grace_seconds=900)
DAYS = [DAY1, DAY2]


# Once for the module: the scenario's events get new ids each time it is made.
FIRST, SECOND = records(first_batch()), records(second_batch(), start_offset=100)


def scenario_records() -> list[IncomingRecord]:
    return FIRST + SECOND


def sink_one_by_one(layout: WarehouseLayout, batches: Sequence[Sequence[IncomingRecord]]) -> None:
    sink = WarehouseSink(layout, timezone="Africa/Cairo", durable=False)
    for batch in batches:
        sink.write_batch(batch)


def singles(rows: Sequence[IncomingRecord]) -> list[list[IncomingRecord]]:
    return [[r] for r in rows]


def every_model(layout: WarehouseLayout) -> dict[str, pl.DataFrame]:
    return {m.name: table(layout, m.layer, m.name) for m in DAILY_MODELS}


def assert_same_models(got: WarehouseLayout, expected: WarehouseLayout) -> None:
    mine, theirs = every_model(got), every_model(expected)
    for name, frame in theirs.items():
        assert frame.height > 0 or name.startswith("fct_order"), name
        assert mine[name].equals(frame), name


@pytest.fixture(scope="module")
def uncompacted(tmp_path_factory: pytest.TempPathFactory) -> WarehouseLayout:
    """The scenario built from its small files, never compacted: what every build must equal."""
    layout = WarehouseLayout(tmp_path_factory.mktemp("uncompacted"))
    sink_one_by_one(layout, singles(scenario_records()))
    build_days(layout, DAY1, DAY2, BuildConfig(compaction=NEVER))
    assert len(layout.raw_files("searches", DAY1)) >= 3
    return layout


def test_a_build_merges_each_table_day_into_one_file_and_builds_the_same(
    tmp_path: Path, uncompacted: WarehouseLayout
) -> None:
    layout = WarehouseLayout(tmp_path)
    sink_one_by_one(layout, singles(scenario_records()))
    before = {(t, d): layout.raw_files(t, d) for t in layout.raw_dates() for d in DAYS}
    build_days(layout, DAY1, DAY2, BuildConfig(compaction=AT_ONCE))
    for (name, day), files in before.items():
        now = layout.raw_files(name, day)
        if len(files) < 2:
            assert now == files, (name, day)
            continue
        assert len(now) == 1, (name, day)
        assert now[0].name.startswith(COMPACTED_PREFIX), (name, day)
        assert compacted_inputs(now[0]) == tuple(sorted(p.name for p in files))
        assert all(p.exists() for p in files)  # kept through the grace period
    assert_same_models(layout, uncompacted)


def test_merged_files_are_deleted_after_the_grace_period_only(tmp_path: Path) -> None:
    layout = WarehouseLayout(tmp_path)
    sink_one_by_one(layout, singles(scenario_records()))
    searches = BY_NAME["searches"]
    inputs = layout.raw_files("searches", DAY1)
    merged = compact_raw_day(layout, searches, DAY1, AT_ONCE)
    assert (merged.merged, merged.removed) == (len(inputs), [])
    compacted = layout.raw_files("searches", DAY1)
    assert layout.raw_files("searches", DAY1, merged_too=True) == sorted([*inputs, *compacted])
    soon = compact_raw_day(layout, searches, DAY1, AT_ONCE, now=time.time() + 899)
    assert (soon.merged, soon.removed) == (0, [])  # one file now: nothing to merge either
    assert all(p.exists() for p in inputs)
    later = compact_raw_day(layout, searches, DAY1, AT_ONCE, now=time.time() + 901)
    assert sorted(later.removed) == sorted(p.name for p in inputs)
    assert not any(p.exists() for p in inputs)
    assert layout.raw_files("searches", DAY1) == compacted


def test_a_second_compaction_takes_in_the_first_and_the_files_since(
    tmp_path: Path, uncompacted: WarehouseLayout
) -> None:
    layout = WarehouseLayout(tmp_path)
    sink_one_by_one(layout, singles(FIRST))
    compact_raw(layout, [BY_NAME["searches"]], DAYS, AT_ONCE)
    (earlier,) = layout.raw_files("searches", DAY1)
    sink_one_by_one(layout, singles(SECOND))  # redelivers a day-1 search: a new file
    arrived = [p for p in layout.raw_files("searches", DAY1) if p != earlier]
    assert arrived
    compact_raw(layout, [BY_NAME["searches"]], DAYS, AT_ONCE)
    (latest,) = layout.raw_files("searches", DAY1)
    assert compacted_inputs(latest) == tuple(sorted(p.name for p in [earlier, *arrived]))
    later = time.time() + 1e4
    removed = compact_raw_day(layout, BY_NAME["searches"], DAY1, AT_ONCE, now=later).removed
    assert earlier.name in removed
    assert not earlier.exists()
    assert layout.raw_files("searches", DAY1) == [latest]
    build_days(layout, DAY1, DAY2, BuildConfig(compaction=AT_ONCE))
    assert_same_models(layout, uncompacted)


def test_batches_delivered_again_after_their_files_were_deleted_count_once(
    tmp_path: Path, uncompacted: WarehouseLayout
) -> None:
    layout = WarehouseLayout(tmp_path)
    everything = scenario_records()
    sink_one_by_one(layout, singles(everything))
    build_days(layout, DAY1, DAY2, BuildConfig(compaction=AT_ONCE))
    compact_raw(layout, [BY_NAME[t] for t in layout.raw_dates()], DAYS,
                CompactionPolicy(min_files=2, grace_seconds=0))  # fmt: skip
    compacted = {t: [layout.raw_files(t, d) for d in DAYS] for t in layout.raw_dates()}
    # The same batches again: same names, which the compacted files name (left out) ...
    sink_one_by_one(layout, singles(everything[:5]))
    assert {t: [layout.raw_files(t, d) for d in DAYS] for t in layout.raw_dates()} == compacted
    # ... and batched differently: new files, whose events staging keeps once.
    sink_one_by_one(layout, [everything[:5], everything[5:]])
    assert len(layout.raw_files("searches", DAY1)) > 1
    build_days(layout, DAY1, DAY2, BuildConfig(compaction=NEVER))
    assert_same_models(layout, uncompacted)


def test_a_table_day_with_fewer_files_than_the_minimum_is_left_alone(tmp_path: Path) -> None:
    layout = WarehouseLayout(tmp_path)
    sink_one_by_one(layout, singles(scenario_records()))
    files = layout.raw_files("searches", DAY1)
    policy = CompactionPolicy(min_files=len(files) + 1)
    assert compact_raw_day(layout, BY_NAME["searches"], DAY1, policy).merged == 0
    assert layout.raw_files("searches", DAY1) == files
    policy = CompactionPolicy(min_files=len(files))
    assert compact_raw_day(layout, BY_NAME["searches"], DAY1, policy).merged == len(files)


def test_older_files_without_a_derived_column_are_merged_with_it_computed(
    tmp_path: Path,
) -> None:
    layout = WarehouseLayout(tmp_path)
    sink_one_by_one(layout, singles(scenario_records()))
    files = layout.raw_files("searches", DAY1)
    older = files[0]
    frame = pl.read_parquet(older)
    expected = dict(zip(frame["event_id"], frame["results_count"], strict=True))
    frame.drop("results_count").write_parquet(older)
    compact_raw_day(layout, BY_NAME["searches"], DAY1, AT_ONCE)
    (compacted,) = layout.raw_files("searches", DAY1)
    merged = pl.read_parquet(compacted)
    assert merged.height == sum(pl.read_parquet(p).height for p in files)
    counts = dict(zip(merged["event_id"], merged["results_count"], strict=True))
    assert all(counts[event] == n for event, n in expected.items())
    assert "filename" not in merged.columns
    assert "date" not in merged.columns


def test_building_a_day_deletes_what_was_merged_for_the_day_before(tmp_path: Path) -> None:
    layout = WarehouseLayout(tmp_path)
    sink_one_by_one(layout, singles(scenario_records()))
    inputs = layout.raw_files("searches", DAY1)
    compact_raw(layout, [BY_NAME["searches"]], [DAY1], AT_ONCE)
    compacted = layout.raw_files("searches", DAY1)
    assert all(p.exists() for p in inputs)
    no_grace = CompactionPolicy(min_files=2, grace_seconds=0)
    done = compact_raw(layout, [BY_NAME["searches"]], [DAY2], no_grace)
    assert sorted(name for c in done if c.day == DAY1 for name in c.removed) == sorted(
        p.name for p in inputs
    )
    assert not any(p.exists() for p in inputs)
    assert layout.raw_files("searches", DAY1) == compacted


def test_the_compact_command_merges_and_status_shows_the_files_awaiting_deletion(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOUK_DATA_DIR", str(tmp_path))
    layout = WarehouseLayout(Settings().warehouse_dir)
    sink_one_by_one(layout, singles(scenario_records()))
    per_day = [len(layout.raw_files("searches", day)) for day in DAYS]
    runner = CliRunner()
    merged = runner.invoke(warehouse_app, ["compact", "--start", str(DAY1), "--end", str(DAY2),
                                           "--min-files", "2"])  # fmt: skip
    assert merged.exit_code == 0, merged.output
    assert "table-days merged" in merged.output
    assert len(layout.raw_files("searches", DAY1)) == 1
    status = runner.invoke(warehouse_app, ["status"])
    assert status.exit_code == 0, status.output
    (line,) = [s for s in status.output.splitlines() if "raw/searches " in s]
    waiting = sum(n for n in per_day if n >= 2)
    assert waiting > 0
    assert f"(+{waiting} merged, deleted after the grace period)" in line
