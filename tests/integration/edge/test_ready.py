"""/ready against the real services: all up is 200; one pointed at a closed port is 503."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from souk.settings import Settings
from tests.integration.edge.conftest import whole_app

pytestmark = pytest.mark.integration


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port  # nothing listens on it once the socket is closed


@pytest.fixture
def with_warehouse(platform: Settings, tmp_path: Path) -> Settings:
    (tmp_path / "warehouse").mkdir()
    # A generous timeout: the first probe of a process pays for imports on a busy machine.
    return platform.model_copy(update={"data_dir": tmp_path, "ready_check_timeout_s": 5.0})


def test_every_dependency_up_is_ready(with_warehouse: Settings) -> None:
    with TestClient(whole_app(with_warehouse)) as client:
        response = client.get("/ready")
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["status"] == "ready"
        checks = {c["name"]: c for c in body["checks"]}
        assert set(checks) == {"postgres", "kafka", "elasticsearch", "warehouse"}
        assert all(c["status"] == "up" for c in checks.values()), checks
        assert checks["postgres"]["detail"].startswith("PostgreSQL 15")
        assert checks["warehouse"]["detail"] == "no marts published yet"
        assert all(c["latency_ms"] >= 0 for c in checks.values())
        assert client.get("/health").json()["status"] == "ok"


@pytest.mark.parametrize(
    ("name", "setting"),
    [("postgres", "postgres_port"), ("kafka", "kafka_port"),
     ("elasticsearch", "elasticsearch_port")],
)  # fmt: skip
def test_a_dependency_on_a_closed_port_makes_it_unavailable(
    with_warehouse: Settings, name: str, setting: str
) -> None:
    broken = with_warehouse.model_copy(update={setting: closed_port()})
    with TestClient(whole_app(broken)) as client:
        response = client.get("/ready")
        assert response.status_code == 503, response.text
        body = response.json()
        assert body["status"] == "unavailable"
        down = {c["name"]: c for c in body["checks"] if c["status"] == "down"}
        assert list(down) == [name]
        assert down[name]["required"] is True
        assert down[name]["detail"]
        assert client.get("/health").status_code == 200  # liveness does not care


def test_a_missing_warehouse_only_degrades(with_warehouse: Settings, tmp_path: Path) -> None:
    elsewhere = with_warehouse.model_copy(update={"data_dir": tmp_path / "nowhere"})
    with TestClient(whole_app(elsewhere)) as client:
        response = client.get("/ready")
        assert response.status_code == 200
        assert response.json()["status"] == "degraded"
