"""Materialise the warehouse for recent days from the command line, recorded in DAGSTER_HOME.

The runs land in the same Dagster instance the UI shows, so after ``souk dagster materialize``
the asset graph in the UI is green for those days.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import dagster as dg

from dagster_project.definitions import build_definitions
from dagster_project.instance import hold_connections, prepare_dagster_home
from souk.settings import Settings

log = logging.getLogger(__name__)

# Dagster's documented run tags for a single run over a partition range.
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"
# Dagster's console logger prints every step event at DEBUG; the command shows its own progress.
QUIET_RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def materialise_recent_days(
    settings: Settings,
    days: int,
    *,
    until: date | None = None,
    resources: dict[str, Any] | None = None,
) -> str:
    """One run of the daily job over the ``days`` days up to ``until`` (default yesterday):
    the Postgres snapshots once, each day's staging, dimensions and marts once, in day order,
    and one publication at the end; returns the run id."""
    prepare_dagster_home(settings)
    last = until or datetime.now(ZoneInfo(settings.warehouse_timezone)).date() - timedelta(1)
    first = last - timedelta(days=days - 1)
    daily = build_definitions(settings, resources).resolve_job_def("warehouse_daily_job")
    log.info("  daily job for %s … %s", first, last)
    with dg.DagsterInstance.get() as instance:
        result = daily.execute_in_process(
            instance=hold_connections(instance),
            run_config=QUIET_RUN_CONFIG,
            tags={RANGE_START_TAG: first.isoformat(), RANGE_END_TAG: last.isoformat()},
        )
    return result.run_id
