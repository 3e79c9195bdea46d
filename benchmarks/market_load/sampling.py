"""What the orchestrator samples every few seconds: memory of each process (its whole tree:
PostgreSQL's backends, Elasticsearch's and Kafka's JVM), the Faust groups' consumer lag per
topic, and the relay's replication-slot lag."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import psutil
import psycopg
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from souk.settings import Settings, SinkEngine
from souk.topics import DOMAIN_EVENTS, cdc_topic
from warehouse.raw_tables import WAREHOUSE_TOPICS

MB = 1024 * 1024


@dataclass(frozen=True)
class TreeMemory:
    rss_mb: float  # resident memory summed over the tree (shared pages counted per process)
    pss_mb: float  # proportional share: shared pages divided among their users


def tree_memory(pid: int) -> TreeMemory | None:
    """Memory of a process and all its descendants; None when the process is gone."""
    try:
        root = psutil.Process(pid)
        tree = [root, *root.children(recursive=True)]
    except psutil.Error:
        return None
    rss = pss = 0
    for process in tree:
        with contextlib.suppress(psutil.Error):
            full = process.memory_full_info()
            rss += full.rss
            pss += getattr(full, "pss", full.rss)
    return TreeMemory(round(rss / MB, 1), round(pss / MB, 1))


_RELAY_LAG = """
SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint
FROM pg_replication_slots WHERE slot_name = %s
"""


def relay_lag_bytes(settings: Settings) -> int | None:
    """WAL written since the relay's slot last confirmed (None: no slot, or unreachable)."""
    try:
        with psycopg.connect(settings.postgres_dsn, connect_timeout=3) as conn:
            row = conn.execute(_RELAY_LAG, (settings.relay_slot,)).fetchone()
    except psycopg.Error:
        return None
    return int(row[0]) if row and row[0] is not None else None


def consumed_topics(settings: Settings) -> dict[str, set[str]]:
    """Consumer group → the topics the worker reads in it: the app's agents (catalog indexer,
    notifications, and the warehouse sink's agents) or the sink's batch engine's group."""
    prefix, app = settings.streams_topic_prefix, settings.streams_app_id
    agents = {cdc_topic("listings"), cdc_topic("sellers"), DOMAIN_EVENTS}
    groups = {app: agents, f"{app}-warehouse-batch": set(WAREHOUSE_TOPICS)}
    if settings.warehouse_sink_engine is SinkEngine.AGENT:
        groups = {app: agents | set(WAREHOUSE_TOPICS)}
    return {group: {prefix + name for name in names} for group, names in groups.items()}


class ConsumerLagProbe:
    """Committed offsets of the Faust consumer groups against the topics' end offsets.

    The groups are the streams app id and any group named after it (the warehouse sink's
    batch engine, a sink run alone). A group's topics are those it committed on, and those the
    worker is known to consume in it (:func:`consumed_topics`). A partition the group never
    committed on counts from its beginning, as ``auto_offset_reset=earliest`` would read it.
    """

    def __init__(self, settings: Settings) -> None:
        self.app_id = settings.streams_app_id
        self.prefix = settings.streams_topic_prefix
        self.consumed = consumed_topics(settings)
        self.partitions: dict[str, list[int]] = {}
        self.admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
        self.consumer = AIOKafkaConsumer(
            bootstrap_servers=settings.kafka_bootstrap, enable_auto_commit=False
        )

    async def start(self) -> None:
        await self.admin.start()
        await self.consumer.start()

    async def close(self) -> None:
        await self.consumer.stop()
        await self.admin.close()

    async def _existing(self) -> set[str]:
        return set(await self.admin.list_topics())

    async def _partitions(self, topic: str) -> list[int]:
        if topic not in self.partitions:
            described = await self.admin.describe_topics([topic])
            self.partitions[topic] = sorted(p["partition"] for p in described[0]["partitions"])
        return self.partitions[topic]

    async def groups(self) -> list[str]:
        listed = await self.admin.list_consumer_groups()
        return sorted(g for g, *_ in listed if g == self.app_id or g.startswith(self.app_id))

    async def read(self) -> dict[str, int]:
        """``"<group> <topic>"`` → records written and not yet committed by the group."""
        lag: dict[str, int] = {}
        for group in await self.groups():
            committed = await self.admin.list_consumer_group_offsets(group)
            topics = {tp.topic for tp in committed if tp.topic.startswith(self.prefix + "souk.")}
            topics |= self.consumed.get(group, set()) & await self._existing()
            partitions = [
                TopicPartition(t, p) for t in sorted(topics) for p in await self._partitions(t)
            ]
            if not partitions:
                continue
            ends = await self.consumer.end_offsets(partitions)
            starts = await self.consumer.beginning_offsets(partitions)
            for tp in partitions:
                done = committed.get(tp)
                position = done.offset if done is not None and done.offset >= 0 else starts[tp]
                key = f"{group} {tp.topic}"
                lag[key] = lag.get(key, 0) + max(0, ends[tp] - position)
        return lag
