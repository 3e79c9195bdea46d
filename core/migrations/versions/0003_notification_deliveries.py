"""Notification deliveries: the log of what the notifier sent, one row per event, channel
and recipient (the unique key makes a redelivered domain event send nothing twice).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "notification_deliveries",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("event_type", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("channel", sa.Text(), nullable=False),
        sa.Column("recipient", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("subject_ar", sa.Text(), nullable=False),
        sa.Column("subject_en", sa.Text(), nullable=False),
        sa.Column("body_ar", sa.Text(), nullable=False),
        sa.Column("body_en", sa.Text(), nullable=False),
        sa.Column(
            "recorded_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "channel IN ('email', 'push', 'sms')", name=op.f("ck_notification_deliveries_channel")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_deliveries")),
        sa.UniqueConstraint(
            "event_id",
            "channel",
            "recipient",
            name=op.f("uq_notification_deliveries_event_id_channel_recipient"),
        ),
    )
    op.create_index(
        "ix_notification_deliveries_recorded_at", "notification_deliveries", ["recorded_at"]
    )
    op.create_index(
        op.f("ix_notification_deliveries_user_id"), "notification_deliveries", ["user_id"]
    )


def downgrade() -> None:
    op.drop_table("notification_deliveries")
