"""``souk notifications``: what was sent (the local delivery log) and a notifier of its own."""

from __future__ import annotations

import uuid

import typer

from notifications.messages import Channel
from souk.settings import load_settings

notifications_app = typer.Typer(
    help="Notifications on lead and order events (email, SMS, push).", no_args_is_help=True
)


@notifications_app.command("list")
def list_command(
    limit: int = typer.Option(20, "--limit", "-n", min=1, help="How many, newest first."),
    channel: Channel | None = typer.Option(None, help="Only this channel."),  # noqa: B008
    recipient: str | None = typer.Option(None, help="Only to this email, phone or user id."),
    event_id: str | None = typer.Option(None, help="Only for this domain event."),
    english: bool = typer.Option(False, "--english", help="Show the English text, not Arabic."),
) -> None:
    """Show recent notifications from the delivery log (what was, or would have been, sent)."""
    from core.db import create_db_engine
    from notifications.deliveries import recent

    event = uuid.UUID(event_id) if event_id else None
    engine = create_db_engine(load_settings())
    try:
        rows = recent(engine, limit=limit, channel=channel, recipient=recipient, event_id=event)
    finally:
        engine.dispose()
    if not rows:
        typer.echo("no notifications recorded yet")
        return
    for row in rows:
        subject, body = (row.subject_en, row.body_en) if english else (row.subject_ar, row.body_ar)
        typer.echo(f"{row.recorded_at:%Y-%m-%d %H:%M:%S} {row.channel.value:<5} {row.kind:<18} "
                   f"{row.recipient}  [{row.event_type} {row.event_id}]")  # fmt: skip
        typer.echo(f"    {subject}")
        typer.echo(f"    {body}")


@notifications_app.command("worker")
def worker_command(
    loglevel: str = typer.Option("warn", help="Faust log level (crit, error, warn, info)."),
) -> None:
    """Run the notification agent alone: a Faust worker under its own consumer group."""
    from streams.app import build_app, run_worker
    from streams.notification_agent import register_notifications

    # Its own consumer group: the main worker (streams/registry.py) runs other agents too.
    base = load_settings()
    app_id = f"{base.streams_app_id}-notifications"
    settings = base.model_copy(update={"streams_app_id": app_id, "streams_web_enabled": False})
    app = build_app(settings, [register_notifications])
    run_worker(app, loglevel)
