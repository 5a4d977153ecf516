"""Settings of one X/Twitter channel (a ``[channels.NAME]`` section with ``platform = "twitter"``)."""

from __future__ import annotations

from pydantic import Field, field_validator

from shikayat import ChannelSettings, Secret


class TwitterSettings(ChannelSettings):
    bearer_token: Secret = Field(description="App-only bearer token for reading (env:NAME or file:PATH).")
    user_token: Secret | None = Field(
        default=None, description="OAuth 2.0 user-context token of the account, needed to post replies.")
    user_id: str = Field(pattern=r"^\d{1,20}$", description="Numeric id of our account (mentions timeline).")
    handle: str | None = Field(default=None, description="Our account's @handle, without '@'.")
    base_url: str = Field(default="https://api.x.com", description="API base URL (a fake server in tests).")
    search_queries: list[str] = Field(
        default=[], description="Recent-search queries for tracked keywords and hashtags, e.g. '#twittersewa'.")
    max_results: int = Field(default=100, ge=10, le=100, description="Posts per page (10–100).")
    own_user_ids: list[str] = Field(default=[], description="Other accounts of ours whose posts are never complaints.")

    @field_validator("search_queries")
    @classmethod
    def _queries(cls, value: list[str]) -> list[str]:
        for q in value:
            if not q.strip():
                raise ValueError("a search query is empty")
            if len(q) > 512:
                raise ValueError(f"search query longer than 512 characters: {q[:40]!r}…")
        return value

    @field_validator("handle")
    @classmethod
    def _handle(cls, value: str | None) -> str | None:
        return value.lstrip("@") if value else value
