"""Hook implementations of the Facebook plugin."""

from __future__ import annotations

from pathlib import Path

from shikayat import Classification, Complaint, DecisionContext, Platform, Priority, hookimpl
from shikayat.demo import DemoChannel
from shikayat_facebook.platform import FacebookPlatform
from shikayat_facebook.split import PLATFORM, is_removal


@hookimpl
def register_platforms() -> list[Platform]:
    return [FacebookPlatform()]


@hookimpl(tryfirst=True)
def classify_complaint(complaint: Complaint, context: DecisionContext) -> Classification | None:
    """A removal record (the author deleted a post or comment) is kept but never acted on."""
    if complaint.platform == PLATFORM and is_removal(complaint.external_id):
        return Classification(category="uncategorised", priority=Priority.LOW, actionable=False,
                              reason="removal record: the author deleted this post or comment on Facebook")
    return None


@hookimpl
def demo_channels(data_dir: Path) -> list[DemoChannel]:
    from shikayat_facebook.demo import FacebookDemo

    return [FacebookDemo()]
