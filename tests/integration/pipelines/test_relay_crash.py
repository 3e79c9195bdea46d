"""SIGKILL the relay while 10,000 changes are written; after a restart every change is on Kafka."""

from __future__ import annotations

import random
import subprocess
import threading
import time
import uuid
from collections.abc import Callable

import psycopg
import pytest

from pipelines.relay import state
from souk.settings import Settings
from tests.integration.pipelines.conftest import Record, consume, wait_for_snapshot
from tests.integration.search.helpers import stop_process

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CHANGES = 10_000
PER_TRANSACTION = 25


class Writer(threading.Thread):
    """Inserts, updates and deletes listings; remembers every change in commit order."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(name="writer")
        self._settings = settings
        self.expected: list[tuple[str, str, int]] = []  # (key, op, rev) in commit order
        self.committed = 0

    def run(self) -> None:
        rng = random.Random(7)
        live: list[str] = []
        rev = 0
        with psycopg.connect(self._settings.postgres_dsn) as conn:
            while rev < CHANGES:
                batch: list[tuple[str, str, int]] = []
                for _ in range(PER_TRANSACTION):
                    rev += 1
                    roll = rng.random()
                    if len(live) < 50 or roll < 0.4:
                        key = str(uuid.uuid4())
                        conn.execute(
                            "INSERT INTO listings (id, price_egp, rev) VALUES (%s, %s, %s)",
                            (key, rev, rev),
                        )
                        live.append(key)
                        batch.append((key, "c", rev))
                    elif roll < 0.9:
                        key = rng.choice(live)
                        conn.execute("UPDATE listings SET rev = %s WHERE id = %s", (rev, key))
                        batch.append((key, "u", rev))
                    else:
                        key = live.pop(rng.randrange(len(live)))
                        conn.execute("DELETE FROM listings WHERE id = %s", (key,))
                        batch.append((key, "d", 0))  # a delete's record has no "after"
                conn.commit()
                self.expected += batch
                self.committed = rev


def _identity(record: Record) -> tuple[str, str, int]:
    value = record.value
    rev = (value["after"] or {}).get("rev", 0)
    return (record.key or "", value["op"], rev)


def test_sigkill_while_writing_loses_nothing(
    relay_settings: Settings, relay_process: Callable[[], subprocess.Popen[bytes]]
) -> None:
    settings = relay_settings
    first = relay_process()
    wait_for_snapshot(settings, seconds=60)
    writer = Writer(settings)
    writer.start()
    deadline = time.monotonic() + 60
    while writer.committed < CHANGES * 0.3 and time.monotonic() < deadline:
        time.sleep(0.01)
    first.kill()  # mid-stream: sent, maybe acknowledged, not all confirmed
    first.wait(10)
    killed_at = writer.committed
    with state.connect(settings.postgres_dsn) as conn:
        slot = state.read_slot(conn, settings.relay_slot)
    assert slot is not None
    assert slot.confirmed_flush_lsn is not None

    second = relay_process()  # starts while the writer goes on
    writer.join(120)
    assert writer.committed == CHANGES
    assert killed_at < CHANGES, "the writer finished before the kill; nothing was tested"

    expected = writer.expected
    wanted = set(expected)
    records = consume(
        settings,
        ["listings"],
        until=lambda rs: wanted <= {_identity(r) for r in rs},
        seconds=90,
    )
    seen = [_identity(r) for r in sorted(records, key=lambda r: (r.partition, r.offset))]
    missing = wanted - set(seen)
    assert not missing, f"{len(missing)} changes never reached Kafka, e.g. {sorted(missing)[:3]}"

    # per key, the first time each change appears follows the commit order
    order = {change: n for n, change in enumerate(expected)}
    first_seen: dict[str, list[int]] = {}
    shown: set[tuple[str, str, int]] = set()
    for change in seen:
        if change not in shown:
            shown.add(change)
            first_seen.setdefault(change[0], []).append(order[change])
    for key, positions in first_seen.items():
        assert positions == sorted(positions), key
    duplicates = len(seen) - len(set(seen))
    print(f"killed after {killed_at} changes; {duplicates} records delivered twice")  # noqa: T201
    assert stop_process(second) == 0
