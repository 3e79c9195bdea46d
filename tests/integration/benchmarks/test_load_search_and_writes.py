"""The sustained-load benchmark end to end on a platform of its own: services, relay, Faust
worker and API started, a small market generated, locust driving it for ~25 s, every field
of the report filled, and everything it started stopped and dropped."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import psycopg
import pytest

from benchmarks.load_search_and_writes import LoadResult, main
from benchmarks.market_load.plan import LEAD, LISTING_CREATE, SEARCH
from benchmarks.market_load.summary import TOTAL
from souk.settings import Settings

pytestmark = [pytest.mark.integration, pytest.mark.slow]
PROCESSES = {"postgres", "kafka", "elasticsearch", "relay", "streams-worker", "api", "locust"}


@pytest.mark.timeout(900)
def test_a_short_load_succeeds_and_reports_every_field(
    tmp_path: Path, postgres_ready: Settings
) -> None:
    namespace = f"load_smoke_{secrets.token_hex(3)}"
    main([
        "--namespace", namespace, "--listings", "200", "--duration", "25",
        "--search-rps", "2", "--write-rps", "1", "--contact-rps", "1",
        "--sample-seconds", "3", "--drain-seconds", "30",
        "--json", str(tmp_path / "load.json"), "--plot", str(tmp_path / "load.png"),
    ])  # fmt: skip

    written = json.loads((tmp_path / "load.json").read_text())
    assert set(written) == set(LoadResult.model_fields)
    result = LoadResult.model_validate(written)
    kinds = {k.kind: k for k in result.kinds}
    assert {SEARCH, LISTING_CREATE, LEAD, TOTAL} <= set(kinds)
    for kind in kinds.values():  # each kind got answers, not only errors
        assert kind.requests > kind.errors, (kind, result.errors)
        assert 0 < kind.p50_ms <= kind.p95_ms <= kind.p99_ms <= kind.max_ms
    assert not any("429" in error for error in result.errors), result.errors
    assert kinds[TOTAL].per_second > 0
    assert result.rate_limits is not None  # the API was ours, its limits raised
    assert result.namespace == namespace
    assert {"relay", "streams-worker", "api"} <= set(result.started_processes)
    assert {m.process for m in result.memory} == PROCESSES
    assert all(m.peak_rss_mb >= m.final_rss_mb > 0 for m in result.memory)
    assert len(result.samples) >= 5
    assert result.consumer_lag[-1].series == TOTAL
    assert result.relay_lag.unit == "bytes"
    assert result.latency
    assert (tmp_path / "load.png").read_bytes().startswith(b"\x89PNG")

    with psycopg.connect(postgres_ready.postgres_dsn) as conn:  # dropped at the end
        left = conn.execute("SELECT count(*) FROM pg_database WHERE datname = %s", (namespace,))
        assert left.fetchone() == (0,)
