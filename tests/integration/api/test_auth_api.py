"""/auth through HTTP: registration, sign-in, tokens, and the 401/409/422 answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest
from fastapi.testclient import TestClient

from souk.settings import Settings
from tests.integration.api.conftest import SELLER_PROFILE, sign_up

pytestmark = pytest.mark.integration


def test_register_sign_in_and_who_am_i(client: TestClient) -> None:
    seller = sign_up(client, seller=True, phone="+201001234567")
    me = client.get("/auth/me", headers=seller.headers)
    assert me.status_code == 200
    body = me.json()
    assert body["email"] == seller.email
    assert body["role"] == "seller"
    assert body["seller"]["display_name"] == "Abou Ghaly Motors"
    assert body["seller"]["governorate"] == "cairo"
    assert "password" not in str(body)

    buyer = sign_up(client)
    assert client.get("/auth/me", headers=buyer.headers).json()["seller"] is None

    again = client.post(
        "/auth/register",
        json={"email": buyer.email.upper(), "password": "another-pass", "full_name": "Twin"},
    )
    assert again.status_code == 409
    assert again.json() == {"detail": f"an account with the email {buyer.email} exists"}


def test_wrong_password_missing_bad_or_expired_token_are_401(
    client: TestClient, migrated: Settings
) -> None:
    buyer = sign_up(client)
    wrong = client.post("/auth/login", json={"email": buyer.email, "password": "not-it-at-all"})
    assert wrong.status_code == 401
    assert wrong.json() == {"detail": "wrong email or password"}

    anonymous = client.get("/auth/me")
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"] == "Bearer"
    assert "sign in first" in anonymous.json()["detail"]

    garbage = client.get("/auth/me", headers={"Authorization": "Bearer not.a.jwt"})
    assert garbage.status_code == 401
    assert garbage.json() == {"detail": "the access token is not valid"}

    claims = {"sub": buyer.id, "exp": datetime.now(UTC) - timedelta(minutes=1)}
    expired = jwt.encode(claims, migrated.jwt_secret, algorithm="HS256")
    late = client.get("/auth/me", headers={"Authorization": f"Bearer {expired}"})
    assert late.status_code == 401
    assert "expired" in late.json()["detail"]

    valid_claims = {"sub": buyer.id, "exp": datetime.now(UTC) + timedelta(hours=1)}
    forged = jwt.encode(valid_claims, "a-guessed-secret-that-is-long-enough-for-hs256")
    assert client.get("/auth/me", headers={"Authorization": f"Bearer {forged}"}).status_code == 401


@pytest.mark.parametrize(
    ("body", "loc", "message"),
    [
        ({"password": "short"}, ["body", "password"], "at least 8 characters"),
        ({"email": "not-an-email"}, ["body", "email"], "should match pattern"),
        ({"role": "admin"}, ["body", "role"], "Input should be 'buyer' or 'seller'"),
        ({"role": "seller"}, ["body"], "a seller account needs a seller profile"),
        (
            {"role": "seller", "seller": SELLER_PROFILE | {"governorate": "gotham"}},
            ["body", "seller", "governorate"],
            "not one of Egypt's 27 governorate codes",
        ),
        ({"is_admin": True}, ["body", "is_admin"], "Extra inputs are not permitted"),
    ],
)
def test_invalid_registration_is_422_naming_field_and_rule(
    client: TestClient, body: dict[str, object], loc: list[str], message: str
) -> None:
    valid = {"email": "someone@example.eg", "password": "long-password", "full_name": "S"}
    response = client.post("/auth/register", json=valid | body)
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == loc
    assert message in error["msg"]
