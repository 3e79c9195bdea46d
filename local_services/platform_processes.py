"""The platform's own long-running processes (relay, Faust worker, API, Dagster UI) for the demo.

Each runs as a detached ``souk`` subcommand with a pid file and a log under the data dir, like
the services, so `souk demo down` stops exactly what `souk demo up` started.
"""

from __future__ import annotations

import logging
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from local_services.process import ServiceUser, read_pid, spawn, stop_pid, wait_until_healthy
from souk.settings import Settings

log = logging.getLogger(__name__)


def http_answers(url: str) -> Callable[[], bool]:
    def check() -> bool:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return bool(response.status < 500)
        except (urllib.error.URLError, OSError):
            return False

    return check


@dataclass(frozen=True)
class PlatformProcess:
    name: str
    args: tuple[str, ...]
    check: Callable[[], bool]
    start_timeout_seconds: float = 120.0

    def pid_file(self, settings: Settings) -> Path:
        return settings.run_dir / f"{self.name}.pid"

    def log_file(self, settings: Settings) -> Path:
        return settings.logs_dir / f"{self.name}.log"

    def running(self, settings: Settings) -> bool:
        return read_pid(self.pid_file(settings)) is not None

    def start(self, settings: Settings, extra_env: Mapping[str, str] | None = None) -> None:
        """Start it detached (``extra_env`` adds to our environment), wait for its check."""
        if self.running(settings):
            log.info("✓ %s already running", self.name)
            return
        souk = str(Path(sys.executable).parent / "souk")
        me = ServiceUser("self", os.geteuid(), os.getegid())
        log.info("→ starting %s: souk %s", self.name, " ".join(self.args))
        spawn(
            me,
            [souk, *self.args],
            log_file=self.log_file(settings),
            pid_file=self.pid_file(settings),
            env={**os.environ, **(extra_env or {}), "PYTHONUNBUFFERED": "1"},
        )
        wait_until_healthy(
            self.name,
            self.check,
            timeout_seconds=self.start_timeout_seconds,
            log_file=self.log_file(settings),
            pid_file=self.pid_file(settings),
        )

    def stop(self, settings: Settings) -> bool:
        return stop_pid(self.pid_file(settings), grace_seconds=20)
