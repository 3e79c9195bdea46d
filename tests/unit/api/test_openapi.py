"""The OpenAPI document lists every transactional route, each with a summary and its errors."""

from __future__ import annotations

from typing import Any

import pytest

from api.app import create_app
from souk.settings import Settings

ROUTES = {
    ("post", "/auth/register"),
    ("post", "/auth/login"),
    ("get", "/auth/me"),
    ("post", "/listings"),
    ("patch", "/listings/{listing_id}"),
    ("post", "/listings/{listing_id}/publish"),
    ("post", "/listings/{listing_id}/reprice"),
    ("post", "/listings/{listing_id}/reserve"),
    ("post", "/listings/{listing_id}/release"),
    ("post", "/listings/{listing_id}/sell"),
    ("post", "/listings/{listing_id}/archive"),
    ("post", "/listings/{listing_id}/favourite"),
    ("post", "/listings/{listing_id}/leads"),
    ("get", "/me/listings"),
    ("post", "/orders"),
    ("get", "/orders"),
    ("get", "/orders/{order_id}"),
    ("get", "/orders/{order_id}/history"),
    ("post", "/orders/{order_id}/pay"),
    ("post", "/orders/{order_id}/cancel"),
    ("post", "/orders/{order_id}/refund"),
    ("post", "/orders/{order_id}/fulfil"),
}
PUBLIC = {("post", "/auth/register"), ("post", "/auth/login")}


@pytest.fixture(scope="module")
def operations() -> dict[tuple[str, str], dict[str, Any]]:
    spec = create_app(Settings()).openapi()  # no lifespan: nothing connects
    return {
        (method, path): op
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if (method, path) in ROUTES
    }


def test_every_transactional_route_is_documented(
    operations: dict[tuple[str, str], dict[str, Any]],
) -> None:
    assert set(operations) == ROUTES


def test_each_route_has_a_summary_a_response_model_and_its_errors(
    operations: dict[tuple[str, str], dict[str, Any]],
) -> None:
    for key, op in operations.items():
        assert op.get("summary"), key
        success = next(code for code in op["responses"] if code.startswith("2"))
        assert "$ref" in str(op["responses"][success]["content"]["application/json"]), key
        if key not in PUBLIC:
            assert "401" in op["responses"], key
            assert "Bearer" in str(op.get("security")), key
        for code, response in op["responses"].items():
            if code in {"401", "402", "403", "404", "409"}:
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorOut"}, (key, code)


def test_ownership_and_state_errors_are_documented_where_they_happen(
    operations: dict[tuple[str, str], dict[str, Any]],
) -> None:
    assert {"403", "404", "409"} <= set(operations["patch", "/listings/{listing_id}"]["responses"])
    assert "402" in operations["post", "/orders/{order_id}/pay"]["responses"]
    assert "422" in operations["post", "/listings"]["responses"]
