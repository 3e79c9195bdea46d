"""When the warehouse builds: a daily schedule, and a sensor on newly landed raw files."""

from typing import Any

import dagster as dg

from dagster_project.jobs import AssetJob
from dagster_project.resources import WarehouseResource

MAX_RUNS_PER_TICK = 7


def daily_schedule(job: AssetJob) -> Any:  # a schedule definition (partitioned)
    """Build yesterday (Cairo) at 01:30, once its events have had time to arrive."""
    return dg.build_schedule_from_partitioned_job(
        job, name="warehouse_daily_schedule", hour_of_day=1, minute_of_hour=30
    )


def raw_files_sensor(job: AssetJob) -> dg.SensorDefinition:
    """Request a run for every day whose raw directory changed since the last tick.

    A file renamed into ``raw/<table>/date=D/`` updates that directory's mtime, so one stat
    per directory finds new data without listing files. The cursor is the newest mtime seen.
    """

    @dg.sensor(name="raw_files_sensor", job=job, minimum_interval_seconds=60)
    def _sensor(
        context: dg.SensorEvaluationContext, warehouse: WarehouseResource
    ) -> dg.SensorResult:
        since = float(context.cursor or 0)
        raw = warehouse.layout().raw_dir
        changed: dict[str, float] = {}
        if raw.is_dir():
            for day_dir in raw.glob("*/date=*"):
                mtime = day_dir.stat().st_mtime
                if mtime > since:
                    day = day_dir.name.removeprefix("date=")
                    changed[day] = max(mtime, changed.get(day, 0.0))
        days = sorted(changed)[-MAX_RUNS_PER_TICK:]
        newest = max((changed[d] for d in days), default=since)
        return dg.SensorResult(
            run_requests=[
                dg.RunRequest(partition_key=day, run_key=f"{day}@{changed[day]:.6f}")
                for day in days
            ],
            cursor=str(max(newest, since)),
        )

    return _sensor
