"""Reindex jobs with a stand-in command, and the /internal/reindex routes behind tokens."""

from __future__ import annotations

import asyncio
import signal
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.errors import install_error_handlers
from api.reindex_jobs import ReindexJobs, ReindexRunningError, settings_environment
from api.routes.internal import install_internal
from api.service_tokens import mint_service_token
from souk.settings import Settings

pytestmark = pytest.mark.anyio
SETTINGS = Settings(
    catalog_alias="catalog-under-test",
    service_token_secret="internal-" + "s" * 32,
    admin_allowed_networks=["10.0.0.0/8"],
    data_dir=Path("/tmp/souk-test"),
)
PRINTS_ALIAS = (
    sys.executable,
    "-c",
    "import os; print('reindexed', os.environ['SOUK_CATALOG_ALIAS'])",
)
FAILS = (sys.executable, "-c", "import sys; print('Elasticsearch is down'); sys.exit(3)")
# Says when it is running (a TERM sent between fork and exec can be lost to a handler the test
# process has installed), with TERM's default action whatever it inherited.
SLEEPS = (
    sys.executable,
    "-c",
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_DFL); "
    "print('sleeping', flush=True); time.sleep(60)",
)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def finished(jobs: ReindexJobs, job_id: uuid.UUID) -> str:
    for _ in range(200):
        job = jobs.get(job_id)
        assert job is not None
        if job.state != "running":
            return job.state
        await asyncio.sleep(0.05)
    raise AssertionError("the job did not finish")


async def test_a_job_runs_with_the_apps_settings_and_keeps_its_output() -> None:
    jobs = ReindexJobs(SETTINGS, command=PRINTS_ALIAS)
    job = await jobs.start(requested_by="ops")
    assert job.state == "running"
    assert await finished(jobs, job.id) == "succeeded"
    assert job.exit_code == 0
    assert list(job.output) == ["reindexed catalog-under-test"]
    assert job.finished_at is not None


async def test_a_failing_job_is_failed_with_its_exit_code() -> None:
    jobs = ReindexJobs(SETTINGS, command=FAILS)
    job = await jobs.start(requested_by="ops")
    assert await finished(jobs, job.id) == "failed"
    assert (job.exit_code, list(job.output)) == (3, ["Elasticsearch is down"])


async def test_one_job_at_a_time_and_shutdown_stops_it() -> None:
    jobs = ReindexJobs(SETTINGS, command=SLEEPS)
    job = await jobs.start(requested_by="ops")
    with pytest.raises(ReindexRunningError) as refused:
        await jobs.start(requested_by="someone else")
    assert refused.value.job is job
    for _ in range(200):
        if list(job.output) == ["sleeping"]:
            break
        await asyncio.sleep(0.05)
    await jobs.close(grace_s=30)
    assert job.state == "failed"
    assert job.exit_code == -signal.SIGTERM  # stopped by TERM, not killed after the grace


async def test_only_the_newest_finished_jobs_are_kept() -> None:
    jobs = ReindexJobs(SETTINGS, command=PRINTS_ALIAS, keep=2)
    ids = []
    for _ in range(3):
        job = await jobs.start(requested_by="ops")
        await finished(jobs, job.id)
        ids.append(job.id)
    assert jobs.get(ids[0]) is None
    assert jobs.get(ids[2]) is not None


def test_the_child_rebuilds_the_same_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    custom = SETTINGS.model_copy(update={"ready_required_checks": ["postgres"], "log_json": True})
    for name, value in settings_environment(custom).items():
        monkeypatch.setenv(name, value)
    assert Settings() == custom


@pytest.fixture
def internal() -> Iterator[TestClient]:
    app = FastAPI()
    app.state.settings = SETTINGS
    install_error_handlers(app)
    install_internal(app, SETTINGS, jobs=ReindexJobs(SETTINGS, command=PRINTS_ALIAS))
    with TestClient(app) as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_reindex_over_http_202_then_status(internal: TestClient) -> None:
    token = mint_service_token(SETTINGS, audience="reindex", subject="dagster")
    started = internal.post("/internal/reindex", headers=bearer(token))
    assert started.status_code == 202, started.text
    job = started.json()
    assert (job["state"], job["requested_by"]) == ("running", "dagster")
    assert started.headers["Location"].endswith(f"/internal/reindex/{job['job_id']}")
    for _ in range(200):
        status = internal.get(f"/internal/reindex/{job['job_id']}", headers=bearer(token)).json()
        if status["state"] != "running":
            break
        time.sleep(0.05)
    assert status["state"] == "succeeded"
    assert status["output"] == ["reindexed catalog-under-test"]


def test_reindex_needs_a_reindex_token(internal: TestClient) -> None:
    assert internal.post("/internal/reindex").status_code == 401
    other = mint_service_token(SETTINGS, audience="backfill")
    assert internal.post("/internal/reindex", headers=bearer(other)).status_code == 403
    forged = mint_service_token(
        SETTINGS.model_copy(update={"service_token_secret": "x" * 40}), audience="reindex"
    )
    refused = internal.post("/internal/reindex", headers=bearer(forged))
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"] == "Bearer"
    token = mint_service_token(SETTINGS, audience="reindex")
    missing = internal.get(f"/internal/reindex/{uuid.uuid4()}", headers=bearer(token))
    assert missing.status_code == 404
    assert internal.get("/internal/reindex/not-a-job", headers=bearer(token)).status_code == 422
