"""The outbox worker: sends queued replies, each at most once.

A row's ``attempts`` is committed before its reply is sent (see :mod:`shikayat.store`), so
after a crash between "sent" and "marked sent" the next claim sees ``attempts > 1`` and asks
the platform (``Replier.find_sent``) before sending again.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import timedelta

from shikayat.complaint import utcnow
from shikayat.errors import AuthError, FatalError, PlatformError, RetryableError
from shikayat.platforms import Replier, ReplyIntent, SentReply
from shikayat.retry import DEFAULT_POLICY, RetryPolicy, next_delay
from shikayat.store import OutboxItem, Store

logger = logging.getLogger(__name__)

_UNAVAILABLE_RETRY = timedelta(minutes=10)


@dataclass
class OutboxWorker:
    store: Store
    repliers: dict[str, Replier]
    """Replier per channel name (only enabled channels that can reply)."""
    owner: str
    lease_seconds: float = 60.0
    max_attempts: int = 8
    policy: RetryPolicy = DEFAULT_POLICY
    failed_channels: set[str] = field(default_factory=set)

    async def run_once(self, limit: int = 50) -> int:
        """Claim due rows and send them; returns how many were claimed."""
        items = await asyncio.to_thread(
            self.store.claim_outbox, limit, owner=self.owner, lease_seconds=self.lease_seconds
        )
        for item in items:
            await self.send(item)
        return len(items)

    async def send(self, item: OutboxItem) -> None:
        replier = self.repliers.get(item.channel or "")
        if replier is None or item.channel in self.failed_channels:
            await self._retry_later(item, f"channel {item.channel!r} is not available for replies", _UNAVAILABLE_RETRY)
            return
        intent = ReplyIntent(
            outbox_id=item.id, complaint_id=item.complaint_id, docket=item.docket, kind=item.kind,
            channel=item.channel or "", text=item.text, in_reply_to=item.in_reply_to,
            recipient=item.recipient, private=item.private, attempts=item.attempts,
            author=item.author, last_inbound_at=item.last_inbound_at,
        )
        try:
            sent: SentReply | None = None
            if item.attempts > 1:
                sent = await replier.find_sent(intent)
                if sent is not None:
                    logger.info("reply %d was already on the platform as %s", item.id, sent.platform_id)
            if sent is None:
                sent = await replier.send(intent)
        except RetryableError as exc:
            if item.attempts >= self.max_attempts:
                await self._fail(item, f"gave up after {item.attempts} attempts: {exc}")
            else:
                delay = next_delay(exc, item.attempts, self.policy)
                logger.warning("reply %d (%s) failed, retrying in %.0fs: %s", item.id, item.docket, delay, exc)
                await self._retry_later(item, str(exc), timedelta(seconds=delay))
            return
        except FatalError as exc:
            if isinstance(exc, AuthError) and item.channel:
                self.failed_channels.add(item.channel)
                await self._retry_later(item, f"credentials refused: {exc}", _UNAVAILABLE_RETRY)
                await asyncio.to_thread(self.store.update_channel, item.channel, healthy=False,
                                        last_error=f"replies refused: {exc}")
                logger.error("channel %s: reply credentials refused: %s", item.channel, exc)
                return
            await self._fail(item, str(exc))
            return
        except PlatformError as exc:
            await self._fail(item, str(exc))
            return
        await asyncio.to_thread(self.store.mark_sent, item.id, sent.platform_id)

    async def _retry_later(self, item: OutboxItem, error: str, delay: timedelta) -> None:
        await asyncio.to_thread(self.store.mark_retry, item.id, not_before=utcnow() + delay, error=error)

    async def _fail(self, item: OutboxItem, error: str) -> None:
        logger.error("reply %d (%s) failed permanently: %s", item.id, item.docket, error)
        await asyncio.to_thread(self.store.mark_failed, item.id, error)
