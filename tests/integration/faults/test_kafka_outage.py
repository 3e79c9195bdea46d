"""Stop Kafka under a running relay while listings change; start it again.

The relay keeps running (it retries Kafka from its confirmed LSN by itself), never confirms
past what Kafka acknowledged, and once Kafka is back every change committed before, during
and after the outage is on Kafka: at least once, re-sent only from after the LSN the relay
had confirmed, so deduplicated by ``lsn`` each change is there exactly once, in commit order
per listing.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from typing import Any

import orjson
import psycopg
import pytest

from pipelines.relay import state
from pipelines.relay.lsn import format_lsn
from search.synthetic import SyntheticMarket
from souk.settings import Settings
from souk.topics import cdc_topic
from tests.integration.faults.conftest import (
    Child,
    Outages,
    read_topic,
    wait_for_snapshot,
    wait_until,
)
from tests.integration.search.test_reindex import insert_rows

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(900)]

LISTINGS = 50
PER_TRANSACTION = 10


class PriceWriter(threading.Thread):
    """Changes listings' prices until stopped; remembers (listing, version) in commit order."""

    def __init__(self, settings: Settings, ids: list[str]) -> None:
        super().__init__(name="price-writer", daemon=True)
        self._settings, self._ids = settings, ids
        self.halt = threading.Event()
        self.committed: list[tuple[str, int]] = []
        self.error: BaseException | None = None

    def run(self) -> None:
        versions = dict.fromkeys(self._ids, 1)
        n = 0
        try:
            with psycopg.connect(self._settings.postgres_dsn) as conn:
                while not self.halt.is_set():
                    batch = []
                    for _ in range(PER_TRANSACTION):
                        listing_id = self._ids[n % len(self._ids)]
                        n += 1
                        versions[listing_id] += 1
                        conn.execute(
                            "UPDATE listings SET version = %s, price_egp = price_egp - 1000 "
                            "WHERE id = %s",
                            (versions[listing_id], listing_id),
                        )
                        batch.append((listing_id, versions[listing_id]))
                    conn.commit()
                    self.committed += batch
                    time.sleep(0.1)
        except BaseException as exc:  # handed to the test
            self.error = exc


def confirmed_lsn(settings: Settings) -> int:
    with state.connect(settings.postgres_dsn) as conn:
        slot = state.read_slot(conn, settings.relay_slot)
    assert slot is not None
    return slot.confirmed_flush_lsn or 0


def change_of(value: dict[str, Any]) -> tuple[str, int]:
    return (str(value["key"]["id"]), int((value["after"] or {})["version"]))


def test_relay_rides_out_a_kafka_outage(pipeline: Settings, relay: Child, outages: Outages) -> None:
    settings = pipeline
    market = SyntheticMarket(seed=31, sellers=1)
    seller = market.seller_rows[0]
    cars = [market.car(seller, n) | {"status": "active", "version": 1} for n in range(LISTINGS)]
    insert_rows(settings, "sellers", [seller])
    insert_rows(settings, "listings", cars)
    relay.start()
    wait_for_snapshot(settings, relay)
    writer = PriceWriter(settings, [str(car["id"]) for car in cars])
    writer.start()
    try:
        before = confirmed_lsn(settings)
        wait_until(lambda: confirmed_lsn(settings) > before, within=30, what="confirmations")

        stopped_at = time.monotonic()
        outages.stop("kafka")
        time.sleep(1.0)  # acknowledgements that were on their way are confirmed by now
        confirmed_at_stop = confirmed_lsn(settings)
        committed_at_stop = len(writer.committed)
        time.sleep(3.0)  # changes keep being committed while Kafka is down
        assert confirmed_lsn(settings) == confirmed_at_stop, "confirmed what Kafka never took"
        outages.start("kafka")
        down_seconds = time.monotonic() - stopped_at
        assert relay.running(), f"the relay exited while Kafka was down:\n{relay.log()}"
        committed_in_outage = len(writer.committed) - committed_at_stop
        # changes go on for a moment after the restart, then stop
        written = len(writer.committed)
        wait_until(lambda: len(writer.committed) >= written + 50, within=30, what="writes")
    finally:
        writer.halt.set()
        writer.join(30)
    assert writer.error is None, writer.error
    assert committed_in_outage > 0, "nothing was committed while Kafka was down"

    expected = writer.committed
    wanted = set(expected)

    def seen(records: list[Any]) -> set[tuple[str, int]]:
        values = (orjson.loads(r.value) for r in records)
        return {change_of(v) for v in values if v["op"] == "u"}

    records = asyncio.run(
        read_topic(settings, cdc_topic("listings"), lambda rs: wanted <= seen(rs), seconds=120)
    )
    values = [orjson.loads(r.value) for r in sorted(records, key=lambda r: (r.partition, r.offset))]
    updates = [v for v in values if v["op"] == "u"]
    missing = wanted - {change_of(v) for v in updates}
    assert not missing, f"{len(missing)} committed changes never reached Kafka"

    # at least once; duplicates only of what came after the confirmed LSN, and identical
    by_lsn: dict[int, list[dict[str, Any]]] = {}
    for value in updates:
        by_lsn.setdefault(value["lsn"], []).append(value)
    duplicated = {lsn: copies for lsn, copies in by_lsn.items() if len(copies) > 1}
    for copies in duplicated.values():
        assert all(copy == copies[0] for copy in copies[1:])
        assert copies[0]["commit_lsn"] > confirmed_at_stop, "re-sent what was confirmed"
    deduplicated = [change_of(copies[0]) for copies in by_lsn.values()]
    assert sorted(deduplicated) == sorted(expected)  # exactly once after dedup by lsn

    # per listing, the changes arrive in commit order
    order = {change: n for n, change in enumerate(expected)}
    positions: dict[str, list[int]] = {}
    first_seen: set[tuple[str, int]] = set()
    for value in updates:
        change = change_of(value)
        if change not in first_seen:
            first_seen.add(change)
            positions.setdefault(change[0], []).append(order[change])
    assert all(p == sorted(p) for p in positions.values())

    # every restart the relay made resumed from the LSN confirmed before Kafka went away
    resumed = re.findall(r"resuming after (\S+)", relay.log_file.read_text(errors="replace"))
    assert all(lsn == format_lsn(confirmed_at_stop) for lsn in resumed), resumed

    # the relay confirms again, past the outage
    last = max(v["commit_lsn"] for v in updates)
    wait_until(lambda: confirmed_lsn(settings) >= last, within=30, what="confirmed past outage")
    print(  # noqa: T201
        f"Kafka down {down_seconds:.0f}s; {committed_in_outage} changes committed meanwhile; "
        f"{len(resumed)} restarts of the relay inside its process; "
        f"{sum(len(c) - 1 for c in duplicated.values())} records delivered twice"
    )
    assert relay.stop() == 0
