from __future__ import annotations

import pytest
from argon2 import PasswordHasher

import core.passwords


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 with minimal cost: the same code path, milliseconds instead of ~0.5 s a hash."""
    monkeypatch.setattr(
        core.passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
