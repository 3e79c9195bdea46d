"""Side-by-side benchmark: PGSync against the Souk pipeline, PostgreSQL -> Elasticsearch.

What it does (every step on 127.0.0.1, every file under ``.local/``):

1. Creates a fresh PostgreSQL database, migrates it with the core's Alembic migrations and
   loads N listings of :class:`demo_market.generator.MarketGenerator` (with their sellers and
   users) through ``COPY``.
2. PGSync (``benchmarks/pgsync/``): builds its own virtualenv from PyPI with the pinned
   versions of ``benchmarks/pgsync/requirements.txt``, starts a private Redis, and for each
   Elasticsearch target runs ``bootstrap``, a one-shot ``pgsync`` (initial sync: launch until
   N documents are searchable) and ``pgsync --daemon`` while listings are updated at a fixed
   rate (commit-to-searchable latency: each update bumps ``listings.version``; a poller
   searches the index by id until it sees that version), once with PGSync's defaults and
   once with ``--pgsync-tuned`` settings (default ``REDIS_WRITE_CHUNK_SIZE=1``).
   Targets: ``es819-direct`` (our 8.19 node as it is), ``es819-shim`` (the same node behind a
   loopback shim that adds the root endpoint ``GET /`` the integ-test-zip lacks) and
   ``es717`` (a second node, 7.17.x from Maven Central, PGSync's native client line).
3. The Souk pipeline, when its commands exist: ``souk relay run`` and ``souk streams worker``
   as subprocesses with ``SOUK_*`` settings pointing at the benchmark database, topics of
   their own (prefix) and a catalog alias of their own; the same two figures.
4. Cleans up: stops every process it started, drops the replication slots and the database,
   deletes the indices and topics it made, and writes a JSON result (``--out``).

Run it with ``.venv/bin/python -m benchmarks.pgsync_comparison --help``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import http.client
import json
import os
import platform
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb
from pydantic import BaseModel, ConfigDict, Field

from benchmarks.results import BenchmarkResult, Chart, Figure
from core import migrate
from demo_market.generator import ListingSpec, MarketGenerator, SellerSpec
from local_services.postgres import drop_database
from souk.settings import PROJECT_ROOT, Settings, load_settings

HERE = Path(__file__).resolve().parent
PGSYNC_DIR = HERE / "pgsync"
PGSYNC_SCHEMA = PGSYNC_DIR / "schema.json"
PGSYNC_REQUIREMENTS = PGSYNC_DIR / "requirements.txt"
PGSYNC_VERSION = "7.3.0"
ES_SECOND_VERSION = "7.17.29"
TARGETS = ("es819-direct", "es819-shim", "es717")
DEFAULT_TARGETS = "es819-direct,es819-shim,es717"

LISTING_COLUMNS = (
    "id",
    "seller_id",
    "category",
    "status",
    "title_ar",
    "title_en",
    "description_ar",
    "description_en",
    "make",
    "model",
    "trim",
    "year",
    "body_type",
    "fuel",
    "transmission",
    "colour",
    "mileage_km",
    "condition",
    "price_egp",
    "negotiable",
    "installments_available",
    "governorate",
    "city",
    "latitude",
    "longitude",
    "photos",
    "part_number",
    "compatible",
    "service_type",
    "version",
    "created_at",
    "updated_at",
    "published_at",
)
JSON_COLUMNS = frozenset({"photos", "compatible"})
UPDATE_SQL = (
    "UPDATE listings SET price_egp = price_egp + 100, version = version + 1, "
    "updated_at = now() WHERE id = %s RETURNING version"
)
# What the report says when PGSync's client meets our node as it is (finding 1 of the README).
ROOT_ENDPOINT_MISSING = "Incorrect HTTP method for uri [/]"
WHY_DIRECT_FAILS = (
    "PGSync {pgsync} pins the Elasticsearch 7.17 Python client. Before its first request that "
    "client checks the product with `GET /`, and PGSync itself calls `info()` (`GET /`) to "
    "learn the server's major version. Our Elasticsearch {ours} is the integ-test-zip "
    "distribution, which has no modules and so no `rest-root`: `GET /` answers 405, and "
    "`bootstrap` exits before touching PostgreSQL. `ELASTIC_CLIENT_APIVERSIONING=1` does not "
    "help (it changes the media types, not the endpoint). The closest configuration that runs "
    "is the same node behind a loopback shim that answers `GET /` with the node's own "
    "identity (what `rest-root` returns on a full distribution) and forwards every other "
    "request unchanged (target `es819-shim`): same node, same data, same refresh interval."
)


class LatencySummary(BaseModel):
    """Commit-to-searchable latency of one run of updates."""

    model_config = ConfigDict(extra="allow")
    updates: int
    seen: int
    missing: int
    p50_ms: float | None = None
    p90_ms: float | None = None
    p99_ms: float | None = None
    max_ms: float | None = None


class SideResult(BaseModel):
    """One side (a PGSync target, or our pipeline): initial sync and latency, or its error."""

    model_config = ConfigDict(extra="allow")
    target: str = "souk"
    note: str = ""
    elasticsearch_version: str | None = None
    load_average_at_start: list[float] = Field(default_factory=list)
    load_average_at_end: list[float] = Field(default_factory=list)
    bootstrap_seconds: float | None = None
    initial_sync_seconds: float | None = None
    initial_sync_docs_per_s: float | None = None
    latency: LatencySummary | None = None
    latency_tuned: LatencySummary | None = None
    tuned_env: dict[str, str] = Field(default_factory=dict)
    error: str | None = None
    skipped: list[str] = Field(default_factory=list)


class PgsyncComparisonResult(BenchmarkResult):
    """PGSync on each Elasticsearch target, and our pipeline, on the same listings."""

    model_config = ConfigDict(extra="allow")
    parameters: dict[str, Any]
    our_elasticsearch: str
    loaded: dict[str, int] = Field(default_factory=dict)
    pgsync_versions: dict[str, str] = Field(default_factory=dict)
    pgsync: list[SideResult] = Field(default_factory=list)
    souk: SideResult | None = None

    def sides(self) -> list[tuple[str, SideResult]]:
        rows = [(f"PGSync → {r.target}", r) for r in self.pgsync]
        if self.souk is not None and not self.souk.skipped:
            rows.append(("ours (relay → Kafka → Faust)", self.souk))
        return rows

    def figures(self) -> list[Figure]:
        figures: list[Figure] = []
        for label, side in self.sides():
            if side.error is not None and side.initial_sync_seconds is None:
                continue
            figures.append(Figure(f"{label}: initial sync", side.initial_sync_seconds, "s"))
            for key, lat in (("", side.latency), (" (tuned)", side.latency_tuned)):
                if lat is not None:
                    figures.append(Figure(f"{label}{key}: commit → searchable p50", lat.p50_ms,
                                          "ms"))  # fmt: skip
                    figures.append(Figure(f"{label}{key}: commit → searchable p99", lat.p99_ms,
                                          "ms"))  # fmt: skip
        return figures

    def notes(self) -> list[str]:
        notes: list[str] = []
        for label, side in self.sides():
            if side.error is not None:
                notes.append(f"{label} failed: `{_one_line(side.error)}`")
                if ROOT_ENDPOINT_MISSING in side.error:
                    notes.append(WHY_DIRECT_FAILS.format(
                        pgsync=self.pgsync_versions.get("pgsync", PGSYNC_VERSION),
                        ours=self.our_elasticsearch))  # fmt: skip
            elif side.note:
                notes.append(f"{label}: {side.note}.")
        if self.souk is not None and self.souk.skipped:
            notes.append("our pipeline was skipped: " + "; ".join(self.souk.skipped))
        return notes

    def charts(self) -> list[Chart]:
        ran = [(label, side) for label, side in self.sides() if side.initial_sync_seconds]
        if not ran:
            return []
        listings = self.parameters.get("listings", 0)

        def latency(side: SideResult, key: str) -> float:
            best = side.latency_tuned or side.latency
            value = getattr(best, key) if best is not None else None
            return float(value or 0.0)

        return [
            Chart("pgsync-initial-sync", f"Initial sync of {listings:,} listings", "bars", "s",
                  categories=[label for label, _ in ran],
                  series={"seconds": [float(s.initial_sync_seconds or 0) for _, s in ran]},
                  horizontal=True),
            Chart("pgsync-latency", "Commit → searchable latency (PGSync: tuned settings when "
                  "run)", "bars", "ms", categories=[label for label, _ in ran],
                  series={"p50": [latency(s, "p50_ms") for _, s in ran],
                          "p99": [latency(s, "p99_ms") for _, s in ran]}, horizontal=True),
        ]  # fmt: skip


def _one_line(error: str, limit: int = 500) -> str:
    """An error for one Markdown line: without the frames of rich tracebacks, cut short."""
    lines = [line.strip() for line in error.splitlines()]
    kept = [line for line in lines if line and line[0] not in "│╭╰┃"]
    return " ".join(kept)[:limit].replace("`", "'")


def load_average() -> list[float]:
    """1, 5 and 15 minute load averages: other work on the machine skews every figure."""
    return [round(v, 2) for v in os.getloadavg()]


def say(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", flush=True)  # noqa: T201


class BenchmarkError(RuntimeError):
    """A step failed; the message says which and why."""


# ---------------------------------------------------------------------------------------------
# Elasticsearch over plain HTTP (works the same against 7.17 and 8.19 nodes)
# ---------------------------------------------------------------------------------------------


class EsHttp:
    """A minimal JSON-over-HTTP client: one keep-alive connection per thread."""

    def __init__(self, host: str, port: int, timeout: float = 30.0) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self._local = threading.local()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _connection(self) -> http.client.HTTPConnection:
        conn: http.client.HTTPConnection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            self._local.conn = conn
        return conn

    def request(
        self, method: str, path: str, body: Any = None, *, ok: Sequence[int] = ()
    ) -> tuple[int, Any]:
        payload = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        for attempt in (1, 2):
            conn = self._connection()
            try:
                conn.request(method, path, body=payload, headers=headers)
                response = conn.getresponse()
                raw = response.read()
                break
            except (http.client.HTTPException, OSError):
                conn.close()
                self._local.conn = None
                if attempt == 2:
                    raise
        parsed: Any = json.loads(raw) if raw else None
        if response.status >= 300 and response.status not in ok:
            raise BenchmarkError(f"{method} {path} -> {response.status}: {raw[:500]!r}")
        return response.status, parsed

    def healthy(self) -> bool:
        try:
            status, body = self.request("GET", "/_cluster/health", ok=range(300, 600))
        except (OSError, BenchmarkError, http.client.HTTPException):
            return False
        return status == 200 and isinstance(body, dict) and body.get("status") != "red"

    def version(self) -> str:
        _, body = self.request("GET", "/_nodes/_local?filter_path=nodes.*.version")
        for node in (body or {}).get("nodes", {}).values():
            return str(node["version"])
        return "?"

    def count(self, index: str) -> int:
        status, body = self.request("GET", f"/{index}/_count", ok=(404,))
        return int(body["count"]) if status == 200 else 0

    def delete_index(self, index: str) -> None:
        self.request("DELETE", f"/{index}", ok=(404,))

    def versions_of(self, index: str, ids: list[str], path: Sequence[str]) -> dict[str, int]:
        """The version each searchable document shows (search, not GET: refresh matters)."""
        status, body = self.request(
            "POST",
            f"/{index}/_search",
            {
                "query": {"ids": {"values": ids}},
                "size": len(ids),
                "_source": [".".join(path)],
            },
            ok=(404,),
        )
        found: dict[str, int] = {}
        if status != 200:
            return found
        for hit in body["hits"]["hits"]:
            value: Any = hit.get("_source", {})
            for key in path:
                value = value.get(key) if isinstance(value, dict) else None
            if value is not None:
                found[hit["_id"]] = int(value)
        return found


# ---------------------------------------------------------------------------------------------
# A loopback shim that adds the root endpoint the integ-test-zip lacks
# ---------------------------------------------------------------------------------------------

HOP_HEADERS = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "host"}
)


class RootEndpointShim:
    """Proxies every request to an Elasticsearch node and answers ``GET /`` itself.

    The full distribution serves ``GET /`` from its ``rest-root`` module; the integ-test-zip
    has no modules, so the node answers 405. The answer here is built from the node's own
    ``_nodes/_local`` and cluster UUID (what ``rest-root`` would say); everything else is
    forwarded byte for byte (gzip bodies included).
    """

    def __init__(self, upstream: EsHttp, port: int) -> None:
        self.upstream = upstream
        self.port = port
        self.requests = 0
        self.root_requests = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.info = json.dumps(self._root_info()).encode()

    def _root_info(self) -> dict[str, Any]:
        _, nodes = self.upstream.request(
            "GET",
            "/_nodes/_local?filter_path=cluster_name,nodes.*.name,nodes.*.version,"
            "nodes.*.build_flavor,nodes.*.build_type,nodes.*.build_hash",
        )
        _, state = self.upstream.request(
            "GET", "/_cluster/state/metadata?filter_path=metadata.cluster_uuid"
        )
        node = next(iter(nodes["nodes"].values()))
        return {
            "name": node["name"],
            "cluster_name": nodes["cluster_name"],
            "cluster_uuid": state["metadata"]["cluster_uuid"],
            "version": {
                "number": node["version"],
                "build_flavor": node.get("build_flavor", "default"),
                "build_type": node.get("build_type", "zip"),
                "build_hash": node.get("build_hash", ""),
                "build_snapshot": False,
            },
            "tagline": "You Know, for Search",
        }

    def start(self) -> None:
        shim = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _upstream(self) -> http.client.HTTPConnection:
                conn: http.client.HTTPConnection | None = getattr(self, "_conn", None)
                if conn is None:
                    conn = http.client.HTTPConnection(
                        shim.upstream.host, shim.upstream.port, timeout=120
                    )
                    self._conn = conn
                return conn

            def _handle(self) -> None:
                shim.requests += 1
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                if self.command in ("GET", "HEAD") and self.path.split("?")[0] == "/":
                    shim.root_requests += 1
                    self._reply(200, [("Content-Type", "application/json")], shim.info)
                    return
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_HEADERS}
                conn = self._upstream()
                try:
                    conn.request(self.command, self.path, body=body, headers=headers)
                    response = conn.getresponse()
                    data = response.read()
                except (http.client.HTTPException, OSError):
                    conn.close()
                    conn.request(self.command, self.path, body=body, headers=headers)
                    response = conn.getresponse()
                    data = response.read()
                kept = [
                    (k, v)
                    for k, v in response.getheaders()
                    if k.lower() not in HOP_HEADERS and k.lower() != "content-length"
                ]
                self._reply(response.status, kept, data)

            def _reply(self, status: int, headers: list[tuple[str, str]], data: bytes) -> None:
                self.send_response(status)
                names = {k.lower() for k, _ in headers}
                for key, value in headers:
                    self.send_header(key, value)
                if "x-elastic-product" not in names:
                    self.send_header("X-Elastic-Product", "Elasticsearch")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle  # noqa: N815

        server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


# ---------------------------------------------------------------------------------------------
# Processes: Redis, a second Elasticsearch node, PGSync's tools
# ---------------------------------------------------------------------------------------------


def _wait(what: str, check: Callable[[], bool], timeout: float, interval: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(interval)
    raise BenchmarkError(f"timed out after {timeout:.0f}s waiting for {what}")


def stop_process(proc: subprocess.Popen[bytes], *, grace: float = 20.0) -> int | None:
    """SIGINT, then SIGTERM, then SIGKILL: only to this process's own group (it leads it)."""
    if proc.poll() is not None:
        return proc.returncode
    for sig, wait in ((signal.SIGINT, grace / 2), (signal.SIGTERM, grace / 2), (signal.SIGKILL, 5)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            return proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
    return proc.poll()


def tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


class Redis:
    """A private redis-server on loopback, data under ``.local/pgsync/redis``."""

    def __init__(self, port: int, data_dir: Path) -> None:
        self.port, self.data_dir = port, data_dir.resolve()
        self.proc: subprocess.Popen[bytes] | None = None

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(64).startswith(b"+PONG")
        except OSError:
            return False

    def start(self) -> str:
        binary = shutil.which("redis-server")
        if binary is None:
            raise BenchmarkError(
                "redis-server (PGSync's queue) is missing: run ./dev install, which installs "
                "it, or apt-get install redis-server"
            )
        if self.ping():
            raise BenchmarkError(f"something already listens on 127.0.0.1:{self.port}")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = self.data_dir / "redis.log"
        self.proc = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.data_dir),
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--logfile",
                str(log),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        _wait(f"redis on port {self.port}", self.ping, 20)
        version = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True)
        return version.stdout.split()[2].removeprefix("v=")

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)
            self.proc = None


class SecondElasticsearch:
    """A second node of another version (7.17.x) from Maven Central, on other loopback ports.

    It reuses the project's ``local_services`` installer and process runner; data, logs and
    pid file live under ``.local/pgsync/es-<version>``.
    """

    def __init__(self, base: Settings, version: str, port: int, transport_port: int) -> None:
        from local_services.elasticsearch import ElasticsearchService
        from local_services.process import ServiceUser

        root = PROJECT_ROOT / ".local" / "pgsync" / f"es-{version}"
        self.settings = base.model_copy(
            update={
                "data_dir": root,
                "elasticsearch_version": version,
                "elasticsearch_port": port,
                "elasticsearch_transport_port": transport_port,
                "elasticsearch_heap": base.elasticsearch_heap,  # the same heap as our node
            }
        )

        class Node(ElasticsearchService):
            def _write_config(self) -> Path:
                s = self.settings
                config = self.data_dir / "config"
                shutil.rmtree(config, ignore_errors=True)
                shutil.copytree(self.home / "config", config)
                # 7.x integ-test-zip: no x-pack, so no xpack.* settings
                (config / "elasticsearch.yml").write_text(
                    "cluster.name: pgsync-bench\n"
                    "node.name: pgsync-bench-1\n"
                    f"path.data: {self.data_dir / 'data'}\n"
                    f"path.logs: {s.logs_dir / 'elasticsearch-server'}\n"
                    f"network.host: {s.elasticsearch_host}\n"
                    f"http.port: {s.elasticsearch_port}\n"
                    f"transport.port: {s.elasticsearch_transport_port}\n"
                    "discovery.type: single-node\n"
                    "cluster.routing.allocation.disk.threshold_enabled: false\n"
                    "action.destructive_requires_name: false\n"
                )
                # 7.x's launcher works in ES_HOME (root's, read-only to the service user):
                # point jvm.options' relative GC log, error file and heap dumps at our folder
                jvm_logs = self.data_dir / "jvm"
                jvm_logs.mkdir(parents=True, exist_ok=True)
                options = config / "jvm.options"
                options.write_text(
                    options.read_text()
                    .replace("file=logs/", f"file={jvm_logs}/")
                    .replace("ErrorFile=logs/", f"ErrorFile={jvm_logs}/")
                    .replace("HeapDumpPath=data", f"HeapDumpPath={jvm_logs}")
                )
                (config / "jvm.options.d").mkdir(exist_ok=True)
                (config / "jvm.options.d" / "heap.options").write_text(
                    f"-Xms{s.elasticsearch_heap}\n-Xmx{s.elasticsearch_heap}\n"
                )
                return config

        self.node = Node(self.settings, ServiceUser.resolve(self.settings.service_user))

    def start(self) -> EsHttp:
        s = self.settings
        for folder in (s.data_dir, s.logs_dir, s.run_dir):
            folder.mkdir(parents=True, exist_ok=True)
        self.node.user.own(s.data_dir)
        self.node.install()
        if self.node.pid() is None or not self.node.healthy():
            self.node.start()
        return EsHttp(s.elasticsearch_host, s.elasticsearch_port)

    def stop(self) -> None:
        self.node.stop()


def ensure_pgsync_venv(venv: Path) -> dict[str, str]:
    """PGSync in a virtualenv of its own (its pinned ES/OpenSearch clients clash with ours)."""
    wanted = hashlib.sha256(PGSYNC_REQUIREMENTS.read_bytes()).hexdigest()
    marker = venv / ".souk-requirements-sha256"
    if not (marker.exists() and marker.read_text().strip() == wanted):
        say(f"creating {venv} (pgsync {PGSYNC_VERSION} and its pins, from PyPI)")
        shutil.rmtree(venv, ignore_errors=True)
        venv.parent.mkdir(parents=True, exist_ok=True)
        # sys.executable may be a venv's python: venv then uses its base interpreter
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [
                str(venv / "bin" / "pip"),
                "install",
                "-q",
                "--disable-pip-version-check",
                "-r",
                str(PGSYNC_REQUIREMENTS),
            ],
            check=True,
        )
        marker.write_text(wanted + "\n")
    freeze = subprocess.run(
        [str(venv / "bin" / "pip"), "freeze", "--disable-pip-version-check"],
        capture_output=True,
        text=True,
        check=True,
    )
    pins = dict(line.split("==", 1) for line in freeze.stdout.splitlines() if "==" in line)
    keep = (
        "pgsync",
        "elasticsearch",
        "elasticsearch-dsl",
        "elastic-transport",
        "opensearch-py",
        "redis",
        "SQLAlchemy",
        "psycopg2-binary",
    )
    found = {name: pins[name] for name in keep if name in pins}
    found["python"] = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import platform; print(platform.python_version())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return found


# ---------------------------------------------------------------------------------------------
# The benchmark database
# ---------------------------------------------------------------------------------------------


@dataclass
class BenchDb:
    settings: Settings  # SOUK_* settings with postgres_db = the benchmark database
    admin_db: str

    @property
    def name(self) -> str:
        return self.settings.postgres_db

    def dsn(self, db: str | None = None) -> str:
        s = self.settings
        return (
            f"host={s.postgres_host} port={s.postgres_port} dbname={db or s.postgres_db} "
            f"user={s.postgres_user} password={s.postgres_password}"
        )

    def create(self) -> None:
        with psycopg.connect(self.dsn(self.admin_db), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.name)))
        migrate.upgrade(self.settings)

    def drop_slots(self) -> list[str]:
        with psycopg.connect(self.dsn(self.admin_db), autocommit=True) as conn:
            rows = conn.execute(
                "SELECT slot_name, active_pid FROM pg_replication_slots WHERE database = %s",
                (self.name,),
            ).fetchall()
            for slot, pid in rows:
                if pid is not None:
                    conn.execute("SELECT pg_terminate_backend(%s)", (pid,))
                    time.sleep(0.5)
                conn.execute("SELECT pg_drop_replication_slot(%s)", (slot,))
        return [row[0] for row in rows]

    def drop(self) -> None:
        self.drop_slots()
        drop_database(self.settings.model_copy(update={"postgres_db": self.admin_db}), self.name)

    def listing_ids(self) -> list[str]:
        with psycopg.connect(self.dsn()) as conn:
            return [str(r[0]) for r in conn.execute("SELECT id FROM listings ORDER BY id")]


def load_market(db: BenchDb, listings: int, seed: int) -> dict[str, int]:
    """Users, sellers and ``listings`` active listings through COPY; returns the counts."""
    market = MarketGenerator(seed=seed, listings=listings)
    rng = random.Random(seed)
    now = datetime.now(UTC)
    sellers: list[SellerSpec] = list(market.sellers())
    specs: list[ListingSpec] = [spec for seller in sellers for spec in market.listings_of(seller)]
    with psycopg.connect(db.dsn()) as conn, conn.cursor() as cur:
        with cur.copy(
            "COPY users (id, email, password_hash, role, full_name, created_at) FROM STDIN"
        ) as copy:
            for seller in sellers:
                copy.write_row(
                    (
                        _user_id(seller),
                        seller.email,
                        "!benchmark-no-login",
                        "seller",
                        seller.display_name,
                        now,
                    )
                )
        with cur.copy(
            "COPY sellers (id, user_id, seller_type, display_name, governorate, city, verified,"
            " rating, version, created_at, updated_at) FROM STDIN"
        ) as copy:
            for seller in sellers:
                dealer = seller.seller_type == "dealer"
                rating = Decimal(f"{rng.uniform(3.0, 5.0):.1f}") if dealer else None
                copy.write_row(
                    (
                        seller.seller_id,
                        _user_id(seller),
                        seller.seller_type,
                        seller.display_name,
                        seller.governorate.code,
                        seller.city,
                        dealer and rng.random() < 0.7,
                        rating,
                        1,
                        now,
                        now,
                    )
                )
        with cur.copy(f"COPY listings ({', '.join(LISTING_COLUMNS)}) FROM STDIN") as copy:
            for spec in specs:
                created = now - timedelta(minutes=rng.randint(10, 60 * 24 * 90))
                row: dict[str, Any] = {
                    **spec.fields,
                    "id": spec.listing_id,
                    "seller_id": spec.seller_id,
                    "category": spec.category,
                    "status": "active",
                    "photos": [],
                    "compatible": spec.fields.get("compatible", []),
                    "version": 1,
                    "created_at": created,
                    "updated_at": created,
                    "published_at": created,
                }
                copy.write_row(
                    tuple(
                        Jsonb(row[c]) if c in JSON_COLUMNS else row.get(c) for c in LISTING_COLUMNS
                    )
                )
        conn.commit()
        cur.execute("ANALYZE")
    return {"users": len(sellers), "sellers": len(sellers), "listings": len(specs)}


def _user_id(seller: SellerSpec) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"souk-benchmark-user:{seller.seller_id}")


# ---------------------------------------------------------------------------------------------
# Measurements
# ---------------------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def summarise(latencies_s: Sequence[float], sent: int) -> dict[str, Any]:
    ms = [v * 1000 for v in latencies_s]
    if not ms:
        return {"updates": sent, "seen": 0, "missing": sent}
    return {
        "updates": sent,
        "seen": len(ms),
        "missing": sent - len(ms),
        "p50_ms": round(percentile(ms, 50), 1),
        "p90_ms": round(percentile(ms, 90), 1),
        "p99_ms": round(percentile(ms, 99), 1),
        "max_ms": round(max(ms), 1),
        "min_ms": round(min(ms), 1),
        "mean_ms": round(sum(ms) / len(ms), 1),
    }


def wait_for_count(es: EsHttp, index: str, expected: int, timeout: float) -> float:
    """Seconds (perf_counter) at which ``_count`` first reached ``expected``."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if es.count(index) >= expected:
            return time.perf_counter()
        time.sleep(0.1)
    raise BenchmarkError(
        f"{index} holds {es.count(index)} of {expected} documents after {timeout}s"
    )


@dataclass
class LatencyRun:
    """Update listings at a fixed rate; a poller records when each new version is searchable."""

    db: BenchDb
    es: EsHttp
    index: str
    version_path: Sequence[str]
    poll_interval: float = 0.05
    pending: dict[str, tuple[int, float]] = field(default_factory=dict)
    seen: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)
    polls: int = 0

    def _poll_forever(self) -> None:
        while not self.stop.is_set():
            with self.lock:
                todo = dict(self.pending)
            if not todo:
                time.sleep(self.poll_interval / 2)
                continue
            ids = list(todo)
            for start in range(0, len(ids), 1000):
                chunk = ids[start : start + 1000]
                try:
                    found = self.es.versions_of(self.index, chunk, self.version_path)
                except (BenchmarkError, OSError, http.client.HTTPException):
                    continue
                now = time.monotonic()
                self.polls += 1
                with self.lock:
                    for doc_id, version in found.items():
                        wanted = self.pending.get(doc_id)
                        if wanted is not None and version >= wanted[0]:
                            self.seen.append(now - wanted[1])
                            del self.pending[doc_id]
            time.sleep(self.poll_interval)

    def _update(self, conn: psycopg.Connection[tuple[Any, ...]], listing_id: str) -> None:
        row = conn.execute(UPDATE_SQL, (listing_id,)).fetchone()  # autocommit: committed here
        committed = time.monotonic()
        if row is None:
            raise BenchmarkError(f"listing {listing_id} is gone")
        with self.lock:
            self.pending[listing_id] = (int(row[0]), committed)

    def warm_up(self, listing_id: str, timeout: float) -> float:
        """One update, waited for: proves the sync path is live before measuring."""
        poller = threading.Thread(target=self._poll_forever, daemon=True)
        poller.start()
        try:
            with psycopg.connect(self.db.dsn(), autocommit=True) as conn:
                self._update(conn, listing_id)
            _wait("the warm-up update to become searchable", lambda: not self.pending, timeout)
            return self.seen.pop()
        finally:
            self.stop.set()
            poller.join()
            self.stop.clear()

    def run(
        self, ids: Sequence[str], rate: float, duration: float, settle: float
    ) -> dict[str, Any]:
        count = int(rate * duration)
        chosen = random.Random(7).sample(list(ids), min(count, len(ids)))
        self.seen.clear()
        poller = threading.Thread(target=self._poll_forever, daemon=True)
        poller.start()
        lag_max = 0.0
        try:
            with psycopg.connect(self.db.dsn(), autocommit=True) as conn:
                start = time.monotonic()
                for i, listing_id in enumerate(chosen):
                    due = start + i / rate
                    delay = due - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                    else:
                        lag_max = max(lag_max, -delay)
                    self._update(conn, listing_id)
                wrote_s = time.monotonic() - start
            deadline = time.monotonic() + settle
            while time.monotonic() < deadline:
                with self.lock:
                    if not self.pending:
                        break
                time.sleep(0.1)
        finally:
            self.stop.set()
            poller.join()
        result = summarise(self.seen, len(chosen))
        result.update(
            rate_per_s=rate,
            write_seconds=round(wrote_s, 2),
            achieved_rate_per_s=round(len(chosen) / wrote_s, 1) if wrote_s else None,
            writer_max_lag_ms=round(lag_max * 1000, 1),
            poll_interval_ms=self.poll_interval * 1000,
            polls=self.polls,
        )
        return result


# ---------------------------------------------------------------------------------------------
# PGSync
# ---------------------------------------------------------------------------------------------


@dataclass
class PgsyncTarget:
    name: str
    es: EsHttp  # where the benchmark reads (the real node)
    pgsync_host: str  # where PGSync writes (the node, or the shim in front of it)
    pgsync_port: int
    api_versioning: bool
    note: str


@dataclass
class PgsyncRunner:
    venv: Path
    run_dir: Path
    db: BenchDb
    redis_port: int
    target: PgsyncTarget
    index: str

    def env(self) -> dict[str, str]:
        s = self.db.settings
        env = {
            "PATH": f"{self.venv / 'bin'}:/usr/bin:/bin",
            "HOME": str(self.run_dir),
            "LANG": "C.UTF-8",
            "PGSYNC_DATABASE": self.db.name,
            "PGSYNC_INDEX": self.index,
            "PG_HOST": s.postgres_host,
            "PG_PORT": str(s.postgres_port),
            "PG_USER": s.postgres_user,
            "PG_PASSWORD": s.postgres_password,
            "PG_DATABASE": self.db.admin_db,
            "ELASTICSEARCH": "true",
            "ELASTICSEARCH_SCHEME": "http",
            "ELASTICSEARCH_HOST": self.target.pgsync_host,
            "ELASTICSEARCH_PORT": str(self.target.pgsync_port),
            "REDIS_HOST": "127.0.0.1",
            "REDIS_PORT": str(self.redis_port),
            "CHECKPOINT_PATH": str(self.run_dir),
            "LOG_INTERVAL": "5",
            # PGSync's default is 10 s: a cold node on a busy two-core machine can take longer
            # for the first 5,000-document bulk request, and PGSync then gives up
            "ELASTICSEARCH_TIMEOUT": "600",
        }
        if self.target.api_versioning:
            # the 7.x client then sends "compatible-with=7": the 8.x server's REST compatibility
            env["ELASTIC_CLIENT_APIVERSIONING"] = "1"
        return env

    def _log(self, step: str) -> Path:
        return self.run_dir / f"{step}.log"

    def tool(self, step: str, *args: str, timeout: float = 1800) -> float:
        """Run a PGSync command to completion; seconds taken; BenchmarkError with its error."""
        log = self._log(step)
        started = time.perf_counter()
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [str(self.venv / "bin" / args[0]), *args[1:]],
                env=self.env(),
                cwd=self.run_dir,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                code = proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                stop_process(proc)
                raise BenchmarkError(f"{step} timed out after {timeout}s") from None
        took = time.perf_counter() - started
        if code != 0:
            raise BenchmarkError(f"{step} exited {code}: {last_error(log)}")
        return took

    def daemon(self, log: str, extra_env: dict[str, str]) -> subprocess.Popen[bytes]:
        out = self._log(log).open("wb")
        return subprocess.Popen(
            [str(self.venv / "bin" / "pgsync"), "-c", str(self.schema), "--daemon"],
            env={**self.env(), **extra_env},
            cwd=self.run_dir,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def schema(self) -> Path:
        return self.run_dir / "schema.json"


def last_error(log: Path) -> str:
    """The last exception line of a log (or its last line)."""
    lines = [line.strip() for line in tail(log, 80).splitlines() if line.strip()]
    for line in reversed(lines):
        if "Error" in line or "Exception" in line:
            return line[:600]
    return lines[-1][:600] if lines else "(no output)"


def run_pgsync_target(
    runner: PgsyncRunner, ids: list[str], args: argparse.Namespace
) -> dict[str, Any]:
    target, es = runner.target, runner.target.es
    result: dict[str, Any] = {
        "target": target.name,
        "note": target.note,
        "elasticsearch_version": es.version(),
        "index": runner.index,
        "elastic_client_apiversioning": target.api_versioning,
        "load_average_at_start": load_average(),
    }
    runner.run_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(PGSYNC_SCHEMA, runner.schema)
    es.delete_index(runner.index)
    schema = str(runner.schema)
    daemon: subprocess.Popen[bytes] | None = None
    bootstrapped = False
    try:
        say(f"pgsync[{target.name}]: bootstrap (triggers, views, replication slot)")
        result["bootstrap_seconds"] = round(runner.tool("bootstrap", "bootstrap", "-c", schema), 2)
        bootstrapped = True
        say(f"pgsync[{target.name}]: initial sync of {len(ids)} listings (one-shot pgsync)")
        started = time.perf_counter()
        result["pgsync_process_seconds"] = round(
            runner.tool("initial-sync", "pgsync", "-c", schema), 2
        )
        searchable = wait_for_count(es, runner.index, len(ids), timeout=600)
        result["initial_sync_seconds"] = round(searchable - started, 2)
        result["initial_sync_docs_per_s"] = round(len(ids) / (searchable - started), 1)
        result["documents"] = es.count(runner.index)
        say(
            f"pgsync[{target.name}]: initial sync {result['initial_sync_seconds']} s "
            f"({result['initial_sync_docs_per_s']} docs/s)"
        )
        variants: list[tuple[str, dict[str, str]]] = [("latency", {})]
        if args.pgsync_tuned:
            variants.append(("latency_tuned", args.pgsync_tuned))
            result["tuned_env"] = args.pgsync_tuned
        for key, extra_env in variants:
            label = "daemon" if not extra_env else "daemon-tuned"
            say(
                f"pgsync[{target.name}]: {label} {extra_env or '(defaults)'}; "
                f"{args.rate}/s updates for {args.duration}s"
            )
            daemon = runner.daemon(label, extra_env)
            run = LatencyRun(runner.db, es, runner.index, ("version",), args.poll_interval)
            try:
                result[f"{key}_warm_up_ms"] = round(run.warm_up(ids[0], timeout=120) * 1000, 1)
            except BenchmarkError as exc:
                raise BenchmarkError(
                    f"{exc}; {label} log: {last_error(runner._log(label))}"
                ) from exc
            result[key] = lat = run.run(ids[1:], args.rate, args.duration, args.settle)
            say(
                f"pgsync[{target.name}]: {key} p50 {lat.get('p50_ms')} ms, "
                f"p99 {lat.get('p99_ms')} ms ({lat['seen']}/{lat['updates']} seen)"
            )
            result[f"{label}_exit_code"] = stop_process(daemon)
            daemon = None
    except BenchmarkError as exc:
        result["error"] = str(exc)
        say(f"pgsync[{target.name}]: FAILED: {exc}")
    finally:
        if daemon is not None:
            result["daemon_exit_code"] = stop_process(daemon)
        if bootstrapped:
            try:
                runner.tool("teardown", "bootstrap", "-t", "-c", schema, timeout=300)
            except BenchmarkError as exc:
                result["teardown_error"] = str(exc)
        leftover = runner.db.drop_slots()
        if leftover:
            result["slots_dropped_after_teardown"] = leftover
        if not args.keep:
            es.delete_index(runner.index)
        result["load_average_at_end"] = load_average()
    return result


def benchmark_pgsync(
    db: BenchDb, ids: list[str], args: argparse.Namespace, out: dict[str, Any]
) -> None:
    base = db.settings
    local = PROJECT_ROOT / ".local" / "pgsync"
    out["pgsync_versions"] = ensure_pgsync_venv(Path(args.pgsync_venv))
    redis = Redis(args.redis_port, local / "redis")
    shim: RootEndpointShim | None = None
    second: SecondElasticsearch | None = None
    results: list[dict[str, Any]] = out.setdefault("pgsync", [])
    try:
        out["pgsync_versions"]["redis-server"] = redis.start()
        ours = EsHttp(base.elasticsearch_host, base.elasticsearch_port)
        for name in args.targets:
            target: PgsyncTarget
            if name == "es819-direct":
                target = PgsyncTarget(
                    name,
                    ours,
                    base.elasticsearch_host,
                    base.elasticsearch_port,
                    True,
                    "PGSync's 7.17 client straight at our integ-test-zip node",
                )
            elif name == "es819-shim":
                shim = shim or RootEndpointShim(ours, args.shim_port)
                shim.start()
                target = PgsyncTarget(
                    name,
                    ours,
                    "127.0.0.1",
                    args.shim_port,
                    True,
                    "our node behind a loopback shim that answers GET / (rest-root's job); "
                    "every other request is forwarded unchanged",
                )
            else:
                say(f"starting a second Elasticsearch node {ES_SECOND_VERSION} on :{args.es7_port}")
                second = SecondElasticsearch(
                    base, ES_SECOND_VERSION, args.es7_port, args.es7_transport_port
                )
                node = second.start()
                target = PgsyncTarget(
                    name,
                    node,
                    node.host,
                    node.port,
                    False,
                    f"a second node, Elasticsearch {ES_SECOND_VERSION} integ-test-zip from "
                    "Maven Central, PGSync's native client line",
                )
            runner = PgsyncRunner(
                Path(args.pgsync_venv),
                local / "runs" / f"{db.name}-{name}",
                db,
                args.redis_port,
                target,
                args.pgsync_index,
            )
            result = run_pgsync_target(runner, ids, args)
            if shim is not None and name == "es819-shim":
                result["shim_requests"] = {"total": shim.requests, "root": shim.root_requests}
                shim.stop()
                shim = None
            if second is not None:
                if not args.keep:
                    second.stop()
                second = None
            results.append(result)
    finally:
        if shim is not None:
            shim.stop()
        if second is not None and not args.keep:
            second.stop()
        redis.stop()


# ---------------------------------------------------------------------------------------------
# The Souk pipeline: relay + Faust worker
# ---------------------------------------------------------------------------------------------


def souk_pipeline_missing() -> list[str]:
    """What is missing on our side for the benchmark to drive it ([] when ready).

    Looks the commands up in the ``souk`` Typer app (in-process: far cheaper than running
    ``souk ... --help`` twice on a busy two-core machine).
    """
    try:
        from souk.cli import app
    except Exception as exc:  # a half-landed module elsewhere must not stop the PGSync side
        return [f"`souk` does not import: {exc!r}"]
    groups = {group.name: group.typer_instance for group in app.registered_groups}
    missing = []
    for group_name, command in (("relay", "run"), ("streams", "worker")):
        group = groups.get(group_name)
        names = {
            c.name or (c.callback.__name__ if c.callback else "")
            for c in (group.registered_commands if group else [])
        }
        if command not in names:
            missing.append(f"`souk {group_name} {command}` does not exist yet")
    return missing


def benchmark_souk(db: BenchDb, ids: list[str], args: argparse.Namespace) -> dict[str, Any]:
    """Initial sync and latency of relay -> Kafka -> Faust -> catalog index, like PGSync's."""
    tag = secrets.token_hex(3)
    prefix = f"bench-{tag}."
    alias = f"bench-{tag}-catalog"
    env = {
        **os.environ,  # keeps the SOUK_* ports of this checkout's services
        "SOUK_POSTGRES_DB": db.name,
        "SOUK_RELAY_SLOT": f"bench_{tag}",
        "SOUK_RELAY_TOPIC_PREFIX": prefix,
        "SOUK_STREAMS_TOPIC_PREFIX": prefix,
        "SOUK_STREAMS_APP_ID": f"souk-bench-{tag}",
        "SOUK_CATALOG_ALIAS": alias,
        "SOUK_STREAMS_WEB_ENABLED": "false",
    }
    bench = db.settings.model_copy(
        update={
            "relay_topic_prefix": prefix,
            "streams_topic_prefix": prefix,
            "streams_app_id": f"souk-bench-{tag}",
            "catalog_alias": alias,
        }
    )
    es = EsHttp(bench.elasticsearch_host, bench.elasticsearch_port)
    run_dir = PROJECT_ROOT / ".local" / "benchmarks" / f"{db.name}-souk"
    run_dir.mkdir(parents=True, exist_ok=True)
    souk = str(PROJECT_ROOT / ".venv" / "bin" / "souk")
    result: dict[str, Any] = {
        "topic_prefix": prefix,
        "catalog_alias": alias,
        "load_average_at_start": load_average(),
    }
    procs: dict[str, subprocess.Popen[bytes]] = {}

    def launch(name: str, *command: str) -> subprocess.Popen[bytes]:
        out = (run_dir / f"{name}.log").open("wb")
        proc = subprocess.Popen(
            [souk, *command],
            env=env,
            cwd=PROJECT_ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        procs[name] = proc
        return proc

    def alive(name: str) -> None:
        proc = procs[name]
        if proc.poll() is not None:
            raise BenchmarkError(
                f"{name} exited {proc.returncode}: {last_error(run_dir / f'{name}.log')}"
            )

    try:
        say(f"souk: topics {prefix}*, worker, then relay (snapshot of {len(ids)} listings)")
        created = subprocess.run(
            [souk, "relay", "topics"], env=env, cwd=PROJECT_ROOT, capture_output=True, text=True
        )
        if created.returncode != 0:
            raise BenchmarkError(f"souk relay topics failed: {created.stderr.strip()[-500:]}")
        launch("worker", "streams", "worker", "--no-web")
        # the worker creates the catalog index behind the alias when its agents start

        def worker_ready() -> bool:
            alive("worker")
            status, _ = es.request("GET", f"/_alias/{alias}", ok=(404,))
            return status == 200

        _wait("the stream worker to create its catalog index", worker_ready, 180, 0.5)
        started = time.perf_counter()
        launch("relay", "relay", "run", "--no-create-topics")

        def all_indexed() -> bool:
            alive("relay")
            alive("worker")
            return es.count(alias) >= len(ids)

        _wait(f"{len(ids)} catalog documents", all_indexed, 900, 0.1)
        searchable = time.perf_counter()
        result["initial_sync_seconds"] = round(searchable - started, 2)
        result["initial_sync_docs_per_s"] = round(len(ids) / (searchable - started), 1)
        result["documents"] = es.count(alias)
        say(
            f"souk: initial sync {result['initial_sync_seconds']} s "
            f"({result['initial_sync_docs_per_s']} docs/s)"
        )
        run = LatencyRun(db, es, alias, ("listing", "version"), args.poll_interval)
        result["warm_up_ms"] = round(run.warm_up(ids[0], timeout=120) * 1000, 1)
        result["latency"] = run.run(ids[1:], args.rate, args.duration, args.settle)
        lat = result["latency"]
        say(
            f"souk: latency p50 {lat.get('p50_ms')} ms, p99 {lat.get('p99_ms')} ms "
            f"({lat['seen']}/{lat['updates']} seen)"
        )
    except BenchmarkError as exc:
        result["error"] = str(exc)
        say(f"souk: FAILED: {exc}")
    finally:
        for name in ("relay", "worker"):
            if name in procs:
                result[f"{name}_exit_code"] = stop_process(procs[name], grace=30)
        db.drop_slots()
        if not args.keep:
            _drop_souk_outputs(bench, es, alias, result)
        result["load_average_at_end"] = load_average()
    return result


def _drop_souk_outputs(bench: Settings, es: EsHttp, alias: str, result: dict[str, Any]) -> None:
    status, found = es.request("GET", f"/_alias/{alias}", ok=(404,))
    for index in found if status == 200 and isinstance(found, dict) else {}:
        es.delete_index(index)
    es.delete_index(f"{alias}-sellers")
    try:
        result["topics_deleted"] = asyncio.run(_delete_topics(bench))
    except Exception as exc:  # cleanup is best effort and reported
        result["topics_cleanup_error"] = repr(exc)


async def _delete_topics(settings: Settings) -> list[str]:
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:
        # the relay's topics (prefix) and the Faust app's own (its id, e.g. __assignor-__leader)
        mine = tuple(p for p in (settings.relay_topic_prefix, f"{settings.streams_app_id}-") if p)
        names = sorted(t for t in await admin.list_topics() if t.startswith(mine))
        if names:
            await admin.delete_topics(names)
        return names
    finally:
        await admin.close()


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.pgsync_comparison",
        description=(
            "PGSync vs. the Souk pipeline (relay + Faust): initial sync time for N listings and "
            "commit-to-searchable latency p50/p99 at a fixed update rate. Uses a fresh database, "
            "a private Redis and PGSync in its own virtualenv; cleans up after itself."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--listings", type=int, default=20_000, help="listings to load")
    parser.add_argument("--seed", type=int, default=2026, help="MarketGenerator seed")
    parser.add_argument("--rate", type=float, default=50.0, help="updates per second")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of updates")
    parser.add_argument(
        "--settle",
        type=float,
        default=60.0,
        help="seconds to wait for the last updates to become searchable",
    )
    parser.add_argument(
        "--poll-interval",
        type=float,
        default=0.05,
        help="seconds between the latency poller's searches",
    )
    parser.add_argument("--sides", default="pgsync,souk", help="comma-separated: pgsync, souk")
    parser.add_argument(
        "--targets",
        default=DEFAULT_TARGETS,
        help=f"PGSync's Elasticsearch targets, comma-separated from {TARGETS}",
    )
    parser.add_argument(
        "--out",
        "--json",
        default=str(PROJECT_ROOT / ".local" / "benchmarks" / "pgsync.json"),
        help="where the JSON result goes",
    )
    parser.add_argument(
        "--pgsync-venv",
        default=str(PROJECT_ROOT / ".local" / "pgsync-venv"),
        help="PGSync's own virtualenv (created when missing or stale)",
    )
    parser.add_argument(
        "--pgsync-tuned",
        default="REDIS_WRITE_CHUNK_SIZE=1",
        help="a second daemon run with these PGSync settings (KEY=VALUE,...; '' to skip). "
        "By default PGSync's producer pushes change notifications to Redis only in chunks of "
        "REDIS_WRITE_CHUNK_SIZE=500 while they keep arriving faster than POLL_TIMEOUT (0.1 s)",
    )
    parser.add_argument("--pgsync-index", default="pgsync-listings", help="PGSync's index")
    parser.add_argument("--redis-port", type=int, default=16390, help="the private Redis's port")
    parser.add_argument("--shim-port", type=int, default=19290, help="the root-endpoint shim")
    parser.add_argument(
        "--es7-port",
        type=int,
        default=19201,
        help=f"HTTP port of the second node (Elasticsearch {ES_SECOND_VERSION})",
    )
    parser.add_argument("--es7-transport-port", type=int, default=19301)
    parser.add_argument(
        "--database",
        default=None,
        help="benchmark database name (default: souk_bench_pgsync_<random>)",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the database, indices, topics and second node for inspection",
    )
    args = parser.parse_args(argv)
    args.pgsync_venv = Path(args.pgsync_venv).resolve()
    args.out = Path(args.out).resolve()
    args.pgsync_tuned = dict(
        item.split("=", 1) for item in args.pgsync_tuned.split(",") if "=" in item
    )
    args.sides = [s.strip() for s in args.sides.split(",") if s.strip()]
    args.targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    bad = [t for t in args.targets if t not in TARGETS] + [
        s for s in args.sides if s not in ("pgsync", "souk")
    ]
    if bad:
        parser.error(f"unknown side or target: {', '.join(bad)}")
    return args


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


@contextlib.contextmanager
def benchmark_database(base: Settings, name: str | None, keep: bool) -> Iterator[BenchDb]:
    db_name = name or f"souk_bench_pgsync_{secrets.token_hex(3)}"
    db = BenchDb(base.model_copy(update={"postgres_db": db_name}), admin_db=base.postgres_db)
    say(f"creating database {db_name} and migrating it (core/migrations)")
    db.create()
    try:
        yield db
    finally:
        if keep:
            say(f"kept database {db_name}")
        else:
            db.drop()
            say(f"dropped database {db_name}")


def main(argv: Sequence[str] | None = None) -> int:
    compare(parse_args(argv))
    return 0


def compare(args: argparse.Namespace) -> PgsyncComparisonResult:
    """Run every side; the JSON result is written to ``args.out`` even when a step fails."""
    base = load_settings()
    out: dict[str, Any] = {
        "benchmark": "pgsync_comparison",
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "parameters": {
            "listings": args.listings,
            "seed": args.seed,
            "rate_per_s": args.rate,
            "duration_s": args.duration,
            "poll_interval_s": args.poll_interval,
            "sides": args.sides,
            "targets": args.targets,
        },
        "our_elasticsearch": EsHttp(base.elasticsearch_host, base.elasticsearch_port).version(),
    }
    out_path = Path(args.out)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with benchmark_database(base, args.database, args.keep) as db:
            started = time.perf_counter()
            out["loaded"] = load_market(db, args.listings, args.seed)
            out["load_seconds"] = round(time.perf_counter() - started, 2)
            ids = db.listing_ids()
            say(f"loaded {out['loaded']} in {out['load_seconds']} s")
            if "pgsync" in args.sides:
                benchmark_pgsync(db, ids, args, out)
            if "souk" in args.sides:
                missing = souk_pipeline_missing()
                if missing:
                    out["souk"] = {"skipped": missing}
                    say("souk: skipped: " + "; ".join(missing))
                else:
                    out["souk"] = benchmark_souk(db, ids, args)
    finally:
        out["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        out_path.write_text(json.dumps(out, indent=2, default=str) + "\n")
        say(f"result: {out_path}")
    print_summary(out)
    return PgsyncComparisonResult.model_validate(out)


def print_summary(out: dict[str, Any]) -> None:
    rows: list[tuple[str, dict[str, Any]]] = []
    for r in out.get("pgsync", []):
        rows.append((f"pgsync/{r['target']}", r))
        if "latency_tuned" in r:
            rows.append(("  + tuned settings", {"latency": r["latency_tuned"]}))
    if isinstance(out.get("souk"), dict) and "skipped" not in out["souk"]:
        rows.append(("souk relay+faust", out["souk"]))
    say(f"{'side':<22}{'initial sync s':>15}{'docs/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'seen':>11}")
    for label, r in rows:
        lat = r.get("latency", {})
        seen = f"{lat.get('seen', '-')}/{lat.get('updates', '-')}" if lat else "-"
        say(
            f"{label:<22}{r.get('initial_sync_seconds', '-')!s:>15}"
            f"{r.get('initial_sync_docs_per_s', '-')!s:>9}{lat.get('p50_ms', '-')!s:>9}"
            f"{lat.get('p99_ms', '-')!s:>9}{seen:>11}"
        )
        if "error" in r:
            say(f"  {label}: {r['error']}")
    if isinstance(out.get("souk"), dict) and "skipped" in out["souk"]:
        say("souk: skipped: " + "; ".join(out["souk"]["skipped"]))


if __name__ == "__main__":
    sys.exit(main())
