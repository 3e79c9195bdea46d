"""When the warehouse builds: a daily schedule, and a sensor on newly landed raw files."""

import time
from typing import Any

import dagster as dg

from dagster_project.jobs import AssetJob
from dagster_project.raw_landings import scan_raw_landings
from dagster_project.resources import WarehouseResource

MAX_RUNS_PER_TICK = 7
CLOCK_SLACK_SECONDS = 0.1


def daily_schedule(job: AssetJob) -> Any:  # a schedule definition (partitioned)
    """Build yesterday (Cairo) at 01:30, once its events have had time to arrive."""
    return dg.build_schedule_from_partitioned_job(
        job, name="warehouse_daily_schedule", hour_of_day=1, minute_of_hour=30
    )


def raw_files_sensor(job: AssetJob) -> dg.SensorDefinition:
    """Request a run for every day the sink landed raw files on since the last tick.

    ``dagster_project.raw_landings`` finds them: one stat per day directory, a listing of
    the changed ones, and only the sink's own files count (raw compaction's merges and
    deletions change a directory too, with nothing new to build). At most
    ``MAX_RUNS_PER_TICK`` days a tick, earliest landing first; the cursor stops before the
    days left, so the next tick takes them. The run key is the day and its newest landing:
    a day seen again with nothing new landed is not run again (Dagster runs a key once).
    """

    @dg.sensor(name="raw_files_sensor", job=job, minimum_interval_seconds=60)
    def _sensor(
        context: dg.SensorEvaluationContext, warehouse: WarehouseResource
    ) -> dg.SensorResult:
        since = float(context.cursor or 0)
        started = time.time()
        landings = scan_raw_landings(warehouse.layout(), since)
        days, cursor = landings.earliest(MAX_RUNS_PER_TICK)
        # a file landing during the scan may carry a time a little before ``started`` (file
        # times follow the kernel's coarse clock): the cursor stays behind the scan's start
        cursor = max(since, min(cursor, started - CLOCK_SLACK_SECONDS))
        return dg.SensorResult(
            run_requests=[
                dg.RunRequest(partition_key=day, run_key=f"{day}@{landed:.6f}")
                for day, landed in days
            ],
            cursor=repr(cursor),
        )

    return _sensor
