"""The local Dagster instance (DAGSTER_HOME under the data dir) shared by the UI and the CLI."""

from __future__ import annotations

import os
from pathlib import Path

from souk.settings import Settings

DAGSTER_YAML = """\
telemetry:
  enabled: false
run_coordinator:
  module: dagster._core.run_coordinator.queued_run_coordinator
  class: QueuedRunCoordinator
  config:
    max_concurrent_runs: 2
"""


def prepare_dagster_home(settings: Settings) -> Path:
    """Create DAGSTER_HOME with its dagster.yaml, export it to this process, return it."""
    home = settings.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(DAGSTER_YAML)
    os.environ["DAGSTER_HOME"] = str(home)
    return home
