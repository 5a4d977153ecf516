"""Default classifier: every post is an actionable, uncategorised complaint of normal priority."""

from __future__ import annotations

from shikayat.complaint import Complaint
from shikayat.decisions import Classification, DecisionContext
from shikayat.hookspecs import hookimpl
from shikayat.types import Priority


@hookimpl
def classify_complaint(complaint: Complaint, context: DecisionContext) -> Classification:
    return Classification(category="uncategorised", priority=Priority.NORMAL, actionable=True,
                          sensitive=False, reason="default classifier")
