"""Reads the listings and sellers CDC topics from noted offsets to their current end."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from search.changes import RowChange
from souk.settings import Settings
from souk.topics import cdc_topic
from streams.cdc import MalformedChangeError, parse_change

log = logging.getLogger(__name__)
TABLES = ("sellers", "listings")


class CdcCatchUp:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.topics = {f"{settings.streams_topic_prefix}{cdc_topic(t)}": t for t in TABLES}
        self.consumer = AIOKafkaConsumer(
            bootstrap_servers=settings.kafka_bootstrap, enable_auto_commit=False, group_id=None
        )
        self.position: dict[TopicPartition, int] = {}

    async def start(self) -> None:
        await self.consumer.start()

    async def stop(self) -> None:
        await self.consumer.stop()

    async def _partitions(self) -> list[TopicPartition]:
        admin = AIOKafkaAdminClient(bootstrap_servers=self.settings.kafka_bootstrap)
        await admin.start()
        try:
            existing = await admin.list_topics()
            wanted = [topic for topic in self.topics if topic in existing]
            described = await admin.describe_topics(wanted) if wanted else []
        finally:
            await admin.close()
        for topic in set(self.topics) - set(wanted):
            log.warning("CDC topic %s does not exist; nothing to catch up from it", topic)
        return [
            TopicPartition(info["topic"], part["partition"])
            for info in described
            for part in info["partitions"]
        ]

    async def mark(self) -> None:
        """Remember where the topics end now: the catch-up starts there."""
        partitions = await self._partitions()
        if partitions:
            self.consumer.assign(partitions)
            self.position = dict(await self.consumer.end_offsets(partitions))

    async def until_end(self) -> AsyncIterator[list[RowChange]]:
        """Batches of changes from the remembered position to the topics' current end."""
        if not self.position:
            return
        ends = await self.consumer.end_offsets(list(self.position))
        for partition, offset in self.position.items():
            self.consumer.seek(partition, offset)
        pending = {tp for tp, end in ends.items() if self.position[tp] < end}
        while pending:
            fetched = await self.consumer.getmany(*pending, timeout_ms=1000, max_records=1000)
            batch: list[RowChange] = []
            for partition, records in fetched.items():
                for record in records:
                    if record.offset >= ends[partition]:
                        continue
                    try:
                        batch.append(parse_change(record.value, table=self.topics[partition.topic]))
                    except MalformedChangeError as exc:
                        log.warning("catch-up skips %s@%s: %s", partition, record.offset, exc)
                if records:
                    self.position[partition] = min(records[-1].offset + 1, ends[partition])
                if self.position[partition] >= ends[partition]:
                    pending.discard(partition)
            if batch:
                yield batch
