"""``souk events``: the spool of behavioural events Kafka did not take (api/behaviour_spool.py).

The API re-sends its spool by itself while Kafka is up; ``replay`` is for a spool left by
an API that is not running any more, or to empty it now.
"""

from __future__ import annotations

import asyncio

import typer

from souk.logs import configure_logging
from souk.settings import Settings, load_settings

events_app = typer.Typer(
    help="Behavioural events (searches, clicks, views) the API could not send to Kafka.",
    no_args_is_help=True,
)


@events_app.command("status")
def status() -> None:
    """Print the spool's directory, its segments, events and bytes."""
    from api.behaviour_spool import BehaviourSpool

    settings = load_settings()
    spool = BehaviourSpool(settings.behaviour_spool_dir, settings.behaviour_events_spool_max_bytes)
    if not spool.directory.exists():
        typer.echo(f"spool: {spool.directory} (empty)")
        return
    typer.echo(f"spool: {spool.directory}")
    typer.echo(f"sealed segments: {len(spool.sealed_segments())}")
    typer.echo(f"events: {spool.events_on_disk()}")
    typer.echo(f"bytes: {spool.bytes_on_disk()} of {spool.max_bytes}")


@events_app.command("replay")
def replay() -> None:
    """Send every spooled event to Kafka now; delete each segment Kafka fully acknowledged.

    Exits 1 when Kafka is unreachable or a segment could not be delivered (it stays)."""
    settings = load_settings()
    configure_logging(settings.log_level, json_lines=settings.log_json)
    replayed, left = asyncio.run(_replay(settings))
    typer.echo(f"replayed: {replayed} events; left in the spool: {left} events")
    if left:
        raise typer.Exit(1)


async def _replay(settings: Settings) -> tuple[int, int]:
    from api.behaviour import is_record, make_producer, send_and_confirm
    from api.behaviour_spool import BehaviourSpool

    spool = BehaviourSpool(settings.behaviour_spool_dir, settings.behaviour_events_spool_max_bytes)
    await spool.start()
    producer = make_producer(settings)
    try:
        await producer.start()
    except Exception as exc:
        await producer.stop()
        await spool.close()
        typer.secho(f"Kafka unreachable at {settings.kafka_bootstrap}: {exc}", err=True)
        return 0, spool.events_on_disk()
    try:
        replayed = await spool.replay(lambda batch: send_and_confirm(producer, batch), is_record)
    finally:
        await producer.stop()
        await spool.close()
    return replayed, spool.events_on_disk()
