"""The relay's error: one subclass of the platform's family, worded for an operator."""

from __future__ import annotations

from souk.errors import SoukError


class RelayError(SoukError):
    """The relay cannot go on (slot in use, plugin missing, Kafka refused a record...)."""
