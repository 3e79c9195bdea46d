"""The relay's life: pick up the slot (or create it and snapshot), then stream until stopped."""

from __future__ import annotations

import asyncio
import logging
from functools import partial

from pipelines.relay import state
from pipelines.relay.errors import RelayError
from pipelines.relay.lsn import format_lsn
from pipelines.relay.metrics import RelayVitals
from pipelines.relay.progress import Progress
from pipelines.relay.publisher import KafkaPublisher, Publisher
from pipelines.relay.records import RecordBuilder
from pipelines.relay.replication import ReplicationConnection
from pipelines.relay.restarts import run_while_kafka_returns
from pipelines.relay.snapshot import SnapshotReader, publish_snapshot
from pipelines.relay.stream import ChangeStream
from pipelines.relay.wal2json import PLUGIN, plugin_options
from pipelines.relay.web import RelayWeb
from pipelines.topics import RelayTopics
from souk.settings import Settings
from souk.topics import CDC_TABLES, OUTBOX_TABLE

log = logging.getLogger(__name__)

RELAYED_TABLES = [*CDC_TABLES, OUTBOX_TABLE]
SLOT_RELEASE_WAIT_SECONDS = 15


async def run_relay(
    settings: Settings, stop: asyncio.Event, vitals: RelayVitals | None = None
) -> None:
    """Snapshot on the first start, then stream until ``stop`` is set; while Kafka is
    unavailable, start again from the confirmed LSN (``restarts.py``).

    ``vitals`` is what ``/metrics`` and ``/ready`` read (served on ``relay_web_port``).
    """
    vitals = vitals or RelayVitals(settings.relay_slot)
    web = RelayWeb(settings, vitals) if settings.relay_web_port else None
    if web is not None:
        await web.start()
    try:
        await run_while_kafka_returns(partial(_relay, settings, stop, vitals), stop)
    finally:
        vitals.phase = "stopped"
        if web is not None:
            await web.stop()


async def _relay(settings: Settings, stop: asyncio.Event, vitals: RelayVitals) -> None:
    vitals.phase = "starting"
    builder = RecordBuilder(RelayTopics(settings.relay_topic_prefix))
    publisher = KafkaPublisher(settings, vitals.counts)
    await publisher.start()
    try:
        source = await asyncio.to_thread(ReplicationConnection, settings, settings.relay_slot)
        vitals.walsender_pid = source.server_pid
        try:
            if not await _prepare_slot(settings, source, publisher, builder, stop, vitals):
                log.info("stopped during the snapshot; the next start takes it again")
                return
            source.start(plugin_options(settings.relay_schema, RELAYED_TABLES))
            vitals.progress = Progress(settings.relay_progress_seconds)
            vitals.stream = ChangeStream(
                source, publisher, builder, vitals.progress, settings.relay_feedback_seconds
            )
            vitals.phase = "streaming"
            await vitals.stream.run(stop)
        finally:
            source.close()
    finally:
        await publisher.stop()


async def _prepare_slot(
    settings: Settings,
    source: ReplicationConnection,
    publisher: Publisher,
    builder: RecordBuilder,
    stop: asyncio.Event,
    vitals: RelayVitals,
) -> bool:
    """True when the slot is ready to stream from; False when stopped during its snapshot."""
    name = source.slot
    with state.connect(settings.postgres_dsn) as conn:
        state.ensure_state_table(conn)
        slot = state.read_slot(conn, name)
        # a relay that just died leaves its walsender behind for a moment
        for _ in range(SLOT_RELEASE_WAIT_SECONDS * 4):
            if slot is None or slot.active_pid is None:
                break
            await asyncio.sleep(0.25)
            slot = state.read_slot(conn, name)
        done = state.read_snapshot(conn, name)
        if slot is not None:
            _check_slot(slot, settings)
            if done is not None:
                confirmed = format_lsn(slot.confirmed_flush_lsn or 0)
                log.info("slot %s: resuming after %s (snapshot of %s)", name, confirmed, done.rows)
                return True
            log.warning("slot %s: its snapshot never completed; dropping it, starting over", name)
            state.drop_slot(conn, name)
        elif done is not None:
            log.warning("slot %s is gone but its snapshot record is not: new snapshot", name)
            state.forget_snapshot(conn, name)

        created = await asyncio.to_thread(source.create_slot)
        fresh = state.read_slot(conn, name)
        start_lsn = fresh.restart_lsn if fresh and fresh.restart_lsn else created.consistent_lsn
        log.info(
            "slot %s created at %s; snapshot %s",
            name,
            format_lsn(created.consistent_lsn),
            created.snapshot_name,
        )
        vitals.phase = "snapshot"
        reader = await asyncio.to_thread(SnapshotReader, settings, created.snapshot_name)
        try:
            rows = await publish_snapshot(
                reader, RELAYED_TABLES, publisher, builder, start_lsn, created.consistent_lsn, stop
            )
        finally:
            reader.close()
        if rows is None:
            return False
        state.record_snapshot(conn, name, format_lsn(created.consistent_lsn), rows)
        log.info("snapshot of slot %s complete: %d rows on Kafka", name, rows)
    return True


def _check_slot(slot: state.SlotInfo, settings: Settings) -> None:
    if slot.plugin != PLUGIN:
        raise RelayError(f"slot {slot.name} decodes with {slot.plugin}, not {PLUGIN}: drop it")
    if slot.database != settings.postgres_db:
        raise RelayError(
            f"slot {slot.name} belongs to database {slot.database}, not {settings.postgres_db}"
        )
    if slot.active_pid is not None:
        raise RelayError(
            f"slot {slot.name} is in use by PostgreSQL process {slot.active_pid}: "
            "is another relay running?"
        )
