"""The schema, as SQLAlchemy 2 models. Created and changed only by the Alembic migrations."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every dialect (SQLite stores them naive, in UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON(), list[Any]: JSON()}


# SQLite only autoincrements INTEGER PRIMARY KEY; PostgreSQL gets BIGINT.
_BigId = BigInteger().with_variant(Integer(), "sqlite")


class Inbox(Base):
    """Raw payloads, verbatim, unique on (platform, external_id): the intake's idempotency key."""

    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("platform", "external_id"),
        Index("ix_inbox_state_id", "state", "id"),
        Index("ix_inbox_platform_channel_received_at", "platform", "channel", "received_at"),
    )

    id: Mapped[int] = mapped_column(_BigId, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(40))
    external_id: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str | None] = mapped_column(String(100))
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    received_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(16), default="pending")
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    leased_until: Mapped[datetime | None]
    processed_at: Mapped[datetime | None]
    complaint_id: Mapped[str | None] = mapped_column(String(40))


class ComplaintRow(Base):
    __tablename__ = "complaints"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    docket: Mapped[str | None] = mapped_column(String(40), unique=True)
    inbox_id: Mapped[int | None] = mapped_column(BigInteger)
    platform: Mapped[str] = mapped_column(String(40))
    external_id: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str | None] = mapped_column(String(100))
    permalink: Mapped[str | None] = mapped_column(Text)
    author_id: Mapped[str] = mapped_column(String(200), index=True)
    author_handle: Mapped[str | None] = mapped_column(String(200))
    author_name: Mapped[str | None] = mapped_column(Text)
    author_phone: Mapped[str | None] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    text_normalized: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(index=True)
    received_at: Mapped[datetime]
    mentions: Mapped[list[Any]]
    hashtags: Mapped[list[Any]]
    links: Mapped[list[Any]]
    media: Mapped[list[Any]]
    location: Mapped[dict[str, Any] | None]
    thread: Mapped[dict[str, Any]]
    conversation_id: Mapped[str | None] = mapped_column(String(200), index=True)
    duplicate_of: Mapped[str | None] = mapped_column(String(40), index=True)
    duplicate_of_docket: Mapped[str | None] = mapped_column(String(40))
    duplicate_reason: Mapped[str | None] = mapped_column(String(20))
    duplicate_score: Mapped[float | None] = mapped_column(Float)
    support_posts: Mapped[int] = mapped_column(Integer, default=1)
    support_authors: Mapped[int] = mapped_column(Integer, default=1)
    category: Mapped[str] = mapped_column(String(60))
    priority: Mapped[str] = mapped_column(String(10))
    actionable: Mapped[bool] = mapped_column(Boolean)
    sensitive: Mapped[bool] = mapped_column(Boolean)
    unit: Mapped[str | None] = mapped_column(String(100), index=True)
    unit_reason: Mapped[str | None] = mapped_column(Text)
    unit_basis: Mapped[str | None] = mapped_column(String(16))
    sla_due: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), index=True)
    action_report: Mapped[str | None] = mapped_column(Text)
    removed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class EventRow(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(_BigId, primary_key=True, autoincrement=True)
    complaint_id: Mapped[str | None] = mapped_column(String(40), index=True)
    kind: Mapped[str] = mapped_column(String(60))
    actor: Mapped[str] = mapped_column(String(100))
    detail: Mapped[dict[str, Any]]
    at: Mapped[datetime]


class OutboxRow(Base):
    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("complaint_id", "kind"),
        Index("ix_outbox_state_next_attempt_at", "state", "next_attempt_at"),
        Index("ix_outbox_platform_platform_id", "platform", "platform_id"),
    )

    id: Mapped[int] = mapped_column(_BigId, primary_key=True, autoincrement=True)
    complaint_id: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(40))
    platform: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str | None] = mapped_column(String(100))
    in_reply_to: Mapped[str] = mapped_column(String(200))
    recipient: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    private: Mapped[bool] = mapped_column(Boolean)
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    leased_until: Mapped[datetime | None]
    platform_id: Mapped[str | None] = mapped_column(String(200))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    confirm_until: Mapped[datetime | None]
    """Set while the row waits for the platform to confirm an earlier attempt (cleared by the
    claim that follows the wait)."""


class RemovalRow(Base):
    """Posts the platform reported deleted, kept so that a post stored after its removal notice
    (out-of-order delivery) is tombstoned too."""

    __tablename__ = "removals"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)

    id: Mapped[int] = mapped_column(_BigId, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(40))
    external_id: Mapped[str] = mapped_column(String(200))
    edits_prefix: Mapped[str | None] = mapped_column(String(200))
    removed_at: Mapped[datetime]
    removed_by: Mapped[str | None] = mapped_column(String(200))
    inbox_id: Mapped[int | None] = mapped_column(BigInteger)


class ChannelRow(Base):
    __tablename__ = "channels"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    cursor: Mapped[dict[str, Any] | None]
    last_poll_at: Mapped[datetime | None]
    last_post_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    healthy: Mapped[bool] = mapped_column(Boolean, default=True)
    rate_limit_remaining: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime]


metadata = Base.metadata
