"""The warehouse's Dagster code location (see ``dagster_project.definitions``)."""

import warnings

# Every model asset uses a single-run backfill policy on purpose (docs/WAREHOUSE.md); Dagster
# marks the parameter beta and warned once per asset (20 lines at each start of a command).
warnings.filterwarnings(
    "ignore", message="Parameter `backfill_policy` of function `asset`", module="dagster"
)
