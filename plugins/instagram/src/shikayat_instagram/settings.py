"""Settings of one Instagram channel (a ``[channels.NAME]`` section with ``platform = "instagram"``)."""

from __future__ import annotations

from pydantic import Field, field_validator

from shikayat_facebook.graph import DEFAULT_BASE_URL
from shikayat_facebook.settings import GraphSettings


class InstagramSettings(GraphSettings):
    ig_user_id: str = Field(
        pattern=r"^\d{1,20}$", description="Numeric id of our Instagram professional account (IG User id).")
    username: str | None = Field(default=None, description="Our account's username, without '@'.")
    page_id: str | None = Field(
        default=None, pattern=r"^\d{1,20}$",
        description="Facebook Login flavour: the linked Page, whose /messages edge sends DMs. "
                    "Unset (Instagram Login flavour): DMs go to /{ig_user_id}/messages.")
    base_url: str = Field(
        default=DEFAULT_BASE_URL,
        description="Graph host: https://graph.facebook.com (Facebook Login) or "
                    "https://graph.instagram.com (Instagram Login); a fake server in tests.")
    poll_interval: float = Field(
        default=60.0, gt=0,
        description="Seconds between reconciliation rounds; mentions wait at most this long for their text.")
    recent_media: int = Field(
        default=10, ge=1, le=100, description="Reconciliation re-reads the comments of this many newest media.")
    mention_recovery_days: float = Field(
        default=7.0, ge=0,
        description="At start, mentions received this many days back whose text was never looked up "
                    "(the process stopped first) are looked up.")
    page_size: int = Field(default=50, ge=1, le=100, description="Items per Graph API page (1-100).")
    own_user_ids: list[str] = Field(
        default=[], description="Other Instagram accounts of ours whose comments are never complaints.")

    @field_validator("username")
    @classmethod
    def _username(cls, value: str | None) -> str | None:
        return value.lstrip("@") if value else value

