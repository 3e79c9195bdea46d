"""The dashboards against a fresh database and a warehouse built from ``scenario``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from souk.settings import Settings
from tests.integration.dashboards.world import World, shared_world


@pytest.fixture(scope="session")
def world(postgres_ready: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with shared_world(postgres_ready, lambda: tmp_path_factory.mktemp("dashboards")) as built:
        yield built


@pytest.fixture(scope="session")
def client(world: World) -> Iterator[TestClient]:
    with TestClient(create_app(world.settings)) as test_client:
        yield test_client
