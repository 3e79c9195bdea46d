"""One listing change is one trace: API → PostgreSQL → relay → Kafka → Faust → Elasticsearch.

The API runs in this process with an in-memory exporter; the relay and the stream worker
run as processes with ``SOUK_TRACES_EXPORTER=console`` and their standard output in files
(one JSON span per line), as an operator would run them.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

import core.passwords
from api.app import create_app
from core import migrate
from pipelines.relay import state
from pipelines.topics import ensure_topics
from search.catalog_index import drop_catalog
from search.elastic import async_client
from souk.settings import Settings
from souk.topics import DOMAIN_EVENTS, cdc_topic
from tests.integration.search.helpers import (
    delete_topics,
    isolated,
    relay_subprocess,
    stream_worker,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]
TRACED = {"SOUK_TRACES_EXPORTER": "console", "OTEL_BSP_SCHEDULE_DELAY": "200"}
SELLER = {
    "email": "traced-dealer@example.eg",
    "password": "long-password",
    "full_name": "Karim Abou Ghaly",
    "role": "seller",
    "seller": {"seller_type": "dealer", "display_name": "Abou Ghaly Motors",
               "governorate": "cairo", "city": "Nasr City"},
}  # fmt: skip
CAR = {
    "category": "car", "title_en": "Toyota Corolla 2021", "make": "Toyota", "model": "Corolla",
    "year": 2021, "mileage_km": 40_000, "condition": "used", "transmission": "automatic",
    "price_egp": 1_150_000, "governorate": "giza", "city": "6th of October", "publish": True,
}  # fmt: skip


@pytest.fixture
def traced_settings(fresh_database: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setattr(
        core.passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
    migrate.upgrade(fresh_database)
    mine = isolated(fresh_database)
    return mine.model_copy(
        update={
            "relay_topic_prefix": mine.streams_topic_prefix,
            "relay_slot": f"traces_e2e_{secrets.token_hex(4)}",
        }
    )


def wait_for(check: Callable[[], Any], within: float, what: str, spans: Path | None = None) -> Any:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    seen = [] if spans is None else [(s["name"], s["parent_id"]) for s in console_spans(spans)]
    raise AssertionError(f"{what} not seen within {within} s; spans so far: {seen}")


def console_spans(path: Path) -> list[dict[str, Any]]:
    """The spans a process printed (its other output, if any, is not JSON)."""
    spans = []
    for line in path.read_bytes().splitlines():
        try:
            span = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        if isinstance(span, dict) and "context" in span:
            spans.append(span)
    return spans


def ids(span: ReadableSpan) -> tuple[str, str]:
    assert span.context is not None
    return f"0x{span.context.trace_id:032x}", f"0x{span.context.span_id:016x}"


def test_one_listing_change_is_one_trace_from_the_api_to_the_index_and_the_warehouse(
    traced_settings: Settings, tmp_path: Path
) -> None:
    settings = traced_settings
    asyncio.run(ensure_topics(settings, prefix=settings.relay_topic_prefix))
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    relay_spans, worker_spans = tmp_path / "relay.jsonl", tmp_path / "worker.jsonl"
    listings_topic = settings.streams_topic_prefix + cdc_topic("listings")
    events_topic = settings.streams_topic_prefix + DOMAIN_EVENTS
    try:
        with (
            relay_spans.open("wb") as relay_out,
            relay_subprocess(settings, extra_env=TRACED, stdout=relay_out) as relay_process,
            worker_spans.open("wb") as worker_out,
            stream_worker(
                settings, extra_env=TRACED | {"SOUK_DATA_DIR": str(tmp_path)}, stdout=worker_out
            ),
        ):
            with state.connect(settings.postgres_dsn) as conn:  # changes from now on stream
                wait_for(lambda: state.read_snapshot(conn, settings.relay_slot), 60, "snapshot")
            with TestClient(create_app(settings, tracer_provider=provider)) as client:
                assert client.post("/auth/register", json=SELLER).status_code == 201
                credentials = {"email": SELLER["email"], "password": SELLER["password"]}
                login = client.post("/auth/login", json=credentials)
                token = {"Authorization": f"Bearer {login.json()['access_token']}"}
                created = client.post("/listings", json=CAR, headers=token)
                assert created.status_code == 201, created.text

            # the API: a server span for the request, SQL statements as its children
            api_spans = exporter.get_finished_spans()
            [request] = [s for s in api_spans if s.name == "POST /listings"]
            assert request.kind is SpanKind.SERVER
            trace_id, request_id = ids(request)
            statements = [
                s for s in api_spans if s.parent and s.parent.span_id == int(request_id, 16)
            ]
            assert {s.attributes["db.operation.name"] for s in statements if s.attributes} >= {
                "SELECT", "INSERT"
            }  # fmt: skip

            # the relay: its span continues the request's trace, as the request's child
            def relayed() -> list[dict[str, Any]]:
                return [s for s in console_spans(relay_spans) if s["name"] == "relay publish"
                        and s["context"]["trace_id"] == trace_id]  # fmt: skip

            [publish] = wait_for(relayed, 90, "the relay's span of the listing", relay_spans)
            assert publish["parent_id"] == request_id
            assert publish["kind"] == "SpanKind.PRODUCER"
            assert publish["resource"]["attributes"]["service.name"] == "souk-relay"
            assert publish["attributes"]["messaging.batch.message_count"] >= 2  # row + event
            relay_context = publish["context"]

            # the worker: batch spans linked to the relay's span, writes as their children (the
            # warehouse sink's batch engine reads every warehouse topic in one consumer)
            def linked(topic: str) -> Callable[[], list[dict[str, Any]]]:
                def spans() -> list[dict[str, Any]]:
                    return [s for s in console_spans(worker_spans)
                            if s["kind"] == "SpanKind.CONSUMER"
                            and topic in s["attributes"]["messaging.destination.name"].split(",")
                            and any(link["context"]["span_id"] == relay_context["span_id"]
                                    and link["context"]["trace_id"] == trace_id
                                    for link in s["links"])]  # fmt: skip

                return spans

            indexed = wait_for(linked(listings_topic), 180, "the indexer's span", worker_spans)[0]
            sunk = wait_for(linked(events_topic), 180, "the sink's span", worker_spans)[0]
            for batch, write in ((indexed, "elasticsearch bulk"), (sunk, "warehouse write")):
                assert batch["kind"] == "SpanKind.CONSUMER"
                assert batch["resource"]["attributes"]["service.name"] == "souk-streams"

                def children(batch: dict[str, Any] = batch) -> list[str]:
                    return [s["name"] for s in console_spans(worker_spans)
                            if s["parent_id"] == batch["context"]["span_id"]]  # fmt: skip

                assert wait_for(children, 60, f"the child of {batch['name']}", worker_spans) == [
                    write
                ]
            assert relay_process.poll() is None
    finally:
        asyncio.run(clean_up(settings))


async def clean_up(settings: Settings) -> None:
    await delete_topics(settings)
    es = async_client(settings)
    await drop_catalog(es, settings)
    await es.close()
