"""Default reply texts, in Hindi or English after the complaint's language.

Public replies carry the reference and tag the routed unit's handle on that platform; they
never repeat personal data, and a sensitive case's reply says nothing about the case.
"""

from __future__ import annotations

from shikayat.complaint import Complaint
from shikayat.decisions import DecisionContext
from shikayat.hookspecs import hookimpl
from shikayat.types import Language

_ACK = {
    "en": "Your complaint is registered, reference {ref}. It has been forwarded to {unit} for action.",
    "hi": "आपकी शिकायत दर्ज कर ली गई है, संदर्भ संख्या {ref}। इसे कार्रवाई हेतु {unit} को भेज दिया गया है।",
}
# Carries the post's own reference too: every reply text differs (X refuses a post that repeats
# an earlier one word for word), and the author can quote either number.
_ACK_DUPLICATE = {
    "en": "This matter is already registered under reference {ref} and is with {unit}. Your post: {own}.",
    "hi": "यह मामला पहले से संदर्भ संख्या {ref} पर दर्ज है और {unit} को भेजा जा चुका है। आपकी पोस्ट: {own}।",
}
_ACK_SENSITIVE = {
    "en": "Your complaint is registered, reference {ref}. An officer will contact you privately.",
    "hi": "आपकी शिकायत दर्ज कर ली गई है, संदर्भ संख्या {ref}। एक अधिकारी आपसे निजी रूप से संपर्क करेंगे।",
}


def _unit_label(complaint: Complaint, context: DecisionContext, lang: str) -> str:
    unit = context.units.get(complaint.unit) if complaint.unit else None
    if unit is None:
        return "the police" if lang == "en" else "पुलिस"
    handles = unit.handles.get(complaint.platform)
    own = context.channel is not None and context.channel.unit == unit.id   # do not tag ourselves
    if handles and not own:
        return "@" + handles[0]
    return unit.name.hi if lang == "hi" and unit.name.hi else unit.name.en


@hookimpl(trylast=True)
def render_reply(complaint: Complaint, kind: str, context: DecisionContext) -> str | None:
    if kind != "ack":
        return None
    lang = "hi" if complaint.language is Language.HINDI else "en"
    if complaint.sensitive:
        return _ACK_SENSITIVE[lang].format(ref=complaint.docket)
    if complaint.duplicate_of:
        template, ref = _ACK_DUPLICATE[lang], complaint.duplicate_of_docket or complaint.docket
    else:
        template, ref = _ACK[lang], complaint.docket
    return template.format(ref=ref, own=complaint.docket, unit=_unit_label(complaint, context, lang))
