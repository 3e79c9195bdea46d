"""The relay against the real PostgreSQL and Kafka: what is committed arrives, in order."""

from __future__ import annotations

import json
import secrets
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable

import psycopg
import pytest
from typer.testing import CliRunner

from pipelines.cli import relay_app
from pipelines.relay import state
from pipelines.relay.relay import RELAYED_TABLES
from pipelines.relay.replication import ReplicationConnection
from pipelines.relay.wal2json import plugin_options
from souk.settings import Settings
from tests.integration.pipelines.conftest import (
    Record,
    RelayThread,
    consume,
    execute,
    wait_for_snapshot,
)

pytestmark = pytest.mark.integration


def listing_id(n: int) -> str:
    return str(uuid.UUID(int=n))


def test_committed_changes_arrive_and_rolled_back_ones_never_do(
    relay_settings: Settings, relay_thread: Callable[[], RelayThread]
) -> None:
    settings = relay_settings
    execute(settings, "ALTER TABLE sellers REPLICA IDENTITY FULL")
    relay_thread()
    wait_for_snapshot(settings)
    seller, ghost = str(uuid.uuid4()), str(uuid.uuid4())
    bio = secrets.token_hex(20_000)  # incompressible: stored out of line (TOAST)
    execute(
        settings,
        ("INSERT INTO sellers (id, name, bio) VALUES (%s, 'Nile Motors', %s)", (seller, bio)),
        (
            "INSERT INTO listings (id, seller_id, title_en, price_egp, photos) "
            "VALUES (%s, %s, 'Kia Cerato 2020', 650000, '[\"a.jpg\"]')",
            (listing_id(1), seller),
        ),
        (
            "INSERT INTO outbox (event_type, aggregate_type, aggregate_id, version, payload) "
            "VALUES ('ListingPublished', 'listing', %s, 1, '{\"price_egp\": 650000}')",
            (listing_id(1),),
        ),
    )
    execute(settings, ("UPDATE listings SET price_egp = 640000 WHERE id = %s", (listing_id(1),)))
    execute(settings, ("UPDATE sellers SET name = 'Nile Motors Giza' WHERE id = %s", (seller,)))
    with psycopg.connect(settings.postgres_dsn) as conn:  # a transaction that rolls back
        conn.execute("INSERT INTO sellers (id, name) VALUES (%s, 'ghost')", (ghost,))
        conn.execute(
            "INSERT INTO outbox (event_type, aggregate_type, aggregate_id, version, payload) "
            "VALUES ('ListingPublished', 'listing', %s, 1, '{}')",
            (ghost,),
        )
        conn.rollback()
    execute(settings, ("DELETE FROM listings WHERE id = %s", (listing_id(1),)))
    execute(settings, ("INSERT INTO sellers (id, name) VALUES (%s, 'marker')", (listing_id(99),)))

    records = consume(
        settings,
        ["sellers", "listings", "outbox"],
        until=lambda rs: any(r.key == listing_id(99) for r in rs),
    )
    assert ghost not in {r.key for r in records}
    assert all(r.value.get("aggregate_id") != ghost for r in records)

    listing = [r.value for r in records if r.key == listing_id(1) and "op" in r.value]
    assert [(v["op"], (v["after"] or {}).get("price_egp")) for v in listing] == [
        ("c", 650000),
        ("u", 640000),
        ("d", None),
    ]
    assert listing[0]["after"]["photos"] == ["a.jpg"]
    assert listing[0]["after"]["updated_at"].endswith("+00:00")
    assert listing[2]["key"] == {"id": listing_id(1)}
    assert listing[0]["lsn"] < listing[1]["lsn"] < listing[2]["lsn"]
    assert listing[0]["commit_lsn"] < listing[1]["commit_lsn"] < listing[2]["commit_lsn"]

    renamed = [r.value for r in records if r.key == seller and r.value["op"] == "u"]
    assert renamed[0]["after"]["name"] == "Nile Motors Giza"
    assert renamed[0]["after"]["bio"] == bio  # unchanged TOAST filled from the full old row

    [event] = [r for r in records if r.topic.endswith("souk.domain-events")]
    assert event.key == listing_id(1)
    assert event.value["event_type"] == "ListingPublished"
    assert event.value["payload"] == {"price_egp": 650000}
    assert event.value["lsn"] > 0
    assert event.value["commit_lsn"] == listing[0]["commit_lsn"]  # same transaction


def test_per_key_order_under_concurrent_writers(
    relay_settings: Settings, relay_thread: Callable[[], RelayThread]
) -> None:
    settings, keys, writers, updates = relay_settings, 6, 4, 60
    execute(
        settings,
        *(
            ("INSERT INTO listings (id, price_egp) VALUES (%s, 1)", (listing_id(k),))
            for k in range(keys)
        ),
    )
    relay_thread()
    wait_for_snapshot(settings)

    def writer(seed: int) -> None:
        with psycopg.connect(settings.postgres_dsn, autocommit=True) as conn:
            for i in range(updates):
                key = listing_id((seed + i) % keys)
                conn.execute("UPDATE listings SET rev = rev + 1 WHERE id = %s", (key,))

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    total = writers * updates

    def updated(records: list[Record]) -> int:
        return sum(1 for r in records if r.value["op"] == "u")

    records = consume(settings, ["listings"], until=lambda rs: updated(rs) >= total)
    assert updated(records) == total
    per_key: dict[str, list[Record]] = defaultdict(list)
    for record in sorted(records, key=lambda r: (r.partition, r.offset)):
        if record.value["op"] == "u":
            per_key[record.key or ""].append(record)
    for key, changes in per_key.items():
        revs = [c.value["after"]["rev"] for c in changes]
        assert revs == list(range(1, len(revs) + 1)), key  # commit order, nothing missing
        lsns = [c.value["lsn"] for c in changes]
        assert lsns == sorted(lsns)
        assert len(set(lsns)) == len(lsns)


def test_snapshot_of_existing_rows_then_stream_under_load(
    relay_settings: Settings, relay_thread: Callable[[], RelayThread]
) -> None:
    """Rows written before, during and after the slot's creation: each arrives exactly once."""
    settings, before = relay_settings, 500
    execute(
        settings,
        (
            "INSERT INTO listings (id, price_egp, rev) "
            "SELECT ('00000000-0000-0000-0000-' || lpad(to_hex(n), 12, '0'))::uuid, 1000, n "
            "FROM generate_series(1, %s) AS n",
            (before,),
        ),
        "INSERT INTO outbox (event_type, aggregate_type, aggregate_id, version, payload) "
        "SELECT 'ListingPublished', 'listing', n::text, 1, '{}' "
        "FROM generate_series(1, 20) AS n",
    )
    written = [before]
    done = threading.Event()

    def writer() -> None:  # keeps inserting while the relay creates its slot and snapshots
        with psycopg.connect(settings.postgres_dsn, autocommit=True) as conn:
            while not done.is_set() or written[0] < before + 200:
                n = written[0] + 1
                conn.execute(
                    "INSERT INTO listings (id, price_egp, rev) VALUES (%s, 1000, %s)",
                    (listing_id(n), n),
                )
                written[0] = n

    thread = threading.Thread(target=writer)
    thread.start()
    relay_thread()
    wait_for_snapshot(settings)
    done.set()
    thread.join()
    execute(settings, ("UPDATE listings SET price_egp = 2000 WHERE id = %s", (listing_id(1),)))

    total = written[0]
    records = consume(
        settings,
        ["listings", "outbox"],
        until=lambda rs: any(r.value.get("op") == "u" for r in rs),
    )
    rows = [r.value for r in records if "op" in r.value]
    seen: dict[int, list[str]] = defaultdict(list)
    for row in rows:
        seen[row["after"]["rev"]].append(row["op"])
    assert sorted(seen) == list(range(1, total + 1))  # every row
    assert all(ops in (["r"], ["c"], ["r", "u"], ["c", "u"]) for ops in seen.values())
    assert seen[1][-1] == "u"
    snapshot = [row for row in rows if row["op"] == "r"]
    assert len(snapshot) >= before
    assert all(row["snapshot"] for row in snapshot)
    assert {row["lsn"] for row in snapshot} == {snapshot[0]["lsn"]}
    streamed = [row for row in rows if row["op"] != "r"]
    assert all(row["lsn"] > snapshot[0]["lsn"] for row in streamed)
    assert all(row["commit_lsn"] > snapshot[0]["commit_lsn"] for row in streamed)
    events = [r for r in records if r.topic.endswith("domain-events")]
    assert sorted(int(e.value["aggregate_id"]) for e in events) == list(range(1, 21))


def test_a_slot_whose_snapshot_never_completed_is_taken_again(
    relay_settings: Settings,
    relay_thread: Callable[[], RelayThread],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = relay_settings
    execute(settings, ("INSERT INTO listings (id, price_egp) VALUES (%s, 5)", (listing_id(1),)))
    with psycopg.connect(settings.postgres_dsn, autocommit=True) as conn:  # a relay died here
        conn.execute(
            "SELECT pg_create_logical_replication_slot(%s, 'wal2json')", (settings.relay_slot,)
        )
    relay = relay_thread()
    wait_for_snapshot(settings)
    records = consume(settings, ["listings"], until=lambda rs: len(rs) >= 1)
    assert [r.value["op"] for r in records] == ["r"]

    for name, value in {
        "SOUK_POSTGRES_DB": settings.postgres_db,
        "SOUK_RELAY_SLOT": settings.relay_slot,
    }.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(relay_app, ["status", "--json"])
    assert result.exit_code == 0, result.output
    status = json.loads(result.output)
    assert status["exists"] is True
    assert status["active_pid"] is not None
    assert status["snapshot_rows"] == 1
    relay.stop()


def test_only_the_relays_own_confirmations_move_the_slot(relay_settings: Settings) -> None:
    """Keepalives (the server sends one after each transaction) never confirm anything."""
    settings = relay_settings
    source = ReplicationConnection(settings, settings.relay_slot, status_interval=0.2)
    try:
        created = source.create_slot()
        source.start(plugin_options(settings.relay_schema, RELAYED_TABLES))
        execute(settings, ("INSERT INTO listings (id, price_egp) VALUES (%s, 1)", (listing_id(1),)))
        execute(settings, ("INSERT INTO listings (id, price_egp) VALUES (%s, 2)", (listing_id(2),)))
        commits: list[int] = []
        deadline = time.monotonic() + 30
        quiet_until = deadline
        inserted = False  # other transactions (autovacuum's, say) stream empty B/C pairs
        while time.monotonic() < min(deadline, quiet_until):  # keepalives are read too
            message = source.read()
            if message is None:
                time.sleep(0.05)
            elif b'"action":"I"' in message[0]:
                inserted = True
            elif b'"action":"C"' in message[0] and inserted:
                inserted = False
                commits.append(message[1])
                if len(commits) == 2:
                    quiet_until = time.monotonic() + 1.0  # a few status rounds more
        assert len(commits) == 2

        def confirmed() -> int | None:
            with state.connect(settings.postgres_dsn) as conn:
                slot = state.read_slot(conn, settings.relay_slot)
            return slot.confirmed_flush_lsn if slot else None

        assert confirmed() == created.consistent_lsn
        source.confirm(commits[0])
        deadline = time.monotonic() + 10
        while confirmed() != commits[0] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert confirmed() == commits[0]
    finally:
        source.close()
