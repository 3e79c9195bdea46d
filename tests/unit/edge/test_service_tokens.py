"""Service tokens: signed, expiring, bound to one audience; user tokens never pass."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from typer.testing import CliRunner

from api.cli import api_app
from api.security import create_access_token
from api.service_tokens import ISSUER, mint_service_token, verify_service_token
from core.errors import AuthenticationError, ForbiddenError
from core.models import Role
from souk.settings import Settings

SETTINGS = Settings(
    service_token_secret="service-secret-" + "s" * 32, jwt_secret="user-secret-" + "u" * 32
)


def test_a_token_round_trips_with_its_caller_and_audience() -> None:
    token = mint_service_token(SETTINGS, audience="reindex", subject="dagster")
    caller = verify_service_token(SETTINGS, token, audience="reindex")
    assert (caller.subject, caller.audience) == ("dagster", "reindex")
    assert len(caller.token_id) == 32
    expected = datetime.now(UTC) + timedelta(seconds=SETTINGS.service_token_ttl_s)
    assert abs((caller.expires_at - expected).total_seconds()) < 5


def test_a_token_for_another_audience_is_forbidden() -> None:
    token = mint_service_token(SETTINGS, audience="backfill")
    with pytest.raises(ForbiddenError, match="not for 'reindex'"):
        verify_service_token(SETTINGS, token, audience="reindex")


def test_an_expired_token_is_refused_after_the_leeway() -> None:
    minted = datetime.now(UTC) - timedelta(seconds=400)
    token = mint_service_token(SETTINGS, audience="reindex", ttl_s=300, now=minted)
    with pytest.raises(AuthenticationError, match="expired"):
        verify_service_token(SETTINGS, token, audience="reindex")
    just = mint_service_token(
        SETTINGS, audience="reindex", ttl_s=300, now=minted + timedelta(seconds=95)
    )
    assert (
        verify_service_token(SETTINGS, just, audience="reindex").audience == "reindex"
    )  # 5 s late


def test_a_token_signed_with_another_secret_is_refused() -> None:
    other = SETTINGS.model_copy(update={"service_token_secret": "someone-elses-" + "x" * 32})
    token = mint_service_token(other, audience="reindex")
    with pytest.raises(AuthenticationError, match="not valid"):
        verify_service_token(SETTINGS, token, audience="reindex")


@pytest.mark.parametrize("shared", [False, True])
def test_a_users_access_token_is_not_a_service_token(shared: bool) -> None:
    settings = (
        SETTINGS.model_copy(update={"jwt_secret": SETTINGS.service_token_secret})
        if shared
        else SETTINGS
    )
    token = create_access_token(settings, user_id=uuid.uuid4(), role=Role.ADMIN)
    with pytest.raises(AuthenticationError):
        verify_service_token(settings, token, audience="reindex")


def test_tampered_and_unsigned_tokens_are_refused() -> None:
    token = mint_service_token(SETTINGS, audience="reindex")
    head, body, signature = token.split(".")
    with pytest.raises(AuthenticationError):
        verify_service_token(SETTINGS, f"{head}.{body}.{signature[:-4]}AAAA", audience="reindex")
    now = datetime.now(UTC)
    claims = {"iss": ISSUER, "sub": "x", "aud": "reindex", "jti": "1",
              "iat": now, "exp": now + timedelta(minutes=5)}  # fmt: skip
    unsigned = jwt.encode(claims, key=None, algorithm="none")
    with pytest.raises(AuthenticationError):
        verify_service_token(SETTINGS, unsigned, audience="reindex")
    missing_id = jwt.encode(
        {k: v for k, v in claims.items() if k != "jti"}, SETTINGS.service_token_secret
    )
    with pytest.raises(AuthenticationError):
        verify_service_token(SETTINGS, missing_id, audience="reindex")


def test_the_cli_mints_a_token_the_api_accepts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOUK_SERVICE_TOKEN_SECRET", SETTINGS.service_token_secret)
    result = CliRunner().invoke(
        api_app, ["service-token", "--audience", "reindex", "--subject", "ops", "--ttl", "60"]
    )
    assert result.exit_code == 0, result.output
    caller = verify_service_token(SETTINGS, result.output.strip(), audience="reindex")
    assert caller.subject == "ops"
