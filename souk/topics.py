"""Kafka topic names: the contract between the relay, the API and the stream processors."""

from __future__ import annotations

from dataclasses import dataclass

CDC_PREFIX = "souk.cdc."
DOMAIN_EVENTS = "souk.domain-events"
SEARCHES = "souk.behaviour.searches"
LISTING_VIEWS = "souk.behaviour.listing-views"
RESULT_CLICKS = "souk.behaviour.result-clicks"
DEAD_LETTER = "souk.dead-letter"

# Tables whose row changes the relay publishes, one topic each (souk.cdc.<table>).
# Users are left out on purpose: they hold password hashes and personal data.
CDC_TABLES: tuple[str, ...] = ("sellers", "listings", "listing_price_history", "inventory")
# The outbox table's inserts become domain events, not row changes.
OUTBOX_TABLE = "outbox"


def cdc_topic(table: str) -> str:
    return f"{CDC_PREFIX}{table}"


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    retention_hours: int
    compacted: bool = False


def platform_topics(partitions: int, retention_hours: int) -> list[TopicSpec]:
    """Every topic the platform declares, with explicit partitions and retention."""
    specs = [TopicSpec(cdc_topic(t), partitions, retention_hours) for t in CDC_TABLES]
    specs += [
        TopicSpec(DOMAIN_EVENTS, partitions, retention_hours * 4),
        TopicSpec(SEARCHES, partitions, retention_hours),
        TopicSpec(LISTING_VIEWS, partitions, retention_hours),
        TopicSpec(RESULT_CLICKS, partitions, retention_hours),
        TopicSpec(DEAD_LETTER, 1, retention_hours * 4),
    ]
    return specs
