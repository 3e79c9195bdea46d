"""Materialise the warehouse for recent days from the command line, recorded in DAGSTER_HOME.

The runs land in the same Dagster instance the UI shows, so after ``souk dagster materialize``
the asset graph in the UI is green for those days.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import dagster as dg

from dagster_project.definitions import build_definitions
from dagster_project.instance import prepare_dagster_home
from souk.settings import Settings

log = logging.getLogger(__name__)

# Dagster's documented run tags for a single run over a partition range.
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"
# Dagster's console logger prints every step event at DEBUG; the command shows its own progress.
QUIET_RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def materialise_recent_days(settings: Settings, days: int) -> list[str]:
    """The daily job for yesterday (with the Postgres snapshots), then one backfill run over
    the ``days`` days up to yesterday; returns the run ids."""
    prepare_dagster_home(settings)
    yesterday: date = datetime.now(ZoneInfo(settings.warehouse_timezone)).date() - timedelta(1)
    first = yesterday - timedelta(days=days - 1)
    defs = build_definitions(settings)
    run_ids = []
    with dg.DagsterInstance.get() as instance:
        daily = defs.resolve_job_def("warehouse_daily_job")
        log.info("  daily job for %s", yesterday)
        result = daily.execute_in_process(
            instance=instance, partition_key=yesterday.isoformat(), run_config=QUIET_RUN_CONFIG
        )
        run_ids.append(result.run_id)
        if days > 1:
            backfill = defs.resolve_job_def("warehouse_backfill_job")
            log.info("  backfill job for %s … %s", first, yesterday)
            result = backfill.execute_in_process(
                instance=instance,
                run_config=QUIET_RUN_CONFIG,
                tags={RANGE_START_TAG: first.isoformat(), RANGE_END_TAG: yesterday.isoformat()},
            )
            run_ids.append(result.run_id)
    return run_ids
