"""The Faust app: broker and settings from :class:`Settings`, agents added by registrars."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import faust

from souk.settings import Settings

Registrar = Callable[[faust.App, Settings], None]


def topic_name(settings: Settings, name: str) -> str:
    """A platform topic's name in this deployment (tests and benchmarks add a prefix)."""
    return f"{settings.streams_topic_prefix}{name}"


def raw_topic(
    app: faust.App, settings: Settings, name: str, *, partitions: int | None = None
) -> faust.TopicT:
    """A topic of bytes keys and values, declared with an explicit partition count."""
    return app.topic(
        topic_name(settings, name),
        partitions=partitions or settings.kafka_topic_partitions,
        key_serializer="raw",
        value_serializer="raw",
    )


def build_app(settings: Settings, registrars: Sequence[Registrar]) -> faust.App:
    """One Faust app per worker process; every registrar adds its agents and topics."""
    # Faust keeps worker state in "<app id>-data" (creating only the last directory); under
    # the data directory, not the working directory.
    state_dir = settings.data_dir / "streams"
    state_dir.mkdir(parents=True, exist_ok=True)
    app = faust.App(
        settings.streams_app_id,
        broker=f"kafka://{settings.kafka_bootstrap}",
        store="memory://",
        datadir=str(state_dir / f"{settings.streams_app_id}-data"),
        autodiscover=False,
        topic_partitions=settings.kafka_topic_partitions,
        topic_replication_factor=1,
        topic_allow_declare=True,
        consumer_auto_offset_reset="earliest",
        web_enabled=settings.streams_web_enabled,
        web_host="127.0.0.1",
        web_port=settings.streams_web_port,
        web_bind="127.0.0.1",
        broker_commit_every=1000,
        broker_commit_interval=1.0,
        stream_buffer_maxsize=16384,
        broker_max_poll_records=2000,
        producer_linger_ms=5,
        logging_config=None,
    )
    for registrar in registrars:
        registrar(app, settings)
    return app


def run_worker(app: faust.App, loglevel: str) -> None:
    """Run ``app`` in a Faust worker until it is stopped.

    Faust's start-up spinner writes the terminal's hide- and show-cursor codes to standard
    output even when that is no terminal; with spans exported to standard output (traces
    exporter ``console``, one JSON span per line) they glued onto a span's line. Off the
    terminal the spinner is off.
    """
    worker = faust.Worker(app, loglevel=loglevel, quiet=True)
    if not worker.stdout.isatty():
        worker.spinner = None
    worker.execute_from_commandline()
