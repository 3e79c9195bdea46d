"""Service-to-service tokens for the internal endpoints.

An HS256 JWT (HMAC-SHA256) signed with ``settings.service_token_secret``, never the users'
``jwt_secret``; it names its issuer, its caller (``sub``), one audience (the endpoint
family it opens, such as ``reindex``), an id and a short expiry. A user's access token
cannot pass: it has no issuer or audience, and with distinct secrets no valid signature.
``souk api service-token --audience reindex`` mints one.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated

import jwt
from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.deps import SettingsDep
from core.errors import AuthenticationError, ForbiddenError
from souk.settings import Settings

ALGORITHM = "HS256"
ISSUER = "souk-service"
LEEWAY_S = 10  # clock difference tolerated between the minting and the checking host
REINDEX = "reindex"

service_bearer = HTTPBearer(
    scheme_name="ServiceToken",
    auto_error=False,
    description="A service token from `souk api service-token --audience <audience>`.",
)


@dataclass(frozen=True)
class ServiceCaller:
    subject: str
    audience: str
    token_id: str
    expires_at: datetime


def mint_service_token(
    settings: Settings,
    *,
    audience: str,
    subject: str = "souk-cli",
    ttl_s: int | None = None,
    now: datetime | None = None,
) -> str:
    issued = now or datetime.now(UTC)
    claims = {
        "iss": ISSUER,
        "sub": subject,
        "aud": audience,
        "jti": uuid.uuid4().hex,
        "iat": issued,
        "exp": issued + timedelta(seconds=ttl_s or settings.service_token_ttl_s),
    }
    return jwt.encode(claims, settings.service_token_secret, algorithm=ALGORITHM)


def verify_service_token(settings: Settings, token: str, *, audience: str) -> ServiceCaller:
    """The caller of a valid token for ``audience``: AuthenticationError when it is not a
    valid service token (401), ForbiddenError when it is one for another audience (403)."""
    try:
        claims = jwt.decode(
            token,
            settings.service_token_secret,
            algorithms=[ALGORITHM],
            audience=audience,
            issuer=ISSUER,
            leeway=LEEWAY_S,
            options={"require": ["iss", "sub", "aud", "jti", "iat", "exp"]},
        )
    except jwt.InvalidAudienceError as exc:
        raise ForbiddenError(f"this service token is not for {audience!r}") from exc
    except jwt.ExpiredSignatureError as exc:
        raise AuthenticationError("the service token has expired; mint a new one") from exc
    except jwt.InvalidTokenError as exc:
        raise AuthenticationError("the service token is not valid") from exc
    return ServiceCaller(
        subject=str(claims["sub"]),
        audience=audience,
        token_id=str(claims["jti"]),
        expires_at=datetime.fromtimestamp(claims["exp"], UTC),
    )


def service_caller(audience: str) -> Callable[..., ServiceCaller]:
    """A dependency admitting only service tokens for ``audience``."""

    def dependency(
        settings: SettingsDep,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(service_bearer)],
    ) -> ServiceCaller:
        if credentials is None:
            raise AuthenticationError("send 'Authorization: Bearer <service token>'")
        return verify_service_token(settings, credentials.credentials, audience=audience)

    return dependency


ReindexCaller = Annotated[ServiceCaller, Depends(service_caller(REINDEX))]
