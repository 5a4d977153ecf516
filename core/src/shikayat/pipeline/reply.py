"""The outbox worker: sends queued replies, each at most once; and what platforms report back.

A row's ``attempts`` is committed before its reply is sent (see :mod:`shikayat.store`), so
after a crash between "sent" and "marked sent" the next claim sees ``attempts > 1`` and asks
the platform (``Replier.find_sent``) before sending again.

Where the platform cannot be asked but reports our sent replies back by webhook
(``Replier.confirms_by_webhook``: WhatsApp statuses, Messenger and Instagram echoes, each
carrying the reply token the send put on the request), such a claim does not send: it gives the
row back to wait ``confirm_seconds`` — measured from that claim — for the report, which marks
the row sent (:func:`record_delivery_reports`) and so ends the matter. Only a claim after a
wait that brought no report sends again: the earlier request may never have reached the platform.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import timedelta

from shikayat.complaint import utcnow
from shikayat.config import DEFAULT_CONFIRM_SECONDS
from shikayat.errors import AuthError, FatalError, PlatformError, RetryableError
from shikayat.platforms import DeliveryReport, Replier, ReplyIntent, SentReply, outbox_id_of
from shikayat.retry import DEFAULT_POLICY, RetryPolicy, next_delay
from shikayat.store import OutboxItem, Store

logger = logging.getLogger(__name__)

_UNAVAILABLE_RETRY = timedelta(minutes=10)


@dataclass
class Recorded:
    """What :func:`record_delivery_reports` changed in the outbox."""

    undelivered: int = 0
    """Sent replies marked failed."""
    confirmed: int = 0
    """Pending replies marked sent on the platform's word."""


def record_delivery_reports(store: Store, platform: str, reports: list[DeliveryReport],
                            *, channel: str | None = None) -> Recorded:
    """Record each report in the outbox, in the order given (a failure after its confirmation
    still marks the reply failed). Idempotent: redelivered reports change nothing."""
    done = Recorded()
    for report in reports:
        if report.error is not None:
            if store.mark_delivery_failed(platform, report.platform_id, report.error):
                done.undelivered += 1
                logger.warning("channel %s: reply %s was not delivered: %s", channel or "?", report.platform_id,
                               report.error)
            else:
                logger.debug("delivery failure of %s matches no sent reply", report.platform_id)
            continue
        outbox_id = outbox_id_of(report.token)
        if outbox_id is not None and store.confirm_sent(outbox_id, platform, report.platform_id):
            done.confirmed += 1
            logger.info("channel %s: the platform confirms reply %d as %s", channel or "?", outbox_id,
                        report.platform_id)
    return done


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
    confirm_seconds: float = DEFAULT_CONFIRM_SECONDS
    """How long a reply whose last attempt had an unknown outcome waits for the platform's
    confirmation before it is sent again (where ``Replier.confirms_by_webhook``); 0: no wait."""

    async def run_once(self, limit: int = 1) -> int:
        """Claim due rows and send them; returns how many were claimed.

        One row per claim by default: a crash then leaves at most the reply in flight with an
        unknown outcome. Rows claimed together but not yet sent would look just as uncertain
        after a restart (``attempts > 1``) and wait for a confirmation that cannot come.
        """
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
                elif replier.confirms_by_webhook(intent) and not await self._confirmation_awaited(item):
                    return
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

    async def _confirmation_awaited(self, item: OutboxItem) -> bool:
        """Whether a reply whose last attempt had an unknown outcome may be sent again now.

        The first such claim gives the row back to wait for the platform's report of that
        attempt (False); the claim after a wait that brought none may send (True).
        """
        if item.confirm_waited or self.confirm_seconds <= 0:
            logger.warning("reply %d (%s): the platform did not confirm the earlier attempt within %.0fs; "
                           "sending it again (that request may never have reached the platform)",
                           item.id, item.docket, self.confirm_seconds)
            return True
        logger.info("reply %d (%s): an earlier attempt may have reached the platform; waiting up to %.0fs "
                    "for the platform to confirm it before sending again", item.id, item.docket,
                    self.confirm_seconds)
        await asyncio.to_thread(self.store.await_confirmation, item.id,
                                until=utcnow() + timedelta(seconds=self.confirm_seconds),
                                error="waiting for the platform to confirm an earlier attempt")
        return False

    async def _retry_later(self, item: OutboxItem, error: str, delay: timedelta) -> None:
        await asyncio.to_thread(self.store.mark_retry, item.id, not_before=utcnow() + delay, error=error)

    async def _fail(self, item: OutboxItem, error: str) -> None:
        logger.error("reply %d (%s) failed permanently: %s", item.id, item.docket, error)
        await asyncio.to_thread(self.store.mark_failed, item.id, error)
