"""``GET /health`` (the process answers) and ``GET /ready`` (its dependencies do too).

``/health`` calls nothing: a liveness probe that restarts the API when PostgreSQL is down
would only add restarts to an outage. ``/ready`` checks every dependency concurrently and
answers 503 while a required one is down, so load balancers send traffic elsewhere.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Literal

from fastapi import APIRouter, FastAPI, Request, Response, status
from pydantic import BaseModel, Field

from api.dependency_probes import probes_for
from api.readiness import Probe, Readiness, ReadyStatus
from souk.settings import Settings

router = APIRouter(tags=["operations"])


class HealthOut(BaseModel):
    status: Literal["ok"] = "ok"
    uptime_s: float = Field(description="Seconds since this API process started.")


class CheckOut(BaseModel):
    name: str = Field(description="postgres, kafka, elasticsearch or warehouse")
    status: Literal["up", "down"]
    required: bool = Field(description="Whether /ready answers 503 while this one is down.")
    latency_ms: float
    detail: str = Field(description="What the dependency said, or why it is counted down.")


class ReadyOut(BaseModel):
    status: ReadyStatus = Field(
        description="degraded: an optional dependency is down; unavailable: a required one."
    )
    checks: list[CheckOut]


@router.get("/health", summary="Liveness: the process answers", response_model=HealthOut)
def health(request: Request) -> HealthOut:
    started: float = request.app.state.started_at
    return HealthOut(uptime_s=round(time.monotonic() - started, 3))


@router.get(
    "/ready",
    summary="Readiness: every dependency answers (503 while a required one does not)",
    response_model=ReadyOut,
    responses={503: {"model": ReadyOut, "description": "A required dependency is down."}},
)
async def ready(request: Request, response: Response) -> ReadyOut:
    readiness: Readiness = request.app.state.readiness
    report = await readiness.report()
    if not report.ready:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    checks = [
        CheckOut(
            name=c.name, status="up" if c.up else "down", required=c.required,
            latency_ms=c.latency_ms, detail=c.detail,
        )
        for c in report.checks
    ]  # fmt: skip
    return ReadyOut(status=report.status, checks=checks)


def install_health(
    app: FastAPI, settings: Settings, *, probes: Mapping[str, Probe] | None = None
) -> None:
    """The two routes; ``probes`` replaces the real dependency probes (tests)."""
    app.state.started_at = time.monotonic()
    app.state.readiness = Readiness(
        probes if probes is not None else probes_for(settings),
        required=settings.ready_required_checks,
        timeout=settings.ready_check_timeout_s,
        cache_for=settings.ready_cache_s,
    )
    app.include_router(router)
