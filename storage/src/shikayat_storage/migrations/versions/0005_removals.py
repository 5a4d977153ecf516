"""Posts deleted on the platform: their complaint keeps its case with the text tombstoned.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column("complaints", sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "removals",
        sa.Column("id", _BigId, autoincrement=True, nullable=False),
        sa.Column("platform", sa.String(40), nullable=False),
        sa.Column("external_id", sa.String(200), nullable=False),
        sa.Column("edits_prefix", sa.String(200), nullable=True),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_by", sa.String(200), nullable=True),
        sa.Column("inbox_id", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_removals"),
        sa.UniqueConstraint("platform", "external_id", name="uq_removals_platform_external_id"),
    )


def downgrade() -> None:
    op.drop_table("removals")
    with op.batch_alter_table("complaints") as batch:
        batch.drop_column("removed_at")
