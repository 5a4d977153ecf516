"""Channel settings of the Meta platforms: what every Graph API channel has
(:class:`GraphSettings`, shared by Facebook, Instagram and WhatsApp), and a Facebook Page
channel's (a ``[channels.NAME]`` section with ``platform = "facebook"``)."""

from __future__ import annotations

import httpx
from pydantic import Field, field_validator

from shikayat import ChannelSettings, Secret
from shikayat_facebook.graph import DEFAULT_BASE_URL, DEFAULT_VERSION, GraphClient


class GraphSettings(ChannelSettings):
    """The Graph API credentials, host and version, and the webhook secrets of a Meta channel."""

    access_token: Secret = Field(
        description="Page access token, Instagram user token or system-user token (env:NAME or file:PATH).")
    app_secret: Secret = Field(
        description="The Meta app's secret: checks X-Hub-Signature-256 and signs calls (appsecret_proof).")
    verify_token: Secret = Field(
        description="The string Meta echoes in the webhook verification handshake (hub.verify_token).")
    base_url: str = Field(default=DEFAULT_BASE_URL, description="Graph API host (a fake server in tests).")
    api_version: str = Field(default=DEFAULT_VERSION, pattern=r"^v\d+\.\d+$",
                             description="Graph API version in every URL, e.g. 'v23.0'.")

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("base_url must start with http:// or https://")
        return value.rstrip("/")

    def graph_client(self, client: httpx.AsyncClient, *, api: str) -> GraphClient:
        """The Graph API client of this channel over ``client`` (``api`` names it in errors)."""
        return GraphClient(client, access_token=self.access_token.get_secret_value(), base_url=self.base_url,
                           version=self.api_version, app_secret=self.app_secret.get_secret_value(), api=api)


class FacebookSettings(GraphSettings):
    page_id: str = Field(pattern=r"^\d{1,20}$", description="Numeric id of our Facebook Page.")
    poll_interval: float = Field(
        default=300.0, gt=0, description="Seconds between reconciliation polls (webhooks bring posts live).")
    lookback_hours: float = Field(
        default=72.0, gt=0, le=24 * 90,
        description="Reconciliation re-reads the comments of Page posts created this many hours back.")
    overlap_seconds: float = Field(
        default=600.0, ge=0, description="Each reconciliation re-reads comments this far before the last one.")
    page_size: int = Field(default=50, ge=1, le=100, description="Items per Graph API page (1-100).")
    reconcile_tagged: bool = Field(
        default=True, description="Reconciliation reads /{page-id}/tagged, posts by others that tag the Page "
                                  "(needs pages_read_user_content).")
    reconcile_messenger: bool = Field(
        default=True, description="Reconciliation reads the Page's Messenger conversations updated since the "
                                  "last round (needs the MESSAGING task and pages_messaging).")
    own_user_ids: list[str] = Field(
        default=[], description="Other Page or user ids of ours whose posts are never complaints.")
