"""``souk dagster``: the Dagster UI and daemon with the warehouse's code location."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import typer

from dagster_project.instance import prepare_dagster_home
from souk.settings import load_settings

dagster_app = typer.Typer(
    help="Dagster: warehouse assets, checks, schedules.", no_args_is_help=True
)


@dagster_app.command("dev")
def dev(
    port: int | None = typer.Option(None, help="UI port (default: SOUK_DAGSTER_PORT)."),
) -> None:
    """Serve the Dagster UI on 127.0.0.1 with the daemon (schedules, sensors) running."""
    settings = load_settings()
    home = prepare_dagster_home(settings)
    command = [
        sys.executable, "-m", "dagster", "dev", "-m", "dagster_project.definitions",
        "-h", "127.0.0.1", "-p", str(port or settings.dagster_port),
    ]  # fmt: skip
    env = os.environ | {"DAGSTER_HOME": str(home)}
    typer.echo(f"Dagster UI on http://127.0.0.1:{port or settings.dagster_port} (home {home})")
    raise typer.Exit(subprocess.call(command, env=env))


@dagster_app.command("materialize")
def materialize(
    days: int = typer.Option(14, min=1, max=3650, help="How many days up to yesterday."),
) -> None:
    """Build the warehouse for recent days now (runs recorded in the Dagster instance)."""
    from dagster_project.materialize import materialise_recent_days
    from souk.logs import configure_logging

    settings = load_settings()
    configure_logging(settings.log_level, plain=True)
    # Dagster creates its PostgreSQL tables through Alembic on first use: a dozen INFO lines
    logging.getLogger("alembic").setLevel(logging.WARNING)
    run = materialise_recent_days(settings, days)
    typer.echo(f"materialised {days} day(s) in run {run}")
