"""``souk relay``: run the change-stream relay, create its topics, show its slot."""

from __future__ import annotations

import asyncio
import json
import signal

import typer

from souk.logs import configure_logging
from souk.settings import Settings, load_settings

# The relay, psycopg and aiokafka are imported by the commands that use them: every `souk`
# command imports this module.
relay_app = typer.Typer(
    help="The change-stream relay: PostgreSQL logical replication (wal2json) to Kafka.",
    no_args_is_help=True,
)


@relay_app.command("run")
def run(
    create_topics: bool = typer.Option(
        True, "--create-topics/--no-create-topics", help="Declare the topics before starting."
    ),
) -> None:
    """Relay changes to Kafka until SIGINT or SIGTERM (the first start snapshots every row).

    While Kafka is unavailable the relay starts again from its confirmed LSN after a back-off.

    Configured by SOUK_POSTGRES_*, SOUK_KAFKA_* and SOUK_RELAY_* (slot, topic prefix, ...).
    """
    import psycopg
    from aiokafka.errors import KafkaError

    from pipelines.relay.errors import RelayError
    from souk.tracing import configure_tracing

    settings = load_settings()
    configure_logging(settings.log_level, json_lines=settings.log_json)
    configure_tracing(settings, "souk-relay")
    try:
        asyncio.run(_run(settings, create_topics))
    except (RelayError, psycopg.Error, KafkaError) as exc:
        typer.secho(f"relay: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from exc


async def _run(settings: Settings, create_topics: bool) -> None:
    from pipelines.relay.relay import run_relay
    from pipelines.topics import ensure_topics

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    if create_topics:
        await ensure_topics(settings, prefix=settings.relay_topic_prefix)
    await run_relay(settings, stop)


@relay_app.command("topics")
def topics(
    prefix: str = typer.Option(
        None, "--prefix", help="Topic name prefix (default: SOUK_RELAY_TOPIC_PREFIX)."
    ),
    replication_factor: int = typer.Option(1, "--replication-factor", min=1),
) -> None:
    """Create the platform's topics with their partitions and retention (idempotent)."""
    from pipelines.topics import ensure_topics

    settings = load_settings()
    configure_logging(settings.log_level, json_lines=settings.log_json, plain=True)
    chosen = settings.relay_topic_prefix if prefix is None else prefix
    outcomes = asyncio.run(ensure_topics(settings, chosen, replication_factor))
    typer.echo(f"{'topic':<48}{'partitions':>11}{'retention h':>13}  outcome")
    for o in outcomes:
        typer.echo(f"{o.name:<48}{o.partitions:>11}{o.retention_hours:>13}  {o.action}")


@relay_app.command("status")
def status(
    as_json: bool = typer.Option(False, "--json", help="One JSON object instead of lines."),
) -> None:
    """Show the slot: active or not, confirmed LSN, retained WAL, lag, snapshot.

    A running relay serves the same figures as Prometheus metrics, with /health and /ready,
    on http://127.0.0.1:$SOUK_RELAY_WEB_PORT/metrics.
    """
    from pipelines.relay.status import read_status

    report = read_status(load_settings())
    if as_json:
        typer.echo(json.dumps(report.as_dict()))
        return
    for field, value in report.as_dict().items():
        typer.echo(f"{field:<24}{'-' if value is None else value}")
    if not report.exists:
        raise typer.Exit(1)


if __name__ == "__main__":
    relay_app()
