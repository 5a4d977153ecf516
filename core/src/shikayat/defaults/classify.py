"""Default classifier: keywords of the loaded taxonomy (see :mod:`shikayat.classify`).

Category by the longest, most specific matched keywords (actionable categories first), else
by the single words of a category's keywords; priority from the category, raised to critical
by emergency phrases or by "now" in an urgent category, lowered from critical by "the past";
sensitive and actionable flags from the taxonomy, and the reason in words. A post matching
nothing is an actionable ``uncategorised`` complaint of normal priority. A post folded into a
known case joins the case's classification, raised or refined by its own
(:func:`shikayat.pipeline.cases.join_case`).
"""

from __future__ import annotations

from shikayat.classify import classifier_for
from shikayat.complaint import Complaint
from shikayat.decisions import Classification, DecisionContext
from shikayat.hookspecs import hookimpl
from shikayat.pipeline.cases import join_case
from shikayat.textnorm import normalize_text


@hookimpl
def classify_complaint(complaint: Complaint, context: DecisionContext) -> Classification:
    text = complaint.text_normalized if complaint.text_normalized is not None else normalize_text(complaint.text)
    own = classifier_for(context.taxonomy).classify(text, complaint.language)
    case = context.case
    return join_case(case, own) if case is not None else own
