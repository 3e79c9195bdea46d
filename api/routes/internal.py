"""``/internal``: endpoints for other services, behind service tokens and the admin networks.

``POST /internal/reindex`` starts ``souk search reindex`` in the background and answers 202
with the job; ``GET /internal/reindex/{job_id}`` follows it. Both need a service token for
the ``reindex`` audience (``souk api service-token --audience reindex``).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from fastapi import APIRouter, FastAPI, HTTPException, Request, Response, status
from pydantic import BaseModel, Field

from api.errors import ErrorOut, error_responses
from api.reindex_jobs import JobState, ReindexJob, ReindexJobs, ReindexRunningError
from api.service_tokens import ReindexCaller
from souk.settings import Settings

router = APIRouter(prefix="/internal", tags=["internal"])
TOKEN_ERRORS = error_responses(401, 403)


class ReindexJobOut(BaseModel):
    job_id: uuid.UUID
    state: JobState
    requested_by: str = Field(description="The service token's subject.")
    started_at: datetime
    finished_at: datetime | None
    exit_code: int | None
    output: list[str] = Field(description="The last lines the reindex printed.")

    @classmethod
    def of(cls, job: ReindexJob) -> ReindexJobOut:
        return cls(
            job_id=job.id, state=job.state, requested_by=job.requested_by,
            started_at=job.started_at, finished_at=job.finished_at, exit_code=job.exit_code,
            output=list(job.output),
        )  # fmt: skip


def _jobs(request: Request) -> ReindexJobs:
    jobs: ReindexJobs = request.app.state.reindex_jobs
    return jobs


@router.post(
    "/reindex",
    summary="Rebuild the catalog index in the background (zero downtime alias swap)",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ReindexJobOut,
    responses={
        **TOKEN_ERRORS,
        409: {"model": ErrorOut, "description": "A reindex is already running."},
    },
)
async def start_reindex(
    caller: ReindexCaller, request: Request, response: Response
) -> ReindexJobOut:
    try:
        job = await _jobs(request).start(requested_by=caller.subject)
    except ReindexRunningError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    response.headers["Location"] = str(request.url_for("reindex_status", job_id=job.id))
    return ReindexJobOut.of(job)


@router.get(
    "/reindex/{job_id}",
    summary="A reindex job's state and the last lines it printed",
    response_model=ReindexJobOut,
    responses={**TOKEN_ERRORS, **error_responses(404)},
)
def reindex_status(job_id: uuid.UUID, caller: ReindexCaller, request: Request) -> ReindexJobOut:
    job = _jobs(request).get(job_id)
    if job is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no reindex job {job_id}")
    return ReindexJobOut.of(job)


def install_internal(app: FastAPI, settings: Settings, *, jobs: ReindexJobs | None = None) -> None:
    """The router, and the jobs stopped at shutdown; ``jobs`` replaces the real one (tests)."""
    app.state.reindex_jobs = jobs or ReindexJobs(settings)
    app.include_router(router)
    previous = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: FastAPI) -> AsyncIterator[Any]:
        try:
            async with previous(application) as state:
                yield state
        finally:
            await application.state.reindex_jobs.close()

    app.router.lifespan_context = lifespan
