"""Domain errors map to HTTP codes; tokens round-trip and refuse tampering."""

from __future__ import annotations

import uuid

import pytest

from api.errors import status_code_for
from api.security import create_access_token, user_id_from_token
from core.errors import (
    AuthenticationError,
    ConcurrentUpdateError,
    DomainError,
    EmailTakenError,
    ForbiddenError,
    InvalidInputError,
    ListingNotAvailableError,
    NotFoundError,
    OrderStateError,
    OutOfStockError,
    PaymentDeclinedError,
)
from core.models import Role
from souk.settings import Settings


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (NotFoundError, 404),
        (ForbiddenError, 403),
        (AuthenticationError, 401),
        (InvalidInputError, 422),
        (PaymentDeclinedError, 402),
        (ListingNotAvailableError, 409),
        (OutOfStockError, 409),
        (OrderStateError, 409),
        (EmailTakenError, 409),
        (ConcurrentUpdateError, 409),
        (DomainError, 409),
    ],
)
def test_status_codes(error: type[DomainError], status: int) -> None:
    assert status_code_for(error("reason")) == status


def test_a_token_names_its_user_and_only_verifies_with_the_same_secret() -> None:
    settings = Settings(jwt_secret="one-secret-long-enough-for-hmac-sha256!")
    user_id = uuid.uuid4()
    token = create_access_token(settings, user_id=user_id, role=Role.BUYER)
    assert user_id_from_token(settings, token) == user_id
    other = Settings(jwt_secret="another-secret-long-enough-for-hmac-256")
    with pytest.raises(AuthenticationError, match="not valid"):
        user_id_from_token(other, token)
    expired = Settings(jwt_secret=settings.jwt_secret, jwt_ttl_minutes=-1)
    stale = create_access_token(expired, user_id=user_id, role=Role.BUYER)
    with pytest.raises(AuthenticationError, match="expired"):
        user_id_from_token(settings, stale)
