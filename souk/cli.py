"""``souk``: the platform's command line."""

from __future__ import annotations

import subprocess
import sys

import typer

from api.cli import api_app
from api.events_cli import events_app
from benchmarks.report.cli import benchmarks_app
from core.cli import db_app
from dagster_project.cli import dagster_app
from demo_market.cli import demo_app
from local_services import stack
from local_services.service import ServiceStatus
from notifications.cli import notifications_app
from pipelines.cli import relay_app
from search.cli import search_app
from souk.errors import SoukError
from souk.logs import configure_logging
from souk.settings import load_settings
from streams.cli import streams_app
from warehouse.cli import warehouse_app

app = typer.Typer(help="Souk El-Syarat data platform.", no_args_is_help=True)
services_app = typer.Typer(
    help="Local PostgreSQL, Kafka and Elasticsearch on 127.0.0.1.", no_args_is_help=True
)
app.add_typer(services_app, name="services")
app.add_typer(db_app, name="db")
app.add_typer(api_app, name="api")
app.add_typer(events_app, name="events")
app.add_typer(streams_app, name="streams")
app.add_typer(search_app, name="search")
app.add_typer(relay_app, name="relay")
app.add_typer(demo_app, name="demo")
app.add_typer(warehouse_app, name="warehouse")
app.add_typer(dagster_app, name="dagster")
app.add_typer(benchmarks_app, name="benchmarks")
app.add_typer(notifications_app, name="notifications")

SERVICE_NAMES = ["postgres", "kafka", "elasticsearch"]


def _print_table(rows: list[ServiceStatus]) -> None:
    typer.echo(f"{'service':<15}{'state':<11}{'version':<12}{'pid':<9}address")
    for row in rows:
        state = "healthy" if row.healthy else ("starting" if row.running else "stopped")
        typer.echo(f"{row.name:<15}{state:<11}{row.version:<12}{row.pid or '-'!s:<9}{row.address}")


@services_app.command("up")
def services_up(
    only: list[str] = typer.Option(  # noqa: B008
        None, "--only", help="Start just these services (repeatable)."
    ),
) -> None:
    """Install (cached) and start the services; returns once every one is healthy."""
    settings = load_settings()
    configure_logging(settings.log_level, json_lines=settings.log_json, plain=not settings.log_json)
    try:
        rows = stack.up(settings, only)
    except SoukError as exc:
        typer.secho(str(exc), fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from exc
    _print_table(rows)
    typer.echo(f"data and logs: {settings.data_dir}")
    if not all(row.healthy for row in rows):
        raise typer.Exit(1)


@services_app.command("down")
def services_down() -> None:
    """Stop the services this checkout started (by pid file)."""
    stopped = stack.down(load_settings())
    typer.echo("stopped: " + (", ".join(stopped) if stopped else "nothing was running"))


@services_app.command("status")
def services_status(
    check: bool = typer.Option(False, "--check", help="Exit 1 unless every service is healthy."),
) -> None:
    """Show each service with its state, version, pid and address."""
    rows = stack.status(load_settings())
    _print_table(rows)
    if check and not all(row.healthy for row in rows):
        raise typer.Exit(1)


@services_app.command("logs")
def services_logs(
    name: str = typer.Argument(..., help="postgres, kafka or elasticsearch"),
    lines: int = typer.Option(50, "--lines", "-n", help="How many lines to show."),
    follow: bool = typer.Option(False, "--follow", "-f", help="Keep printing new lines."),
) -> None:
    """Tail a service's log."""
    if name not in SERVICE_NAMES:
        typer.secho(f"unknown service {name!r}; one of {', '.join(SERVICE_NAMES)}", err=True)
        raise typer.Exit(2)
    log = stack.service_named(load_settings(), name).log_file
    args = ["tail", f"-n{lines}", *(["-F"] if follow else []), str(log)]
    sys.exit(subprocess.call(args))


if __name__ == "__main__":
    app()
