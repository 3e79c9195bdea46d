"""Row changes as the catalog sees them (parsed from CDC records or read from Postgres)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RowChange:
    """One committed change of a listings or sellers row.

    ``lsn`` orders changes of one row (it becomes the external version); ``row`` is the row
    after the change, or None when the row was deleted (then ``before`` may say who owned it).
    """

    table: str
    key: str
    op: str
    lsn: int
    row: dict[str, Any] | None
    before: dict[str, Any] | None = None

    @property
    def deleted(self) -> bool:
        return self.row is None


def newest_per_key(changes: list[RowChange]) -> list[RowChange]:
    """Keep only the newest change of each row in a micro-batch (duplicates collapse)."""
    newest: dict[str, RowChange] = {}
    for change in changes:
        kept = newest.get(change.key)
        if kept is None or change.lsn >= kept.lsn:
            newest[change.key] = change
    return list(newest.values())
