"""The Dagster instance's configuration: PostgreSQL storage by default, SQLite on request."""

from __future__ import annotations

import json
import os
from pathlib import Path

import dagster as dg
import pytest

from dagster_project.instance import (
    DAGSTER_ENVIRONMENT,
    instance_config,
    prepare_dagster_home,
    temporary_instance,
)
from souk.settings import DagsterStorage, Settings


def test_the_default_storage_is_the_projects_postgres_server_through_psycopg2() -> None:
    settings = Settings(postgres_port=55555, postgres_password="s3cret")
    database = instance_config(settings)["storage"]["postgres"]["postgres_db"]
    assert database == {
        "hostname": "127.0.0.1", "port": 55555, "username": "souk", "password": "s3cret",
        "db_name": "souk_dagster", "scheme": "postgresql+psycopg2",
    }  # fmt: skip
    other = instance_config(settings, "souk_dagster_tmp_1")["storage"]["postgres"]
    assert other["postgres_db"]["db_name"] == "souk_dagster_tmp_1"


def test_sqlite_storage_leaves_dagster_its_files_under_the_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [*DAGSTER_ENVIRONMENT, "DAGSTER_HOME"]:
        monkeypatch.delenv(name, raising=False)  # restored after the test
    settings = Settings(data_dir=tmp_path, dagster_storage=DagsterStorage.SQLITE)
    home = prepare_dagster_home(settings)
    written = json.loads((home / "dagster.yaml").read_text())  # JSON is YAML
    assert "storage" not in written
    assert written["run_coordinator"]["config"] == {"max_concurrent_runs": 2}
    with dg.DagsterInstance.from_config(str(home)) as instance:  # Dagster reads it
        assert type(instance.run_storage).__name__ == "SqliteRunStorage"
        assert list(instance.get_runs()) == []
    assert (home / "dagster.yaml").stat().st_mode & 0o077 == 0
    assert os.environ["DAGSTER_HOME"] == str(home)
    assert {name: os.environ[name] for name in DAGSTER_ENVIRONMENT} == DAGSTER_ENVIRONMENT


def test_a_temporary_instance_sets_dagsters_switches_only_while_it_lives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = sorted(DAGSTER_ENVIRONMENT)
    monkeypatch.setenv(first, "7")  # a value of the caller's, to be given back
    monkeypatch.delenv(second, raising=False)  # absent, to stay absent
    settings = Settings(data_dir=tmp_path, dagster_storage=DagsterStorage.SQLITE)
    with temporary_instance(settings) as instance:
        assert type(instance.run_storage).__name__ == "SqliteRunStorage"
        assert {name: os.environ[name] for name in DAGSTER_ENVIRONMENT} == DAGSTER_ENVIRONMENT
    assert os.environ[first] == "7"
    assert second not in os.environ
