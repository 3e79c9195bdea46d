"""Admin endpoints answer only from allowed networks: by path and by AdminUser dependency."""

from __future__ import annotations

import pytest
from fastapi import APIRouter, Depends, FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError

from api.deps import AdminUser, get_admin
from api.edge.admin_access import install_admin_access
from souk.settings import Settings


@pytest.fixture
def app() -> FastAPI:
    app = FastAPI()
    settings = Settings(admin_allowed_networks=["10.20.0.0/16", "127.0.0.1/32", "fd00::/8"])
    install_admin_access(app, settings)

    @app.post("/internal/reindex")
    @app.get("/admin/users")
    @app.get("/metrics")
    @app.get("/search")
    def anything() -> dict[str, str]:
        return {"ok": "yes"}

    @app.get("/reports/market")  # not under an admin prefix, but only for admins
    def market(admin: AdminUser) -> dict[str, str]:
        return {"ok": "yes"}

    reports = APIRouter(prefix="/reports")

    @reports.get("/sellers/{seller_id}", dependencies=[Depends(get_admin)])
    def seller_report(seller_id: str) -> dict[str, str]:
        return {"ok": seller_id}

    app.include_router(reports, prefix="/v2")
    return app


def from_ip(app: FastAPI, ip: str) -> TestClient:
    return TestClient(app, client=(ip, 40000))


@pytest.mark.parametrize("path", ["/admin/users", "/metrics", "/internal/reindex"])
def test_admin_paths_refuse_other_networks(app: FastAPI, path: str) -> None:
    method = "post" if path.startswith("/internal") else "get"
    outside = getattr(from_ip(app, "203.0.113.9"), method)(path)
    assert outside.status_code == 403
    assert outside.json() == {"detail": "admin endpoints are not reachable from this network"}
    assert getattr(from_ip(app, "10.20.3.4"), method)(path).status_code == 200


def test_routes_needing_an_admin_are_refused_outside_whatever_the_token(app: FastAPI) -> None:
    app.dependency_overrides[get_admin] = lambda: "a signed-in administrator"
    assert from_ip(app, "203.0.113.9").get("/reports/market").status_code == 403
    assert from_ip(app, "127.0.0.1").get("/reports/market").status_code == 200
    # ... also in an included router, and when the admin check is a router-level dependency
    assert from_ip(app, "203.0.113.9").get("/v2/reports/sellers/s-1").status_code == 403
    assert from_ip(app, "127.0.0.1").get("/v2/reports/sellers/s-1").status_code == 200


def test_other_routes_answer_everyone(app: FastAPI) -> None:
    assert from_ip(app, "203.0.113.9").get("/search").status_code == 200
    assert TestClient(app).get("/search").status_code == 200


def test_prefixes_match_whole_segments(app: FastAPI) -> None:
    assert from_ip(app, "203.0.113.9").get("/administrators").status_code == 404


def test_ipv6_and_ipv4_mapped_addresses(app: FastAPI) -> None:
    assert from_ip(app, "fd00::1").get("/metrics").status_code == 200
    assert from_ip(app, "::ffff:10.20.0.1").get("/metrics").status_code == 200
    assert from_ip(app, "2001:db8::1").get("/metrics").status_code == 403


def test_a_client_without_an_address_is_refused(app: FastAPI) -> None:
    assert TestClient(app).get("/metrics").status_code == 403  # host "testclient"


def test_settings_refuse_a_malformed_network() -> None:
    with pytest.raises(ValidationError, match="not a network"):
        Settings(admin_allowed_networks=["10.0.0.0/33"])
