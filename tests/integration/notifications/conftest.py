"""A migrated database, the relay and the notification worker, on topics of this test's own.

The core fixtures (a migrated fresh database, a unit of work per command) are the ones of
``tests/integration/core``; the relay runs as the pipelines tests run it (a child process);
the worker is ``souk notifications worker`` (the agent alone, under its own consumer group).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines.topics import ensure_topics
from souk.settings import PROJECT_ROOT, Settings
from tests.integration.core.conftest import (  # noqa: F401  (fixtures)
    cheap_password_hashing,
    engine,
    migrated,
    new_uow,
    session_factory,
)
from tests.integration.search.helpers import delete_topics, relay_subprocess, stop_process


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def notifier_settings(migrated: Settings) -> Iterator[Settings]:  # noqa: F811
    """Settings with this test's topic prefix, consumer group and replication slot."""
    tag = secrets.token_hex(4)
    mine = migrated.model_copy(update={
        "streams_topic_prefix": f"test-{tag}.", "relay_topic_prefix": f"test-{tag}.",
        "streams_app_id": f"test-notify-{tag}", "relay_slot": f"notify_{tag}",
        "relay_feedback_seconds": 0.2, "notification_retry_base_s": 0.05})  # fmt: skip
    asyncio.run(ensure_topics(mine, prefix=mine.streams_topic_prefix))
    yield mine
    asyncio.run(delete_topics(mine))


@pytest.fixture
def relay(notifier_settings: Settings, tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    with relay_subprocess(notifier_settings, log_file=tmp_path / "relay.log") as process:
        yield process


@pytest.fixture
def notification_worker(
    notifier_settings: Settings, tmp_path: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """``souk notifications worker`` as a child process with these settings; its standard
    error goes to a file (an unread pipe would block it), which ``worker.stderr`` reads."""
    settings = notifier_settings
    env = os.environ | {
        "SOUK_POSTGRES_DB": settings.postgres_db,
        "SOUK_STREAMS_TOPIC_PREFIX": settings.streams_topic_prefix,
        "SOUK_STREAMS_APP_ID": settings.streams_app_id,
        "SOUK_NOTIFICATION_RETRY_BASE_S": str(settings.notification_retry_base_s),
    }
    log_file = tmp_path / "notification-worker.log"
    with log_file.open("wb") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "souk.cli", "notifications", "worker"],
            cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log,
        )  # fmt: skip
    with log_file.open("rb") as worker.stderr:
        yield worker
        stop_process(worker, grace_seconds=20)
