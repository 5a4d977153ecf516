"""Realistic WhatsApp traffic for the fake Cloud API: how citizens write to a police helpline
number — Hindi, English and Hinglish, no punctuation, voice notes, photos with a caption, a shared
location, forwarded messages — with the repeats a police cell sees (the same person writing again,
"sir koi update?" follow-ups quoting our reply, the same forward from many people), greetings,
thanks and reactions. Deliveries go to the webhook target, sometimes several messages in one POST,
sometimes redelivered. Deterministic for a seed."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from shikayat_whatsapp.fake import Citizen, FakeWhatsApp

COMPLAINTS = [
    "sir meri chain chheen li hazratganj mein abhi 2 ladke bike pe the please help",
    "मेरा मोबाइल आलमबाग बस स्टैंड से चोरी हो गया है कृपया मदद करें",
    "Gomti Nagar sector 4 me raat 1 baje tak DJ baj raha hai so nahi pa rahe",
    "Sir mere account se 25000 UPI fraud ho gaya OTP nahi diya fir bhi paise kat gaye",
    "I got a call from a fake bank officer and Rs 48,000 was debited from my SBI account",
    "चारबाग स्टेशन के बाहर 2 घंटे से जाम लगा है कोई ट्रैफिक पुलिस नहीं है",
    "padosi ne meri jameen par kabja kar liya chinhat thane me sunvai nahi ho rahi",
    "My daughter is being harassed by boys near her coaching in Aliganj every day",
    "मेरा 8 साल का बेटा शाम से इंदिरा नगर से लापता है कृपया मदद करें",
    "Kidwai Nagar Kanpur me accident hua hai ambulance nahi aayi abhi tak",
    "thana Mohanlalganj FIR nahi likh raha 3 din se chakkar laga raha hoon",
    "Varanasi Lanka ke paas sharab ki illegal dukaan khuli hai raat bhar",
    "पति रोज़ मारपीट करता है दहेज़ के लिए प्रयागराज मदद करें",
    "Indirapuram Ghaziabad me meri car chori ho gayi ghar ke bahar se",
    "loan app wale gaali de rahe hain aur photo viral karne ki dhamki de rahe hain",
    "गोरखपुर में रात को चोरों ने दुकान का ताला तोड़ दिया",
    "Aminabad market me jeb kat gayi wallet aur aadhaar card gaya",
    "passport verification 2 mahine se pending hai Vikas Nagar thana",
    "bachao koi ghar me ghus aaya hai Jankipuram sector F jaldi aaiye",
    "Chowk ke paas godown me aag lag gayi hai fire brigade bhejiye",
]
CAPTIONS = ["ye dekhiye sir kitna jam hai", "इसी आदमी ने मेरा फोन छीना", "car number plate clearly visible",
            "FIR ki copy", None]
PLACES = [(26.8500, 80.9490, "Hazratganj Chauraha", "Hazratganj, Lucknow"),
          (26.8300, 80.9200, "Charbagh Railway Station", "Charbagh, Lucknow"),
          (26.8930, 80.9460, "Aliganj", "Kapoorthala, Aliganj, Lucknow")]
FORWARDS = ["Forwarded as received: bachcha chor gang shahar me ghoom raha hai, sab savdhan rahe",
            "ये मैसेज सबको भेजें: रात को सफेद वैन में बच्चे उठाने वाले घूम रहे हैं"]
OTHER = ["Thank you sir 🙏 bahut jaldi madad mili", "Good morning sir", "Jai Hind", "ok", "👍"]
FOLLOW_UPS = ["sir koi update?", "abhi tak koi nahi aaya", "कृपया जल्दी कार्रवाई करें", "any update on this?"]
NAMES = ["Rahul Verma", "Priya Singh", "Amit Yadav", "Sunita Khan", "Mohd Imran", "Pooja Mishra", "Vikas Gupta",
         "Neha Pandey", "Arjun Tiwari", "Kavita Maurya", "Shabnam Ansari", "Deepak Singh", "Ritu Verma",
         "Farhan Ali", "Meena Devi", "Sanjay Maurya"]


@dataclass
class WhatsAppTraffic:
    fake: FakeWhatsApp
    seed: int = 13
    written: list[tuple[Citizen, str]] = field(default_factory=list)
    """(citizen, text) of every complaint written, for repeats."""

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self._count = 0

    def _citizen(self) -> Citizen:
        r = self.rng
        self._count += 1
        name = f"{r.choice(NAMES)} {self._count}"
        return self.fake.citizen(name, phone=r.random() > 0.1, username=None if r.random() > 0.1 else f"user{self._count}")

    def _one(self) -> dict[str, Any]:
        r, fake = self.rng, self.fake
        roll = r.random()
        if not self.written or roll < 0.45:
            who, text = self._citizen(), r.choice(COMPLAINTS)
            self.written.append((who, text))
            return fake.text(who, text)
        if roll < 0.52:                              # a photo or a voice note about it
            who = self._citizen()
            if r.random() < 0.5:
                caption = r.choice(CAPTIONS)
                self.written.append((who, caption or ""))
                return fake.media(who, "image", caption=caption)
            return fake.media(who, "audio")
        if roll < 0.57:                              # a shared location
            lat, lon, name, address = r.choice(PLACES)
            return fake.location(self._citizen(), lat, lon, name=name, address=address)
        if roll < 0.67:                              # the same person again
            who, text = r.choice(self.written)
            return fake.text(who, text if r.random() < 0.5 else text + " " + r.choice(["please", "jaldi", "!!!"]))
        if roll < 0.75:                              # a follow-up quoting our reply
            who, _ = r.choice(self.written)
            ours = fake.replies_to(who)
            return fake.text(who, r.choice(FOLLOW_UPS), reply_to=ours[-1]["id"] if ours else None)
        if roll < 0.84:                              # the same forward from many people
            return fake.text(self._citizen(), r.choice(FORWARDS), forwarded=True)
        if roll < 0.90:                              # a reaction to our reply (not a complaint)
            who, _ = r.choice(self.written)
            ours = fake.replies_to(who)
            if ours:
                return fake.reaction(who, ours[-1]["id"], r.choice(["👍", "🙏"]))
        return fake.text(self._citizen(), r.choice(OTHER))

    def emit(self, count: int) -> int:
        """Write ``count`` messages and deliver them (batched, some redelivered); held until the
        webhook target is known."""
        self.fake.webhooks.deliver_batched([self._one() for _ in range(count)], self.rng,
                                           combine=FakeWhatsApp.combine, out_of_order=0)
        return count
