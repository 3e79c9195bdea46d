"""Catalog reindex jobs: ``souk search reindex`` as a background subprocess of the API.

One job runs at a time (two would race to swap the alias). The child gets this app's
settings as ``SOUK_*`` variables, so it reindexes what the API serves; the last lines of
its output are kept with the job for ``GET /internal/reindex/{job}``. Jobs are kept in
memory (the newest ``keep``); the API's shutdown stops a job still running.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import uuid
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from souk.errors import SoukError
from souk.settings import PROJECT_ROOT, Settings

log = logging.getLogger(__name__)
REINDEX_COMMAND = (sys.executable, "-m", "souk.cli", "search", "reindex")
OUTPUT_LINES = 40
JobState = Literal["running", "succeeded", "failed"]


class ReindexRunningError(SoukError):
    def __init__(self, job: ReindexJob) -> None:
        super().__init__(f"a reindex is already running: job {job.id}")
        self.job = job


@dataclass
class ReindexJob:
    id: uuid.UUID
    requested_by: str
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    state: JobState = "running"
    finished_at: datetime | None = None
    exit_code: int | None = None
    output: deque[str] = field(default_factory=lambda: deque(maxlen=OUTPUT_LINES))


def settings_environment(settings: Settings) -> dict[str, str]:
    """``settings`` as the ``SOUK_*`` variables that rebuild them in a child process."""
    env: dict[str, str] = {}
    for name, value in settings.model_dump(mode="json").items():
        if value is not None:
            env[f"SOUK_{name.upper()}"] = value if isinstance(value, str) else json.dumps(value)
    return env


class ReindexJobs:
    def __init__(
        self, settings: Settings, *, command: Sequence[str] = REINDEX_COMMAND, keep: int = 20
    ) -> None:
        self.settings = settings
        self.command = tuple(command)
        self.keep = keep
        self._jobs: dict[uuid.UUID, ReindexJob] = {}
        self._processes: dict[uuid.UUID, asyncio.subprocess.Process] = {}
        self._watchers: set[asyncio.Task[None]] = set()
        self._lock = asyncio.Lock()

    def get(self, job_id: uuid.UUID) -> ReindexJob | None:
        return self._jobs.get(job_id)

    def running(self) -> ReindexJob | None:
        return next((j for j in self._jobs.values() if j.state == "running"), None)

    async def start(self, *, requested_by: str) -> ReindexJob:
        async with self._lock:
            if (current := self.running()) is not None:
                raise ReindexRunningError(current)
            job = ReindexJob(id=uuid.uuid4(), requested_by=requested_by)
            process = await asyncio.create_subprocess_exec(
                *self.command,
                cwd=PROJECT_ROOT,
                env=os.environ | settings_environment(self.settings),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )
            self._jobs[job.id] = job
            self._processes[job.id] = process
            self._forget_old()
        log.info("reindex job %s started (pid %s) for %s", job.id, process.pid, requested_by)
        watcher = asyncio.create_task(self._watch(job, process))
        self._watchers.add(watcher)
        watcher.add_done_callback(self._watchers.discard)
        return job

    async def _watch(self, job: ReindexJob, process: asyncio.subprocess.Process) -> None:
        assert process.stdout is not None
        async for line in process.stdout:
            job.output.append(line.decode(errors="replace").rstrip())
        job.exit_code = await process.wait()
        job.finished_at = datetime.now(UTC)
        job.state = "succeeded" if job.exit_code == 0 else "failed"
        self._processes.pop(job.id, None)
        log.info("reindex job %s %s (exit %s)", job.id, job.state, job.exit_code)

    def _forget_old(self) -> None:
        finished = sorted(
            (j for j in self._jobs.values() if j.state != "running"), key=lambda j: j.started_at
        )
        for job in finished[: max(0, len(self._jobs) - self.keep)]:
            del self._jobs[job.id]

    async def close(self, *, grace_s: float = 10.0) -> None:
        """Stop running jobs (TERM, then KILL after ``grace_s``) and wait for their watchers."""
        for job_id, process in list(self._processes.items()):
            log.warning("stopping reindex job %s: the API is shutting down", job_id)
            try:
                process.terminate()
            except ProcessLookupError:
                continue
            try:
                await asyncio.wait_for(process.wait(), grace_s)
            except TimeoutError:
                process.kill()
        if self._watchers:
            await asyncio.gather(*self._watchers, return_exceptions=True)
