"""Readiness: every dependency checked at once, each within a timeout, with its latency.

A probe is an async callable that returns a short detail when its dependency answers and
raises when it does not. :class:`Readiness` runs them concurrently, turns a timeout or an
exception into "down" with the reason, and shares one run among concurrent callers (and
reuses it for ``cache_for`` seconds) so a flood of ``/ready`` calls cannot become a flood
of connections to the databases.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any, Literal

Probe = Callable[[], Awaitable[str]]
Clock = Callable[[], float]
ReadyStatus = Literal["ready", "degraded", "unavailable"]


@dataclass(frozen=True)
class CheckResult:
    name: str
    up: bool
    required: bool
    latency_ms: float
    detail: str


@dataclass(frozen=True)
class ReadinessReport:
    checks: list[CheckResult]

    @property
    def ready(self) -> bool:
        return all(c.up for c in self.checks if c.required)

    @property
    def status(self) -> ReadyStatus:
        if not self.ready:
            return "unavailable"
        return "ready" if all(c.up for c in self.checks) else "degraded"

    def as_dict(self) -> dict[str, Any]:
        """The body of ``/ready`` (the API's shape; the relay and the workers answer it too)."""
        checks = [
            {"name": c.name, "status": "up" if c.up else "down", "required": c.required,
             "latency_ms": c.latency_ms, "detail": c.detail}
            for c in self.checks
        ]  # fmt: skip
        return {"status": self.status, "checks": checks}


class Readiness:
    def __init__(
        self,
        probes: Mapping[str, Probe],
        *,
        required: Collection[str],
        timeout: float,
        cache_for: float = 0.0,
        clock: Clock = time.monotonic,
    ) -> None:
        unknown = set(required) - set(probes)
        if unknown:
            raise ValueError(f"required checks {sorted(unknown)} are not among {sorted(probes)}")
        self.probes = dict(probes)
        self.required = frozenset(required)
        self.timeout = timeout
        self.cache_for = cache_for
        self._clock = clock
        self._last: tuple[float, ReadinessReport] | None = None
        self._running: asyncio.Task[ReadinessReport] | None = None

    async def report(self) -> ReadinessReport:
        if self._last is not None and self._clock() - self._last[0] < self.cache_for:
            return self._last[1]
        if self._running is None or self._running.done():
            self._running = asyncio.create_task(self._check_all())
        return await asyncio.shield(self._running)

    async def _check_all(self) -> ReadinessReport:
        results = await asyncio.gather(*(self._check(n, p) for n, p in self.probes.items()))
        report = ReadinessReport(checks=list(results))
        self._last = (self._clock(), report)
        return report

    async def _check(self, name: str, probe: Probe) -> CheckResult:
        started = time.perf_counter()
        try:
            detail = await asyncio.wait_for(probe(), self.timeout)
            up = True
        except TimeoutError:
            detail, up = f"no answer within {self.timeout:g} s", False
        except Exception as exc:
            detail, up = f"{type(exc).__name__}: {exc}"[:300], False
        latency_ms = round((time.perf_counter() - started) * 1000, 1)
        return CheckResult(name, up, name in self.required, latency_ms, detail)
