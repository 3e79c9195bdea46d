"""Access tokens: HS256 JWTs signed with ``settings.jwt_secret``."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import jwt

from core.errors import AuthenticationError
from core.models import Role
from souk.settings import Settings

ALGORITHM = "HS256"


def create_access_token(settings: Settings, *, user_id: uuid.UUID, role: Role) -> str:
    now = datetime.now(UTC)
    claims = {
        "sub": str(user_id),
        "role": role.value,
        "iat": now,
        "exp": now + timedelta(minutes=settings.jwt_ttl_minutes),
    }
    return jwt.encode(claims, settings.jwt_secret, algorithm=ALGORITHM)


def user_id_from_token(settings: Settings, token: str) -> uuid.UUID:
    """The user a valid, unexpired token was issued to; AuthenticationError otherwise."""
    try:
        claims = jwt.decode(
            token, settings.jwt_secret, algorithms=[ALGORITHM], options={"require": ["exp", "sub"]}
        )
        return uuid.UUID(claims["sub"])
    except jwt.ExpiredSignatureError as exc:
        raise AuthenticationError("the access token has expired; sign in again") from exc
    except (jwt.InvalidTokenError, ValueError) as exc:
        raise AuthenticationError("the access token is not valid") from exc
