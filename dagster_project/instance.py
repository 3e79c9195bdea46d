"""The local Dagster instance (DAGSTER_HOME under the data dir) shared by the UI and the CLI.

Runs, event logs and schedule state live in PostgreSQL by default — a database of their own
on the project's server, as in Dagster's own deployments — or, with
``SOUK_DAGSTER_STORAGE=sqlite``, in files under DAGSTER_HOME. Two of Dagster's switches cut the
bookkeeping of a run over many days (docs/WAREHOUSE.md, "Dagster's bookkeeping"):

- ``DAGSTER_EVENT_BATCH_SIZE``: a step's materialisations (one per day of its range) are
  stored in one statement instead of one each (the PostgreSQL storage does; SQLite stores
  them one by one whatever the setting);
- ``DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS``: a range run records one "planned"
  event per asset instead of one per asset and day. Dagster's trade: when such a run fails,
  its days show as missing, not failed (the run itself shows failed).
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import dagster as dg
import psycopg

from local_services.postgres import create_database_if_missing, drop_database
from souk.settings import DagsterStorage, Settings
from warehouse.layout import atomic_path

DAGSTER_ENVIRONMENT = {
    "DAGSTER_EVENT_BATCH_SIZE": "1000",
    "DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS": "true",
}
# A run's process holds its PostgreSQL connections (Dagster's storages otherwise open a new
# connection for every event and query they store: ~800 per backfill run); no statement
# timeout (0), connections renewed after an hour, a few more than one when threads ask at once.
HELD_CONNECTIONS = {"statement_timeout": 0, "pool_recycle": 3600, "max_overflow": 4}
RUN_COORDINATOR = {
    "module": "dagster._core.run_coordinator.queued_run_coordinator",
    "class": "QueuedRunCoordinator",
    "config": {"max_concurrent_runs": 2},
}


def instance_config(settings: Settings, database: str | None = None) -> dict[str, Any]:
    """dagster.yaml's content for ``settings`` (the PostgreSQL storage in ``database``,
    default ``settings.dagster_postgres_db``)."""
    config: dict[str, Any] = {"telemetry": {"enabled": False}, "run_coordinator": RUN_COORDINATOR}
    if settings.dagster_storage is DagsterStorage.POSTGRES:
        config["storage"] = {
            "postgres": {
                "postgres_db": {
                    "hostname": settings.postgres_host,
                    "port": settings.postgres_port,
                    "username": settings.postgres_user,
                    "password": settings.postgres_password,
                    "db_name": database or settings.dagster_postgres_db,
                    # psycopg2 (dagster-postgres's driver): SQLAlchemy's default for
                    # postgresql:// is psycopg 3 now, on which Dagster's NOTIFY fails
                    "scheme": "postgresql+psycopg2",
                }
            }
        }
    return config


def ensure_dagster_database(settings: Settings, database: str | None = None) -> None:
    """Create the Dagster instance's database on the project's server when it is missing."""
    with psycopg.connect(settings.postgres_dsn, autocommit=True) as conn:
        create_database_if_missing(conn, database or settings.dagster_postgres_db)


def _write_instance_yaml(home: Path, config: dict[str, Any]) -> None:
    home.mkdir(parents=True, exist_ok=True)
    with atomic_path(home / "dagster.yaml") as temporary:
        temporary.write_text(json.dumps(config, indent=2) + "\n")  # JSON is YAML
        temporary.chmod(0o600)  # it holds the database password


def prepare_dagster_home(settings: Settings) -> Path:
    """Write DAGSTER_HOME's dagster.yaml from ``settings``, create the instance's database
    when it is missing, export DAGSTER_HOME and the bookkeeping switches to this process
    (and so to the processes it starts); return the home."""
    home = settings.dagster_home
    if settings.dagster_storage is DagsterStorage.POSTGRES:
        ensure_dagster_database(settings)
    _write_instance_yaml(home, instance_config(settings))
    os.environ.update(DAGSTER_ENVIRONMENT)
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def hold_connections(instance: dg.DagsterInstance) -> dg.DagsterInstance:
    """Let ``instance``'s storages keep a connection open for the life of this process, as
    ``dagster-webserver`` does for its own (``optimize_for_webserver``, Dagster's switch for
    long-running processes); for a process that runs a job in process. Returns ``instance``."""
    instance.optimize_for_webserver(**HELD_CONNECTIONS)
    return instance


@contextmanager
def temporary_instance(settings: Settings) -> Iterator[dg.DagsterInstance]:
    """A throw-away instance configured like the local one (for benchmarks and tests): its
    own home and, with PostgreSQL storage, its own database, dropped afterwards."""
    postgres = settings.dagster_storage is DagsterStorage.POSTGRES
    database = f"souk_dagster_tmp_{secrets.token_hex(4)}"
    # The switches for this instance's runs; the environment as it was afterwards.
    with (
        mock.patch.dict(os.environ, DAGSTER_ENVIRONMENT),
        tempfile.TemporaryDirectory(prefix="souk-dagster-") as home,
    ):
        if postgres:
            ensure_dagster_database(settings, database)
        try:
            _write_instance_yaml(Path(home), instance_config(settings, database))
            with dg.DagsterInstance.from_config(home) as instance:
                yield hold_connections(instance)
        finally:
            if postgres:
                drop_database(settings, database)
