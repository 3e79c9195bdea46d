"""Readiness with fake probes: concurrency, timeouts, required vs optional, one run at a time."""

from __future__ import annotations

import asyncio
import time

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.health import install_health
from api.readiness import Probe, Readiness
from souk.settings import Settings

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def answers(detail: str, after: float = 0.0) -> Probe:
    async def probe() -> str:
        await asyncio.sleep(after)
        return detail

    return probe


def fails(message: str) -> Probe:
    async def probe() -> str:
        raise ConnectionRefusedError(message)

    return probe


async def test_checks_run_concurrently_and_report_latency() -> None:
    readiness = Readiness(
        {"postgres": answers("15.2", 0.2), "kafka": answers("1 broker", 0.2)},
        required={"postgres", "kafka"}, timeout=1.0,
    )  # fmt: skip
    started = time.perf_counter()
    report = await readiness.report()
    assert time.perf_counter() - started < 0.35  # not 0.4: side by side
    assert report.ready
    assert report.status == "ready"
    assert [(c.name, c.up, c.detail) for c in report.checks] == [
        ("postgres", True, "15.2"), ("kafka", True, "1 broker")]  # fmt: skip
    assert all(150 <= c.latency_ms < 400 for c in report.checks)


async def test_a_hanging_dependency_is_down_after_the_timeout() -> None:
    readiness = Readiness(
        {"postgres": answers("ok"), "elasticsearch": answers("green", 5.0)},
        required={"postgres", "elasticsearch"}, timeout=0.1,
    )  # fmt: skip
    report = await readiness.report()
    es = report.checks[1]
    assert (es.up, es.detail) == (False, "no answer within 0.1 s")
    assert es.latency_ms < 500
    assert report.status == "unavailable"


async def test_an_optional_dependency_down_only_degrades() -> None:
    readiness = Readiness(
        {"postgres": answers("ok"), "warehouse": fails("no marts directory")},
        required={"postgres"}, timeout=1.0,
    )  # fmt: skip
    report = await readiness.report()
    assert report.ready
    assert report.status == "degraded"
    assert report.checks[1].detail == "ConnectionRefusedError: no marts directory"
    assert not report.checks[1].required


async def test_concurrent_callers_share_one_run_and_a_young_result() -> None:
    calls = 0

    async def counted() -> str:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.05)
        return "ok"

    now = [0.0]
    readiness = Readiness(
        {"postgres": counted}, required={"postgres"}, timeout=1.0, cache_for=2.0,
        clock=lambda: now[0],
    )  # fmt: skip
    await asyncio.gather(*(readiness.report() for _ in range(20)))
    assert calls == 1
    now[0] = 1.0
    await readiness.report()
    assert calls == 1
    now[0] = 3.0
    await readiness.report()
    assert calls == 2


def test_a_required_check_must_exist() -> None:
    with pytest.raises(ValueError, match="not among"):
        Readiness({"postgres": answers("ok")}, required={"kafka"}, timeout=1.0)


def ready_app(probes: dict[str, Probe]) -> TestClient:
    app = FastAPI()
    settings = Settings(ready_required_checks=["postgres", "kafka"], ready_cache_s=0)
    install_health(app, settings, probes=probes)
    return TestClient(app)


def test_ready_answers_503_listing_what_is_down() -> None:
    client = ready_app({"postgres": answers("15.2"), "kafka": fails("refused"),
                        "warehouse": answers("marts v1")})  # fmt: skip
    response = client.get("/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    down = [c for c in body["checks"] if c["status"] == "down"]
    assert [(c["name"], c["required"]) for c in down] == [("kafka", True)]
    assert set(body["checks"][0]) == {"name", "status", "required", "latency_ms", "detail"}


def test_ready_and_health_when_all_is_well() -> None:
    client = ready_app({"postgres": answers("15.2"), "kafka": answers("1 broker")})
    assert client.get("/ready").json()["status"] == "ready"
    health = client.get("/health")
    assert health.status_code == 200
    assert health.json()["status"] == "ok"


def test_health_calls_no_dependency() -> None:
    client = ready_app({"postgres": fails("down"), "kafka": fails("down")})
    assert client.get("/health").status_code == 200
    assert client.get("/ready").status_code == 503


def test_both_are_documented_with_their_models() -> None:
    spec = ready_app({"postgres": answers("ok"), "kafka": answers("ok")}).get("/openapi.json")
    paths = spec.json()["paths"]
    ready = paths["/ready"]["get"]["responses"]
    assert ready["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/ReadyOut")
    assert ready["503"]["content"]["application/json"]["schema"]["$ref"].endswith("/ReadyOut")
    health = paths["/health"]["get"]["responses"]["200"]
    assert health["content"]["application/json"]["schema"]["$ref"].endswith("/HealthOut")
