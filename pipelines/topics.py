"""The platform's Kafka topics, created by us (auto-creation is off on the broker).

``ensure_topics`` declares every topic of ``souk.topics.platform_topics`` with explicit
partitions and retention; run it as often as you like. A ``prefix`` (``SOUK_RELAY_TOPIC_PREFIX``)
gives tests and benchmarks topics of their own on the shared broker.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from pipelines.relay.errors import RelayError
from souk.settings import Settings
from souk.topics import CDC_TABLES, DOMAIN_EVENTS, TopicSpec, cdc_topic, platform_topics

log = logging.getLogger(__name__)

_TOPIC_ALREADY_EXISTS = 36
_UNKNOWN_TOPIC = 3


@dataclass(frozen=True)
class RelayTopics:
    """The names of the topics the relay writes, under a prefix."""

    prefix: str = ""

    def cdc(self, table: str) -> str:
        return self.prefix + cdc_topic(table)

    @property
    def domain_events(self) -> str:
        return self.prefix + DOMAIN_EVENTS

    def all(self) -> list[str]:
        return [*(self.cdc(table) for table in CDC_TABLES), self.domain_events]


@dataclass(frozen=True)
class TopicOutcome:
    name: str
    partitions: int
    retention_hours: int
    action: str  # created | exists | retention updated | partitions differ (left alone)


def declared_topics(settings: Settings, prefix: str = "") -> list[TopicSpec]:
    specs = platform_topics(settings.kafka_topic_partitions, settings.kafka_topic_retention_hours)
    return [
        TopicSpec(prefix + spec.name, spec.partitions, spec.retention_hours, spec.compacted)
        for spec in specs
    ]


def _configs(spec: TopicSpec) -> dict[str, str]:
    return {
        "retention.ms": str(spec.retention_hours * 3_600_000),
        "cleanup.policy": "compact" if spec.compacted else "delete",
    }


async def ensure_topics(
    settings: Settings, prefix: str = "", replication_factor: int = 1
) -> list[TopicOutcome]:
    """Create the missing topics; bring retention of existing ones to the declared value.

    Partition counts of existing topics are never changed: more partitions would move keys
    to other partitions and break per-key order. A mismatch is reported instead.
    """
    specs = {spec.name: spec for spec in declared_topics(settings, prefix)}
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:
        existing = {
            topic["topic"]: len(topic["partitions"])
            for topic in await admin.describe_topics(list(specs))
            if topic["error_code"] != _UNKNOWN_TOPIC
        }
        missing = [spec for name, spec in specs.items() if name not in existing]
        outcomes = [
            TopicOutcome(s.name, s.partitions, s.retention_hours, "created") for s in missing
        ]
        if missing:
            response = await admin.create_topics(
                [
                    NewTopic(s.name, s.partitions, replication_factor, topic_configs=_configs(s))
                    for s in missing
                ]
            )
            for name, code, *message in response.topic_errors:
                if code not in (0, _TOPIC_ALREADY_EXISTS):
                    raise RelayError(f"creating topic {name} failed: error {code} {message}")
            await _wait_for_leaders(admin, [spec.name for spec in missing])
        outcomes += await _check_existing(admin, [specs[name] for name in existing], existing)
    finally:
        await admin.close()
    for outcome in outcomes:
        log.info("topic %s: %s", outcome.name, outcome.action)
    return sorted(outcomes, key=lambda outcome: outcome.name)


async def _wait_for_leaders(admin: AIOKafkaAdminClient, names: list[str]) -> None:
    """New topics take a moment to elect partition leaders; producing before that fails."""
    for _ in range(100):
        topics = await admin.describe_topics(names)
        if all(
            topic["error_code"] == 0
            and topic["partitions"]
            and all(partition["leader"] >= 0 for partition in topic["partitions"])
            for topic in topics
        ):
            return
        await asyncio.sleep(0.1)
    log.warning("topics %s have no leaders yet; producers will retry", ", ".join(names))


async def _check_existing(
    admin: AIOKafkaAdminClient, specs: list[TopicSpec], partitions: dict[str, int]
) -> list[TopicOutcome]:
    if not specs:
        return []
    described = await admin.describe_configs(
        [ConfigResource(ConfigResourceType.TOPIC, spec.name) for spec in specs]
    )
    current: dict[str, dict[str, Any]] = {}
    for response in described:
        for _code, _message, _type, name, entries in response.resources:
            current[name] = {entry[0]: entry[1] for entry in entries}
    outcomes, stale = [], []
    for spec in specs:
        if partitions[spec.name] != spec.partitions:
            action = f"partitions differ: {partitions[spec.name]}, declared {spec.partitions}"
            log.warning("topic %s: %s (left alone)", spec.name, action)
        elif any(current.get(spec.name, {}).get(k) != v for k, v in _configs(spec).items()):
            action = "retention updated"
            stale.append(spec)
        else:
            action = "exists"
        outcomes.append(TopicOutcome(spec.name, spec.partitions, spec.retention_hours, action))
    if stale:
        await admin.alter_configs(
            [ConfigResource(ConfigResourceType.TOPIC, s.name, _configs(s)) for s in stale]
        )
    return outcomes
