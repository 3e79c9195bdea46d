"""POST /internal/reindex runs the real `souk search reindex` for the app's own catalog."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.service_tokens import mint_service_token
from souk.settings import Settings
from tests.integration.api.conftest import CAR, listing, sign_up
from tests.integration.edge.conftest import _catalog, whole_app
from tests.integration.search.helpers import isolated

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture
def own_catalog(migrated: Settings) -> Iterator[Settings]:
    """An alias nobody else uses (the reindex swaps it), dropped afterwards."""
    mine = isolated(migrated).model_copy(update={"behaviour_events_enabled": False})
    yield mine
    asyncio.run(_catalog(mine, "drop"))


def wait_for(client: TestClient, url: str, headers: dict[str, str]) -> dict[str, Any]:
    deadline = time.monotonic() + 150
    while time.monotonic() < deadline:
        job: dict[str, Any] = client.get(url, headers=headers).json()
        if job["state"] != "running":
            return job
        time.sleep(0.5)
    raise AssertionError(f"the reindex job did not finish: {job}")


def test_a_service_reindexes_the_catalog_through_the_api(own_catalog: Settings) -> None:
    token = mint_service_token(own_catalog, audience="reindex", subject="integration-test")
    auth = {"Authorization": f"Bearer {token}"}
    with TestClient(whole_app(own_catalog), client=("127.0.0.1", 50000)) as client:
        seller = sign_up(client, seller=True)
        marker = f"Reindexed Corolla {uuid.uuid4().hex[:8]}"
        listing_id = listing(client, seller, CAR, title_en=marker, publish=True)
        assert client.get("/search", params={"q": marker}).status_code == 503  # no index yet

        started = client.post("/internal/reindex", headers=auth)
        assert started.status_code == 202, started.text
        again = client.post("/internal/reindex", headers=auth)
        assert again.status_code == 409  # one at a time
        job = wait_for(client, started.headers["Location"], auth)
        assert job["state"] == "succeeded", job["output"]
        assert job["requested_by"] == "integration-test"
        assert any(own_catalog.catalog_alias in line for line in job["output"])

        found = client.get("/search", params={"q": marker}).json()
        assert listing_id in [hit["id"] for hit in found["hits"]]
