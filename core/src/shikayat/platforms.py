"""What a platform plugin provides: a :class:`Platform` and the objects it builds.

A platform declares its name, its settings model and its capabilities, normalizes raw posts
into :class:`~shikayat.complaint.Complaint`, and builds (for one configured channel):

* a :class:`Fetcher` (``Capability.FETCH``): pull a page of raw posts from a cursor;
* a :class:`WebhookReceiver` (``Capability.WEBHOOK``): handshake, signature check over the raw
  body, split a delivery into raw posts;
* a :class:`Replier` (``Capability.REPLY``): send one reply, return the platform's id for it.

A platform that reports on our replies asynchronously returns those reports from
:meth:`Platform.delivery_reports`: a reply it accepted and then did not deliver (a WhatsApp
``failed`` status) marks the outbox row failed (:meth:`shikayat.store.Store.mark_delivery_failed`);
a reply it confirms having sent, naming the outbox row by the token the send carried
(:attr:`ReplyIntent.token`, echoed back in a WhatsApp status or a Messenger echo), marks that
row sent (:meth:`shikayat.store.Store.confirm_sent`). The second is how a reply whose send
outcome was lost is known to be out, on platforms where :meth:`Replier.find_sent` cannot look.

Platform objects do I/O with an injected :class:`httpx.AsyncClient`; nothing is built at import
time. Plugins never import tenacity: they raise the right :mod:`shikayat.errors` class and core
retries.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from shikayat.types import Cursor

if TYPE_CHECKING:
    import httpx

    from shikayat.complaint import Author, Complaint, RawPost
    from shikayat.store import InboxView


class Capability(StrEnum):
    FETCH = "fetch"
    WEBHOOK = "webhook"
    REPLY = "reply"


class ChannelSettings(BaseModel):
    """Settings every channel has. A platform subclasses this with its own fields.

    Validated from a ``[channels.NAME]`` section of the config file. Secret fields use
    :data:`shikayat.secrets.Secret`.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    platform: str
    enabled: bool = True
    unit: str | None = Field(
        default=None, description="Units-directory id of the unit that owns this account."
    )
    poll_interval: float = Field(default=60.0, gt=0, description="Seconds between polls.")
    reply: bool = Field(default=True, description="Send acknowledgements on this channel.")


@dataclass(frozen=True)
class Channel:
    """One configured account on one platform."""

    name: str
    platform: str
    settings: ChannelSettings

    @property
    def unit(self) -> str | None:
        return self.settings.unit


@dataclass(frozen=True)
class Page:
    """One fetched page.

    ``cursor`` is where to resume once ``posts`` are committed (core saves it in the same
    transaction as the posts, never before). ``more`` says another page is ready now; when
    false the fetcher is caught up and the poller sleeps.
    """

    posts: Sequence[RawPost]
    cursor: Cursor | None
    more: bool = False
    rate_limit_remaining: int | None = None


class Fetcher(ABC):
    """Pulls posts for one channel. Stateless between calls: all state is in the cursor, and
    whatever a fetcher keeps in memory besides is rebuilt from the inbox by :meth:`resume`."""

    @abstractmethod
    async def fetch(self, cursor: Cursor | None) -> Page:
        """Return the next page after ``cursor`` (``None``: first poll of this channel)."""

    async def resume(self, inbox: InboxView) -> None:
        """Pick up work a previous process committed but did not finish.

        Called by the daemon once per start of the channel's poller, after it holds the
        channel's lock and before the first :meth:`fetch`. ``inbox`` lists this channel's raw
        posts by key prefix and tells which keys are stored; a fetcher that keeps work in memory
        (mentions waiting to be looked up) rebuilds it from there. Keep it bounded (a time
        window, a limit): it runs on every start. An exception is logged and the channel polls
        on. Default: nothing to resume.
        """
        return None


REPLY_TOKEN_PREFIX = "shikayat:"


def reply_token(outbox_id: int) -> str:
    """The token a send carries where the platform echoes it back: ``shikayat:<outbox id>``."""
    return f"{REPLY_TOKEN_PREFIX}{outbox_id}"


def outbox_id_of(token: str | None) -> int | None:
    """The outbox id a reply token names, or None when it is not one of ours."""
    if token is None or not token.startswith(REPLY_TOKEN_PREFIX):
        return None
    digits = token[len(REPLY_TOKEN_PREFIX):]
    return int(digits) if digits.isascii() and digits.isdigit() and len(digits) <= 18 else None


@dataclass(frozen=True)
class ReplyIntent:
    """One reply the outbox wants sent."""

    outbox_id: int
    complaint_id: str
    docket: str
    kind: str
    channel: str
    text: str
    in_reply_to: str
    """External id of the post being answered."""
    recipient: str
    """Platform user id of the author."""
    private: bool = False
    attempts: int = 1
    """1 on the first try; more means an earlier attempt may have reached the platform."""
    author: Author | None = None
    """The complaint's author as stored (``phone`` included, kept out of ``repr``)."""
    last_inbound_at: datetime | None = None
    """When the author last posted on this channel, as far as the store knows (the newest
    ``created_at`` of their complaints): what a messaging window (WhatsApp's 24 hours since
    the customer's last message) is measured from. None when unknown."""

    @property
    def token(self) -> str:
        """Names this reply's outbox row (no personal data). A replier puts it on the send
        request wherever the platform echoes it back in a delivery report (WhatsApp
        ``biz_opaque_callback_data``, Send API ``message.metadata``)."""
        return reply_token(self.outbox_id)


@dataclass(frozen=True)
class SentReply:
    platform_id: str


@dataclass(frozen=True)
class DeliveryReport:
    """The platform reports on a reply it accepted: sent (``error`` None) or not delivered."""

    platform_id: str
    """The platform's id for the reply (what :meth:`Replier.send` returns for it)."""
    token: str | None = None
    """The reply token the send carried (:attr:`ReplyIntent.token`), echoed back; None when the
    report carries none (a message sent outside Shikayat, or a platform that echoes nothing)."""
    error: str | None = None
    """None: the platform confirms the reply was sent. Else why it was not delivered, in words
    (with the platform's error code)."""


class Replier(ABC):
    """Sends replies for one channel."""

    @abstractmethod
    async def send(self, intent: ReplyIntent) -> SentReply:
        """Send exactly one request creating the reply; return the platform's id for it."""

    async def find_sent(self, intent: ReplyIntent) -> SentReply | None:
        """After an attempt whose outcome is unknown (crash, timeout), look for the reply.

        Called before re-sending when ``intent.attempts > 1``. Return the reply if the platform
        already has it, else None (it will be sent). The default cannot look and returns None.
        """
        return None

    def confirms_by_webhook(self, intent: ReplyIntent) -> bool:
        """Whether the platform reports this reply back by webhook, carrying
        :attr:`ReplyIntent.token` (:meth:`Platform.delivery_reports`), where :meth:`find_sent`
        cannot look it up.

        When True, a claim after an attempt whose outcome is unknown that :meth:`find_sent`
        does not answer waits ``[daemon] reply_confirm_seconds`` for that report before sending
        again. Default: False (the reply is sent again at once).
        """
        return False


@dataclass(frozen=True)
class WebhookResponse:
    status: int
    body: bytes = b""
    media_type: str = "text/plain"


class WebhookReceiver(ABC):
    """Receives pushed deliveries for one channel.

    Core answers 2xx only after :meth:`split`'s posts are committed to the inbox. The signature
    check is mandatory: a platform with ``Capability.WEBHOOK`` whose receiver does not
    implement :meth:`verify` is refused at load. Helpers for the common schemes are in
    :mod:`shikayat.webhooks`.
    """

    def __init__(self, channel: Channel) -> None:
        self.channel = channel

    @abstractmethod
    def handshake(self, query: Mapping[str, str]) -> WebhookResponse:
        """Answer the platform's verification GET, or raise WebhookRejected."""

    @abstractmethod
    def verify(self, headers: Mapping[str, str], body: bytes) -> None:
        """Check the signature over the raw bytes; raise WebhookRejected if it fails."""

    @abstractmethod
    def split(self, body: bytes) -> list[RawPost]:
        """Split one verified delivery into raw posts (may be empty: receipts, echoes)."""


@dataclass(frozen=True)
class PlatformInfo:
    """What ``shikayat plugins`` shows about a platform."""

    name: str
    capabilities: frozenset[Capability]
    settings_model: type[ChannelSettings]
    extra: Mapping[str, str] = field(default_factory=dict)


class Platform(ABC):
    """A platform plugin's entry object. One instance serves every channel of the platform.

    A platform with ``Capability.WEBHOOK`` names its receiver class, either as
    ``receiver_class`` (then the default :meth:`webhook` builds ``receiver_class(channel)``) or
    as the return annotation of its own :meth:`webhook`; core checks at load that the class
    implements :meth:`WebhookReceiver.verify` and refuses the platform otherwise.
    """

    name: ClassVar[str]
    capabilities: ClassVar[frozenset[Capability]]
    settings_model: ClassVar[type[ChannelSettings]] = ChannelSettings
    receiver_class: ClassVar[type[WebhookReceiver] | None] = None
    """The webhook receiver's class (``Capability.WEBHOOK``); built with the channel."""

    # -- pure parts (no I/O) ------------------------------------------------------------

    @abstractmethod
    def normalize(self, raw: RawPost) -> Complaint:
        """Turn one raw post into a Complaint. Pure and deterministic.

        Raise :class:`~shikayat.errors.UnparseablePayload` when the payload cannot be read;
        the post is kept as a dead letter with that message.
        """

    @abstractmethod
    def split(self, payload: bytes, channel: str | None = None) -> list[RawPost]:
        """Split one recorded payload (a replayed line's ``payload``) into raw posts.

        For a polled platform that is one post object; for a webhook platform one delivery
        body. Raise UnparseablePayload if not even an id can be found.
        """

    def delivery_reports(self, payload: bytes) -> list[DeliveryReport]:
        """What one delivery (or replayed payload) reports about our own replies.

        Called by core next to :meth:`split` for every verified webhook delivery and every
        replayed payload (delivery reports are not posts: :meth:`split` leaves them out). A
        failure marks the *sent* outbox row holding that platform id as failed; a confirmation
        whose token names a row that is still pending marks it sent with that platform id (a
        confirmation without our token, or for a row already sent or failed, changes nothing).
        Report every confirmation that carries a token: core ignores tokens that are not ours.
        Pure. Raise UnparseablePayload only when :meth:`split` would too. Default: none.
        """
        return []

    def own_account_ids(self, settings: ChannelSettings) -> frozenset[str]:
        """Platform user ids of our own accounts on this channel: never complaints."""
        return frozenset()

    def fit_reply(self, text: str) -> str:
        """Shorten ``text`` to the platform's limit for a reply (default: unchanged)."""
        return text

    # -- I/O parts ------------------------------------------------------------------------

    def fetcher(self, channel: Channel, client: httpx.AsyncClient) -> Fetcher:
        raise NotImplementedError(f"platform {self.name!r} cannot fetch")

    def replier(self, channel: Channel, client: httpx.AsyncClient) -> Replier:
        raise NotImplementedError(f"platform {self.name!r} cannot reply")

    def webhook(self, channel: Channel) -> WebhookReceiver:
        receiver = self.receiver_class
        if receiver is None:
            raise NotImplementedError(f"platform {self.name!r} has no webhook receiver")
        return receiver(channel)

    def info(self) -> PlatformInfo:
        return PlatformInfo(self.name, self.capabilities, self.settings_model)
