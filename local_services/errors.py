"""Errors raised while installing, starting or stopping a local service."""

from __future__ import annotations

from souk.errors import SoukError


class ServiceError(SoukError):
    """A local service could not be installed, started or checked."""


class ServiceStartError(ServiceError):
    """A service process exited or never became healthy; carries the tail of its log."""

    def __init__(self, name: str, reason: str, log_tail: str) -> None:
        super().__init__(
            f"{name} failed to start: {reason}\n--- last lines of its log ---\n{log_tail}"
        )
        self.name = name
