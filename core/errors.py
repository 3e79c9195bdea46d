"""The transactional core's errors: one family under :class:`souk.errors.SoukError`.

Each subclass names a kind of refusal; ``api/`` maps the kind to an HTTP status code. The
message is written for the person who made the request.
"""

from __future__ import annotations

from souk.errors import SoukError


class DomainError(SoukError):
    """A command was refused because it breaks a marketplace rule (HTTP 409)."""


class InvalidInputError(DomainError):
    """A value breaks a rule the domain checks itself (price, year, governorate...) (422)."""


class NotFoundError(DomainError):
    """The thing asked for does not exist, or is not visible to the one asking (404)."""


class ForbiddenError(DomainError):
    """The one asking exists but may not do this (403)."""


class AuthenticationError(DomainError):
    """Wrong email or password (401)."""


class EmailTakenError(DomainError):
    """Another account already uses this email (409)."""


class ListingNotAvailableError(DomainError):
    """The listing is not in a state that allows this (409)."""


class OutOfStockError(DomainError):
    """Not enough parts in stock for the order (409)."""


class OrderStateError(DomainError):
    """The order is not in a state that allows this (409)."""


class PaymentDeclinedError(DomainError):
    """The payment provider declined the charge; the attempt is recorded (402)."""


class ConcurrentUpdateError(DomainError):
    """Someone else changed the same record at the same time; retry (409)."""
