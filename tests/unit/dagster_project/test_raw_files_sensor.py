"""The raw-files sensor asks for a run when the sink lands files on a day, not when raw
compaction merges or deletes them, and never loses a day beyond its per-tick limit.

Dagster's daemon launches a run key once: "new" below means a key not requested before."""

from __future__ import annotations

import time
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import polars as pl

from dagster_project.automation import CLOCK_SLACK_SECONDS, MAX_RUNS_PER_TICK, raw_files_sensor
from dagster_project.jobs import warehouse_jobs
from dagster_project.raw_landings import RawLandings, scan_raw_landings
from dagster_project.resources import WarehouseResource
from tests.unit.warehouse.conftest import sink_scenario
from tests.unit.warehouse.scenario import DAY1, DAY2
from warehouse.layout import WarehouseLayout
from warehouse.raw_compaction import CompactionPolicy, compact_raw
from warehouse.raw_tables import BY_NAME


class SensorTicks:
    """The sensor evaluated tick after tick with its cursor, as the daemon does."""

    def __init__(self, warehouse_dir: Path) -> None:
        self.sensor = raw_files_sensor(warehouse_jobs()[0])
        self.warehouse = WarehouseResource(warehouse_dir=str(warehouse_dir))
        self.cursor: str | None = None
        self.launched: set[str] = set()

    def tick(self) -> list[str]:
        """The days of the runs this tick launches (sorted), after the clock slack."""
        time.sleep(CLOCK_SLACK_SECONDS * 1.5)
        with dg.build_sensor_context(resources={"warehouse": self.warehouse},
                                     cursor=self.cursor) as context:  # fmt: skip
            result = self.sensor(context)
        assert isinstance(result, dg.SensorResult)
        self.cursor = result.cursor
        new = [r for r in result.run_requests or [] if r.run_key not in self.launched]
        self.launched |= {str(r.run_key) for r in new}
        return sorted(str(r.partition_key) for r in new)


def land(layout: WarehouseLayout, table: str, day: date, name: str) -> None:
    """A sink file landing: written under a hidden name, renamed into place."""
    directory = layout.raw_date_dir(table, day)
    directory.mkdir(parents=True, exist_ok=True)
    pl.DataFrame({"event_id": [name]}).write_parquet(directory / f".{name}.tmp")
    (directory / f".{name}.tmp").rename(directory / f"{name}.parquet")


def test_compaction_merging_and_deleting_files_requests_no_run(tmp_path: Path) -> None:
    layout = WarehouseLayout(tmp_path)
    ticks = SensorTicks(tmp_path)
    assert ticks.tick() == []
    sink_scenario(layout)  # two sink files per table-day
    assert ticks.tick() == [DAY1.isoformat(), DAY2.isoformat()]
    assert ticks.tick() == []
    tables = [BY_NAME[name] for name in layout.raw_dates()]
    merged = compact_raw(layout, tables, [DAY1, DAY2], CompactionPolicy(min_files=2))
    assert sum(c.merged for c in merged) > 0
    assert ticks.tick() == []  # merged: the directories changed, nothing landed
    deleted = compact_raw(
        layout, tables, [DAY1, DAY2], CompactionPolicy(min_files=2, grace_seconds=0)
    )
    assert sum(len(c.removed) for c in deleted) > 0
    assert ticks.tick() == []  # the merged files deleted: nothing landed either
    land(layout, "searches", DAY2, "late-batch")
    assert ticks.tick() == [DAY2.isoformat()]
    assert ticks.tick() == []


def test_days_over_the_per_tick_limit_come_on_the_next_tick(tmp_path: Path) -> None:
    layout = WarehouseLayout(tmp_path)
    ticks = SensorTicks(tmp_path)
    days = [date(2026, 3, 1) + timedelta(days=n) for n in range(MAX_RUNS_PER_TICK + 3)]
    for n, day in enumerate(reversed(days)):  # the latest day lands first
        land(layout, "listing_views" if n % 2 else "searches", day, f"batch-{n}")
        time.sleep(0.02)  # landings a few clock ticks apart
    first = ticks.tick()
    assert len(first) == MAX_RUNS_PER_TICK
    assert first == sorted(d.isoformat() for d in days[-MAX_RUNS_PER_TICK:])  # earliest landed
    rest = ticks.tick()
    assert rest == sorted(d.isoformat() for d in days[:3])
    assert ticks.tick() == []


def test_a_landing_on_a_day_seen_before_is_a_new_run(tmp_path: Path) -> None:
    layout = WarehouseLayout(tmp_path)
    ticks = SensorTicks(tmp_path)
    land(layout, "searches", DAY1, "one")
    assert ticks.tick() == [DAY1.isoformat()]
    land(layout, "leads", DAY1, "two")  # another table of the same day
    assert ticks.tick() == [DAY1.isoformat()]
    assert ticks.tick() == []


def test_hidden_and_compacted_files_are_not_landings(tmp_path: Path) -> None:
    layout = WarehouseLayout(tmp_path)
    directory = layout.raw_date_dir("searches", DAY1)
    directory.mkdir(parents=True)
    (directory / ".batch.parquet.1234.tmp").write_bytes(b"being written")
    (directory / "compacted-abc.parquet").write_bytes(b"merged")
    found = scan_raw_landings(layout, since=0.0)
    assert found.landed == {}
    assert found.newest_change > 0
    land(layout, "searches", DAY1, "batch")
    assert list(scan_raw_landings(layout, since=0.0).landed) == [DAY1.isoformat()]


def test_the_cursor_stops_before_the_days_left() -> None:
    landings = RawLandings(since=10.0, newest_change=50.0,
                           landed={"2026-03-01": 40.0, "2026-03-02": 20.0, "2026-03-03": 30.0,
                                   "2026-03-04": 30.0})  # fmt: skip
    assert landings.earliest(10) == (sorted(landings.landed.items(), key=lambda i: i[1]), 50.0)
    taken, cursor = landings.earliest(2)  # a tie at the limit comes along
    assert taken == [("2026-03-02", 20.0), ("2026-03-03", 30.0), ("2026-03-04", 30.0)]
    assert cursor == 30.0
