"""Settings of one Example Board channel."""

from __future__ import annotations

from pydantic import Field

from shikayat import ChannelSettings, Secret


class ExampleSettings(ChannelSettings):
    api_token: Secret = Field(description="API token (env:NAME or file:PATH).")
    account_id: str = Field(min_length=1, description="Our account's user id: its messages are never complaints.")
    base_url: str = Field(default="https://board.example.invalid", description="API base URL.")
    page_size: int = Field(default=50, ge=1, le=100, description="Messages per page.")
    webhook_secret: Secret | None = Field(default=None, description="Webhook signing secret.")
    verify_token: Secret | None = Field(default=None, description="Webhook handshake token.")
