"""Who is asking: the signed-in user a command acts for."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from core.models import Role


@dataclass(frozen=True)
class Actor:
    user_id: uuid.UUID
    role: Role

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN
