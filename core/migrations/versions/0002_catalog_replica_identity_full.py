"""Catalog tables log their whole old row (REPLICA IDENTITY FULL).

With the default identity, wal2json leaves an unchanged out-of-line (TOASTed) value, such as a
long description, out of an UPDATE's new row; the relay fills such columns from the old row,
which only REPLICA IDENTITY FULL provides. The catalog index replaces whole documents (it
versions them externally), so every change must carry every column.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

CATALOG_TABLES = ("listings", "sellers")


def upgrade() -> None:
    for table in CATALOG_TABLES:
        op.execute(f"ALTER TABLE {table} REPLICA IDENTITY FULL")


def downgrade() -> None:
    for table in CATALOG_TABLES:
        op.execute(f"ALTER TABLE {table} REPLICA IDENTITY DEFAULT")
