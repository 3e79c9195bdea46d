"""`souk demo`: bring up the whole platform with a generated market, or stop it."""

from __future__ import annotations

import json
import logging
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import typer

from local_services import stack
from souk.logs import configure_logging
from souk.settings import Settings, load_settings

# The core, the loader and the clients are imported by the commands that use them: every
# `souk` command imports this module.
log = logging.getLogger(__name__)
demo_app = typer.Typer(help="The platform with a demo market, end to end.", no_args_is_help=True)


def _progress(label: str) -> Callable[[int, int], None]:
    last = [0.0]

    def report(done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] > 2 or done == total:
            last[0] = now
            log.info("  %s: %d / %d (%.0f%%)", label, done, total, 100 * done / max(total, 1))

    return report


def _database_is_empty(settings: Settings) -> bool:
    import psycopg

    with psycopg.connect(settings.postgres_dsn) as conn:
        row = conn.execute("SELECT count(*) FROM listings").fetchone()
    return row is None or row[0] == 0


def _search_hits(settings: Settings, query: str) -> int:
    url = f"http://{settings.api_host}:{settings.api_port}/search?" + urllib.parse.urlencode(
        {"q": query, "size": 5}
    )
    with urllib.request.urlopen(url, timeout=10) as response:
        return int(json.load(response)["total"])


@demo_app.command("up")
def demo_up(
    listings: int = typer.Option(10_000, min=100, max=1_000_000, help="Listings to generate."),
    days: int = typer.Option(14, min=1, max=365, help="Days of buyer history to simulate."),
    listed_over: int = typer.Option(
        30, min=1, max=365, help="Days before that history over which the listings went up."
    ),
    searches_per_day: int = typer.Option(1_500, min=0, help="Simulated searches per day."),
    seed: int = typer.Option(2026, help="Seed: the same seed gives the same market."),
) -> None:
    """Start services, relay, workers, API and Dagster UI; load a demo market; print URLs."""
    import psycopg

    from demo_market.activity import simulate_activity
    from demo_market.loader import ADMIN_EMAIL, DEMO_PASSWORD, load_market
    from demo_market.platform import platform_processes, souk, wait_for_catalog

    settings = load_settings()
    configure_logging(settings.log_level, plain=True)
    started = time.monotonic()
    stack.up(settings)
    souk("db", "migrate")
    souk("relay", "topics")
    souk("search", "create-index")
    processes = {p.name: p for p in platform_processes(settings)}
    for name in ("relay", "streams-worker", "api"):
        processes[name].start(settings)
    if _database_is_empty(settings):
        log.info("→ generating a market of %d listings (seed %d)", listings, seed)
        market = load_market(
            settings, seed=seed, listings=listings, buyers=max(listings // 20, 50),
            published_before=datetime.now(UTC) - timedelta(days=days + 1),
            publication_days=listed_over,
            progress=_progress("listings written"),
        )  # fmt: skip
        log.info("  done in %.1fs", market.seconds)
        log.info("→ simulating %d days of buyers", days)
        activity = simulate_activity(
            settings, market, days=days, searches_per_day=searches_per_day, seed=seed,
            progress=_progress("days simulated"),
        )  # fmt: skip
        log.info("  %s", activity)
    else:
        log.info("✓ the database already holds a market; keeping it")
    with psycopg.connect(settings.postgres_dsn) as conn:
        row = conn.execute("SELECT count(*) FROM listings WHERE status <> 'draft'").fetchone()
        dealer = conn.execute(
            "SELECT u.email FROM sellers s JOIN users u ON u.id = s.user_id "
            "JOIN listings l ON l.seller_id = s.id WHERE s.seller_type = 'dealer' "
            "GROUP BY u.email ORDER BY count(*) DESC, u.email LIMIT 1"
        ).fetchone()
    expected = int(row[0]) if row else 0
    seller_email = str(dealer[0]) if dealer else "(no dealer)"
    log.info("→ waiting for the catalog index to catch up")
    wait_for_catalog(settings, expected)
    log.info("→ building the warehouse marts once")
    # Every day since the first listing went up: the dimensions of a day replay all earlier days.
    souk("dagster", "materialize", "--days", str(days + listed_over + 2))
    processes["dagster-ui"].start(settings)
    for query in ("تويوتا كورولا", "toyota corolla"):
        log.info("  search %r: %d hits", query, _search_hits(settings, query))
    api = f"http://{settings.api_host}:{settings.api_port}"
    typer.echo(
        f"\nSouk El-Syarat is up ({time.monotonic() - started:.0f}s):\n"
        f"  search page          {api}/\n"
        f"  search API docs      {api}/docs\n"
        f"  seller dashboard     {api}/dashboards/seller\n"
        f"  market dashboard     {api}/dashboards/market (admin)\n"
        f"  Dagster UI           http://127.0.0.1:{settings.dagster_port}/\n"
        f"  demo logins          {seller_email} (dealer), {ADMIN_EMAIL} (admin), "
        f"buyer0@demo.souk.eg (buyer); password {DEMO_PASSWORD}\n"
        f"  stop                 ./dev down\n"
    )


@demo_app.command("down")
def demo_down() -> None:
    """Stop the platform processes and the services this checkout started."""
    from demo_market.platform import stop_platform

    settings = load_settings()
    stopped = stop_platform(settings)
    typer.echo("stopped: " + (", ".join(stopped) if stopped else "nothing was running"))


@demo_app.command("status")
def demo_status() -> None:
    """Show which platform processes are running."""
    from demo_market.platform import platform_processes

    settings = load_settings()
    for process in platform_processes(settings):
        state = "running" if process.running(settings) else "stopped"
        typer.echo(f"{process.name:<16}{state:<10}log: {process.log_file(settings)}")
