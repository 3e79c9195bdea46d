"""`souk demo up`: the whole platform on one machine, fed through the real pipeline."""

from __future__ import annotations

import logging
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
from elasticsearch import Elasticsearch

from local_services import stack
from local_services.platform_processes import PlatformProcess, http_answers
from souk.settings import Settings

log = logging.getLogger(__name__)


def _relay_streaming(settings: Settings) -> Callable[[], bool]:
    def check() -> bool:
        try:
            with psycopg.connect(settings.postgres_dsn, connect_timeout=2) as conn:
                row = conn.execute(
                    "SELECT active FROM pg_replication_slots WHERE slot_name = %s",
                    (settings.relay_slot,),
                ).fetchone()
        except psycopg.Error:
            return False
        return bool(row and row[0])

    return check


def platform_processes(settings: Settings) -> list[PlatformProcess]:
    api = f"http://{settings.api_host}:{settings.api_port}"
    return [
        PlatformProcess("relay", ("relay", "run"), _relay_streaming(settings)),
        PlatformProcess(
            "streams-worker",
            ("streams", "worker"),
            http_answers(f"http://127.0.0.1:{settings.streams_web_port}/"),
        ),
        PlatformProcess("api", ("api", "serve"), http_answers(f"{api}/openapi.json")),
        PlatformProcess(
            "dagster-ui",
            ("dagster", "dev"),
            http_answers(f"http://127.0.0.1:{settings.dagster_port}/server_info"),
            start_timeout_seconds=480,
        ),
    ]


def souk(*args: str) -> None:
    """Run a `souk` subcommand to completion, streaming its output."""
    command = [str(Path(sys.executable).parent / "souk"), *args]
    log.info("→ souk %s", " ".join(args))
    subprocess.run(command, check=True)


def wait_for_catalog(settings: Settings, expected: int, timeout_seconds: float = 600) -> int:
    """Wait until the catalog alias holds ``expected`` documents; report progress."""
    es = Elasticsearch(settings.elasticsearch_url, request_timeout=10)
    deadline = time.monotonic() + timeout_seconds
    count = 0
    try:
        while time.monotonic() < deadline:
            try:
                count = int(es.count(index=settings.catalog_alias)["count"])
            except Exception:  # the alias may not exist for a moment
                count = 0
            log.info("  catalog: %d / %d listings searchable", count, expected)
            if count >= expected:
                return count
            time.sleep(3)
    finally:
        es.close()
    return count


def stop_platform(settings: Settings) -> list[str]:
    stopped = [p.name for p in reversed(platform_processes(settings)) if p.stop(settings)]
    return stopped + stack.down(settings)
