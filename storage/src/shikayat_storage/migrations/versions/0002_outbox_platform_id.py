"""Outbox rows are found by the platform's id of a sent reply (asynchronous delivery reports).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_outbox_platform_platform_id", "outbox", ["platform", "platform_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_outbox_platform_platform_id", table_name="outbox")
