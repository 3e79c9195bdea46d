"""The dashboards against a fresh database and a warehouse built from ``scenario``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.analytics.reader import AnalyticsReader
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
        reader: AnalyticsReader = test_client.app.state.analytics_reader  # type: ignore[attr-defined]
        reader.derived.build_now()  # every request reads the published summaries (see
        yield test_client  # test_read_models for the same answers from the marts)
