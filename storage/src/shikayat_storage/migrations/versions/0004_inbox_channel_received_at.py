"""A channel's recent raw posts are read by time when its fetcher resumes (on every start).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_inbox_platform_channel_received_at", "inbox", ["platform", "channel", "received_at"],
                    unique=False)


def downgrade() -> None:
    op.drop_index("ix_inbox_platform_channel_received_at", table_name="inbox")
