"""Relay benchmark: throughput with a writer at full speed, then commit-to-Kafka latency at 500/s.

Runs against the local services (``souk services up``) in a database, slot and topics of its
own, with the relay as a child process (``python -m pipelines.cli run``), and prints figures:

* throughput: N changes written in multi-row transactions as fast as PostgreSQL takes them;
  the clock runs from the first commit until Kafka's end offsets (records acknowledged by
  the broker) add up to N;
* latency: a writer paced at ``--rate`` changes/s records when each commit returned; a
  consumer records when it sees the change; p50/p95/p99 of the difference.

    .venv/bin/python -m benchmarks.relay_throughput --help
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import orjson
import psycopg
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from psycopg import sql

from benchmarks.process_cpu import cpu_seconds
from benchmarks.results import BenchmarkResult, Chart, Figure
from local_services.postgres import drop_database
from pipelines.relay import state
from pipelines.topics import RelayTopics, declared_topics, ensure_topics
from souk.settings import PROJECT_ROOT, Settings, load_settings

TABLES = """
CREATE TABLE sellers (id uuid PRIMARY KEY, name text NOT NULL);
CREATE TABLE outbox (
    event_id uuid PRIMARY KEY DEFAULT gen_random_uuid(), event_type text NOT NULL,
    aggregate_type text NOT NULL, aggregate_id text NOT NULL, version int NOT NULL,
    occurred_at timestamptz NOT NULL DEFAULT now(), payload jsonb NOT NULL);
CREATE TABLE listings (
    id bigint PRIMARY KEY, seller_id uuid NOT NULL, status text NOT NULL,
    title_en text, title_ar text, make text, model text, year int, price_egp bigint NOT NULL,
    mileage_km int, governorate text NOT NULL, photos jsonb NOT NULL DEFAULT '[]',
    version int NOT NULL DEFAULT 0, sent_at float8,
    created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
"""
INSERT = """
INSERT INTO listings (id, seller_id, status, title_en, title_ar, make, model, year, price_egp,
                      mileage_km, governorate, photos)
SELECT n, gen_random_uuid(), 'active', 'Hyundai Elantra 2019 automatic', 'هيونداي النترا ٢٠١٩',
       'Hyundai', 'Elantra', 2019, 450000 + n, 80000, 'CAI', '["1.jpg", "2.jpg", "3.jpg"]'
FROM generate_series(%s::bigint, %s::bigint) AS n
"""
UPDATE = """
UPDATE listings SET price_egp = price_egp - 1000, version = version + 1, updated_at = now()
WHERE id BETWEEN %s AND %s
"""


class RelayResult(BenchmarkResult):
    """Throughput at full speed, then commit-to-consumer latency at a paced rate."""

    changes: int
    rows_per_transaction: int
    writer_changes_per_s: float
    relay_changes_per_s: float
    relay_seconds: float
    relay_cpu_us_per_change: float
    walsender_cpu_seconds: float
    latency_rate: int
    latency_rows_per_commit: int
    latency_seen: int
    latency_committed: int
    latency_p50_ms: float
    latency_p95_ms: float
    latency_p99_ms: float
    latency_max_ms: float

    def figures(self) -> list[Figure]:
        return [
            Figure(f"relay throughput ({self.changes:,} changes)", self.relay_changes_per_s,
                   "changes/s"),
            Figure("writer (PostgreSQL) rate", self.writer_changes_per_s, "changes/s"),
            Figure("relay CPU per change", self.relay_cpu_us_per_change, "µs"),
            Figure(f"commit → Kafka consumer p50 at {self.latency_rate}/s", self.latency_p50_ms,
                   "ms"),
            Figure(f"commit → Kafka consumer p99 at {self.latency_rate}/s", self.latency_p99_ms,
                   "ms"),
        ]  # fmt: skip

    def charts(self) -> list[Chart]:
        return [
            Chart("relay-throughput", "Relay: changes per second at full speed", "bars",
                  "changes/s", categories=["writer (PostgreSQL)", "relay (to Kafka ack)"],
                  series={"changes/s": [self.writer_changes_per_s, self.relay_changes_per_s]}),
            Chart("relay-latency", f"Relay: commit → consumer at {self.latency_rate} changes/s",
                  "bars", "ms", categories=["p50", "p95", "p99", "max"],
                  series={"ms": [self.latency_p50_ms, self.latency_p95_ms, self.latency_p99_ms,
                                 self.latency_max_ms]}),
        ]  # fmt: skip


def report(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--changes", type=int, default=60_000, help="throughput run size")
    parser.add_argument("--rows-per-transaction", type=int, default=1_000)
    parser.add_argument("--rate", type=int, default=500, help="latency run: changes per second")
    parser.add_argument("--rows-per-commit", type=int, default=10, help="latency run")
    parser.add_argument("--latency-seconds", type=float, default=20.0)
    parser.add_argument("--profile", type=Path, help="run the relay under cProfile into PATH")
    parser.add_argument("--json", type=Path, help="write the result as JSON to PATH")
    parser.add_argument(
        "--renice",
        type=int,
        default=0,
        help="priority change for the relay and its walsender (e.g. -10, as root) when the "
        "machine is shared with other work",
    )
    return parser.parse_args()


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        suffix = secrets.token_hex(4)
        base = load_settings()
        self.args = args
        self.settings = base.model_copy(
            update={
                "postgres_db": f"souk_bench_{suffix}",
                "relay_slot": f"relay_bench_{suffix}",
                "relay_topic_prefix": f"relay-bench-{suffix}.",
            }
        )
        self.topic = RelayTopics(self.settings.relay_topic_prefix).cdc("listings")
        self._base = base
        self._relay: subprocess.Popen[bytes] | None = None
        self.relay_pid: int | None = None
        self.log = Path(tempfile.gettempdir()) / f"relay-bench-{suffix}.log"

    def set_up(self) -> None:
        with psycopg.connect(self._base.postgres_dsn, autocommit=True) as conn:
            conn.execute(
                sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.settings.postgres_db))
            )
        with psycopg.connect(self.settings.postgres_dsn, autocommit=True) as conn:
            conn.execute(TABLES)
        asyncio.run(ensure_topics(self.settings, prefix=self.settings.relay_topic_prefix))

    def start_relay(self) -> None:
        s = self.settings
        env = {
            **os.environ,
            "SOUK_POSTGRES_DB": s.postgres_db,
            "SOUK_RELAY_SLOT": s.relay_slot,
            "SOUK_RELAY_TOPIC_PREFIX": s.relay_topic_prefix,
        }
        command = [sys.executable, "-m", "pipelines.cli", "run", "--no-create-topics"]
        if self.args.profile:
            command[1:1] = ["-m", "cProfile", "-o", str(self.args.profile)]
        with self.log.open("wb") as log:
            self._relay = subprocess.Popen(
                command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        self.relay_pid = self._relay.pid
        deadline = time.monotonic() + 60
        with state.connect(s.postgres_dsn) as conn:
            while state.read_snapshot(conn, s.relay_slot) is None:
                if time.monotonic() > deadline or self._relay.poll() is not None:
                    raise SystemExit(f"the relay did not start; see {self.log}")
                time.sleep(0.1)

    def tear_down(self) -> None:
        if self._relay is not None and self._relay.poll() is None:
            self._relay.send_signal(signal.SIGTERM)
            self._relay.wait(60)
        with psycopg.connect(self._base.postgres_dsn, autocommit=True) as conn:
            conn.execute("SELECT pg_drop_replication_slot(%s)", (self.settings.relay_slot,))
        drop_database(self._base, self.settings.postgres_db)
        asyncio.run(_delete_topics(self.settings))


async def _delete_topics(settings: Settings) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:
        specs = declared_topics(settings, settings.relay_topic_prefix)
        await admin.delete_topics([spec.name for spec in specs])
    finally:
        await admin.close()


def write_full_speed(settings: Settings, changes: int, per_txn: int) -> tuple[float, float]:
    """Half inserts, half updates of the inserted rows; returns (start, end) wall times."""
    started = time.time()
    with psycopg.connect(settings.postgres_dsn) as conn:
        written, next_id = 0, 1
        while written < changes:
            rows = min(per_txn, changes - written)
            if written % (2 * per_txn) < per_txn or next_id == 1:
                conn.execute(INSERT, (next_id, next_id + rows - 1))
                next_id += rows
            else:
                low = max(1, next_id - per_txn)
                conn.execute(UPDATE, (low, low + rows - 1))
            conn.commit()
            written += rows
    return started, time.time()


async def acknowledged(settings: Settings, topic: str, target: int, started: float) -> float:
    """Poll Kafka's end offsets until ``target`` records are on ``topic``; time of arrival."""
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in range(settings.kafka_topic_partitions)]
        while True:
            total = sum((await consumer.end_offsets(partitions)).values())
            if total >= target:
                return time.time()
            if time.time() - started > 600:
                raise SystemExit(f"only {total} of {target} records after 10 minutes")
            await asyncio.sleep(0.02)
    finally:
        await consumer.stop()


def throughput(bench: Bench) -> dict[str, float]:
    settings, args = bench.settings, bench.args
    with state.connect(settings.postgres_dsn) as conn:
        slot = state.read_slot(conn, settings.relay_slot)
    walsender = slot.active_pid if slot else None
    assert bench.relay_pid is not None
    assert walsender is not None
    if args.renice:
        for pid in (bench.relay_pid, walsender):
            os.setpriority(os.PRIO_PROCESS, pid, os.getpriority(os.PRIO_PROCESS, pid) + args.renice)
    relay_cpu, walsender_cpu = cpu_seconds(bench.relay_pid), cpu_seconds(walsender)
    result: list[float] = []
    waiter = threading.Thread(
        target=lambda: result.append(
            asyncio.run(acknowledged(settings, bench.topic, args.changes, time.time()))
        )
    )
    waiter.start()
    started, written = write_full_speed(settings, args.changes, args.rows_per_transaction)
    waiter.join()
    elapsed = result[0] - started
    relay_cpu = cpu_seconds(bench.relay_pid) - relay_cpu
    walsender_cpu = cpu_seconds(walsender) - walsender_cpu
    load = os.getloadavg()[0]
    report(f"throughput: {args.changes} changes in {args.rows_per_transaction}-row transactions")
    report(f"  writer: {args.changes / (written - started):,.0f} changes/s")
    report(f"  relay:  {args.changes / elapsed:,.0f} changes/s (first commit to last Kafka ack,")
    report(f"          {elapsed:.2f} s; the writer finished after {written - started:.2f} s)")
    report(
        f"  relay CPU: {relay_cpu:.1f} s = {1e6 * relay_cpu / args.changes:.0f} us per change, "
        f"{args.changes / relay_cpu:,.0f} changes per CPU-second"
    )
    report(
        f"  walsender (wal2json) CPU: {walsender_cpu:.1f} s; "
        f"machine load average {load:.1f} on {os.cpu_count()} cores"
    )
    return {
        "changes": args.changes,
        "rows_per_transaction": args.rows_per_transaction,
        "writer_changes_per_s": args.changes / (written - started),
        "relay_changes_per_s": args.changes / elapsed,
        "relay_seconds": elapsed,
        "relay_cpu_us_per_change": 1e6 * relay_cpu / args.changes,
        "walsender_cpu_seconds": walsender_cpu,
    }


def latency(bench: Bench) -> dict[str, float]:
    settings, args = bench.settings, bench.args
    committed: dict[int, float] = {}
    seen: dict[int, float] = {}
    stop = threading.Event()
    first_id = 10_000_000

    def writer() -> None:
        per_commit = args.rows_per_commit
        interval = per_commit / args.rate
        next_id, due = first_id, time.monotonic()
        with psycopg.connect(settings.postgres_dsn) as conn:
            while not stop.is_set():
                conn.execute(INSERT, (next_id, next_id + per_commit - 1))
                conn.commit()
                now = time.time()
                for n in range(next_id, next_id + per_commit):
                    committed[n] = now
                next_id += per_commit
                due += interval
                time.sleep(max(0.0, due - time.monotonic()))

    async def reader() -> None:
        consumer = AIOKafkaConsumer(
            bench.topic,
            bootstrap_servers=settings.kafka_bootstrap,
            auto_offset_reset="latest",
            enable_auto_commit=False,
            fetch_max_wait_ms=50,
        )
        await consumer.start()
        try:
            await asyncio.sleep(1.0)  # let the assignment settle before writing
            thread = threading.Thread(target=writer)
            thread.start()
            deadline = time.monotonic() + args.latency_seconds
            while time.monotonic() < deadline + 2:
                if time.monotonic() > deadline:
                    stop.set()
                batches = await consumer.getmany(timeout_ms=100)
                now = time.time()
                for messages in batches.values():
                    for message in messages:
                        seen[orjson.loads(message.value)["key"]["id"]] = now
            thread.join()
        finally:
            await consumer.stop()

    asyncio.run(reader())
    delays = sorted(1000 * (seen[n] - committed[n]) for n in committed if n in seen)
    if not delays:
        raise SystemExit("no change was seen by the consumer")
    cuts = statistics.quantiles(delays, n=100)
    report(
        f"latency at {args.rate} changes/s ({args.rows_per_commit} rows per commit, "
        f"{len(delays)} of {len(committed)} changes seen):"
    )
    report(
        f"  commit -> consumer: p50 {cuts[49]:.0f} ms, p95 {cuts[94]:.0f} ms, "
        f"p99 {cuts[98]:.0f} ms, max {delays[-1]:.0f} ms"
    )
    return {
        "latency_rate": args.rate,
        "latency_rows_per_commit": args.rows_per_commit,
        "latency_seen": len(delays),
        "latency_committed": len(committed),
        "latency_p50_ms": cuts[49],
        "latency_p95_ms": cuts[94],
        "latency_p99_ms": cuts[98],
        "latency_max_ms": delays[-1],
    }


def measure(args: argparse.Namespace) -> RelayResult:
    bench = Bench(args)
    bench.set_up()
    try:
        bench.start_relay()
        figures = throughput(bench)
        figures |= latency(bench)
    finally:
        bench.tear_down()
    report(f"relay log: {bench.log}")
    if args.profile:
        report(f"profile: {args.profile} (python -m pstats {args.profile})")
    return RelayResult.model_validate(figures)


def main() -> None:
    args = parse_args()
    result = measure(args)
    if args.json:
        result.write_json(args.json)


if __name__ == "__main__":
    main()
