"""Default classifier: a model trained on labelled examples, weighed with the loaded taxonomy's
phrases (see :mod:`shikayat.learn` and :mod:`shikayat.classify`).

Category from a naive Bayes model over character n-grams (trained at first use on the shipped
examples, the deployment's ``[classify] training`` files and the taxonomy's keywords) with the
phrases' pick as evidence; priority ``critical`` for an emergency (emergency phrases, "now" in
an urgent category, the model's emergency score), else the category's default; sensitive and
actionable flags from the taxonomy, and the reason in words. A post folded into a
known case joins the case's classification, raised or refined by its own
(:func:`shikayat.pipeline.cases.join_case`).
"""

from __future__ import annotations

from shikayat.complaint import Complaint
from shikayat.decisions import Classification, DecisionContext
from shikayat.hookspecs import hookimpl
from shikayat.learn import model_classifier_for
from shikayat.pipeline.cases import join_case
from shikayat.textnorm import normalize_text


@hookimpl
def classify_complaint(complaint: Complaint, context: DecisionContext) -> Classification:
    text = complaint.text_normalized if complaint.text_normalized is not None else normalize_text(complaint.text)
    own = model_classifier_for(context.taxonomy).classify(text, complaint.language)
    case = context.case
    return join_case(case, own) if case is not None else own
