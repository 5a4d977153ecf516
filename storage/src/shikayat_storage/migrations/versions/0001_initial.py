"""Initial schema: inbox, complaints, events, outbox, channels.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('channels',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('cursor', sa.JSON(), nullable=True),
    sa.Column('last_poll_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_post_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('healthy', sa.Boolean(), nullable=False),
    sa.Column('rate_limit_remaining', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_channels'))
    )
    op.create_table('complaints',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('docket', sa.String(length=40), nullable=True),
    sa.Column('inbox_id', sa.BigInteger(), nullable=True),
    sa.Column('platform', sa.String(length=40), nullable=False),
    sa.Column('external_id', sa.String(length=200), nullable=False),
    sa.Column('channel', sa.String(length=100), nullable=True),
    sa.Column('permalink', sa.Text(), nullable=True),
    sa.Column('author_id', sa.String(length=200), nullable=False),
    sa.Column('author_handle', sa.String(length=200), nullable=True),
    sa.Column('author_name', sa.Text(), nullable=True),
    sa.Column('author_phone', sa.String(length=40), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('text_normalized', sa.Text(), nullable=True),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('mentions', sa.JSON(), nullable=False),
    sa.Column('hashtags', sa.JSON(), nullable=False),
    sa.Column('links', sa.JSON(), nullable=False),
    sa.Column('media', sa.JSON(), nullable=False),
    sa.Column('location', sa.JSON(), nullable=True),
    sa.Column('thread', sa.JSON(), nullable=False),
    sa.Column('conversation_id', sa.String(length=200), nullable=True),
    sa.Column('duplicate_of', sa.String(length=40), nullable=True),
    sa.Column('duplicate_of_docket', sa.String(length=40), nullable=True),
    sa.Column('duplicate_reason', sa.String(length=20), nullable=True),
    sa.Column('duplicate_score', sa.Float(), nullable=True),
    sa.Column('support_posts', sa.Integer(), nullable=False),
    sa.Column('support_authors', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=60), nullable=False),
    sa.Column('priority', sa.String(length=10), nullable=False),
    sa.Column('actionable', sa.Boolean(), nullable=False),
    sa.Column('sensitive', sa.Boolean(), nullable=False),
    sa.Column('unit', sa.String(length=100), nullable=True),
    sa.Column('unit_reason', sa.Text(), nullable=True),
    sa.Column('sla_due', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('action_report', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaints')),
    sa.UniqueConstraint('docket', name=op.f('uq_complaints_docket')),
    sa.UniqueConstraint('platform', 'external_id', name=op.f('uq_complaints_platform_external_id'))
    )
    op.create_index(op.f('ix_complaints_author_id'), 'complaints', ['author_id'], unique=False)
    op.create_index(op.f('ix_complaints_conversation_id'), 'complaints', ['conversation_id'], unique=False)
    op.create_index(op.f('ix_complaints_created_at'), 'complaints', ['created_at'], unique=False)
    op.create_index(op.f('ix_complaints_duplicate_of'), 'complaints', ['duplicate_of'], unique=False)
    op.create_index(op.f('ix_complaints_status'), 'complaints', ['status'], unique=False)
    op.create_index(op.f('ix_complaints_unit'), 'complaints', ['unit'], unique=False)
    op.create_table('events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('complaint_id', sa.String(length=40), nullable=True),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events'))
    )
    op.create_index(op.f('ix_events_complaint_id'), 'events', ['complaint_id'], unique=False)
    op.create_table('inbox',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('platform', sa.String(length=40), nullable=False),
    sa.Column('external_id', sa.String(length=200), nullable=False),
    sa.Column('channel', sa.String(length=100), nullable=True),
    sa.Column('payload', sa.LargeBinary(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('lease_owner', sa.String(length=200), nullable=True),
    sa.Column('leased_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('processed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('complaint_id', sa.String(length=40), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbox')),
    sa.UniqueConstraint('platform', 'external_id', name=op.f('uq_inbox_platform_external_id'))
    )
    op.create_index('ix_inbox_state_id', 'inbox', ['state', 'id'], unique=False)
    op.create_table('outbox',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('complaint_id', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('platform', sa.String(length=40), nullable=False),
    sa.Column('channel', sa.String(length=100), nullable=True),
    sa.Column('in_reply_to', sa.String(length=200), nullable=False),
    sa.Column('recipient', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('private', sa.Boolean(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lease_owner', sa.String(length=200), nullable=True),
    sa.Column('leased_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('platform_id', sa.String(length=200), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sa.UniqueConstraint('complaint_id', 'kind', name=op.f('uq_outbox_complaint_id_kind'))
    )
    op.create_index('ix_outbox_state_next_attempt_at', 'outbox', ['state', 'next_attempt_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_outbox_state_next_attempt_at', table_name='outbox')
    op.drop_table('outbox')
    op.drop_index('ix_inbox_state_id', table_name='inbox')
    op.drop_table('inbox')
    op.drop_index(op.f('ix_events_complaint_id'), table_name='events')
    op.drop_table('events')
    op.drop_index(op.f('ix_complaints_unit'), table_name='complaints')
    op.drop_index(op.f('ix_complaints_status'), table_name='complaints')
    op.drop_index(op.f('ix_complaints_duplicate_of'), table_name='complaints')
    op.drop_index(op.f('ix_complaints_created_at'), table_name='complaints')
    op.drop_index(op.f('ix_complaints_conversation_id'), table_name='complaints')
    op.drop_index(op.f('ix_complaints_author_id'), table_name='complaints')
    op.drop_table('complaints')
    op.drop_table('channels')
