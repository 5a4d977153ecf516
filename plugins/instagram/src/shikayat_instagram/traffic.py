"""Realistic Instagram traffic for the fake account: comments under the force's own posts and
reels, replies in those threads, @mentions in other accounts' comments and in citizens' own
captions, and direct messages — Hindi, English and Hinglish — with the repeats a police cell
sees (the same person again, a little more insistent, copy-paste from others). Deliveries go to
the webhook target in batches of several entries, sometimes redelivered or out of order.
Deterministic for a seed."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from shikayat_instagram.fake import FakeInstagram

COMPLAINTS = [
    "Hazratganj mein meri chain chheen li do ladke scooty pe the, please help",
    "मेरा मोबाइल आलमबाग बस अड्डे से चोरी हो गया, FIR कैसे होगी?",
    "Gomti Nagar Vipul Khand me raat 1 baje tak DJ baj raha hai, koi action lijiye",
    "Someone took Rs 18,000 from my account through a fake KYC link, I never shared the OTP",
    "चारबाग स्टेशन के बाहर दो घंटे से जाम लगा है, ट्रैफिक पुलिस कहाँ है?",
    "Chinhat mein padosi ne zameen par kabza kar liya, thane mein sunvai nahi",
    "A man follows girls from the coaching centre in Aliganj every evening, please send patrol",
    "मेरी बेटी 14 साल की, कल शाम से कपूरथला से लापता है, कृपया मदद करें",
    "Accident on Shaheed Path near Sushant Golf City, two injured, ambulance nahi aayi",
    "Thana Mohanlalganj FIR nahi likh raha, 3 din se chakkar laga raha hoon",
    "Illegal sharab bik rahi hai Thakurganj park ke paas raat bhar",
    "पति दहेज के लिए रोज़ मारपीट करता है, इंदिरा नगर, मदद चाहिए",
    "My bike was stolen from Aminabad market parking, UP32 CK 4410",
    "Loan app wale gaali de rahe hain aur meri photo viral karne ki dhamki de rahe hain",
    "Someone made a fake Instagram profile with my sister's photos and is messaging her friends",
    "Kaiserbagh bus adda pe wrong parking se poora rasta band hai",
    "जानकीपुरम सेक्टर एफ में रात को घर का ताला टूटा, गहने चोरी",
    "Passport verification 2 mahine se pending hai Vikas Nagar thane me",
]
OTHER = [
    "Great work Lucknow police 👏",
    "Jai Hind 🇮🇳",
    "Follow me for free recharge tricks!!",
]
CAPTIONS = [
    "Road safety week: helmet pehniye, seat belt lagaiye",
    "Cyber fraud se bachein: OTP kisi ko na batayein — 1930 par call karein",
    "Mission Shakti: mahilaon ki suraksha ke liye 1090",
]
NAMES = ["rahul.verma", "priya_singh", "amit.yadav", "sunita.khan", "mohd.imran", "pooja.mishra",
         "vikas_gupta", "neha.pandey", "arjun.tiwari", "kavita.maurya", "shabnam_ansari", "deepak.lko"]


@dataclass
class InstagramTraffic:
    fake: FakeInstagram
    seed: int = 13
    published: list[tuple[str, str, str]] = field(default_factory=list)
    """(kind, username, text) of citizens' complaints, for repeats."""

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self._count = 0
        self._comments: list[tuple[str, str, str]] = []      # (comment id, media id, username)
        if not self.fake.media:
            for caption in CAPTIONS:
                self.fake.add_media(caption, product="REELS" if "Shakti" in caption else "FEED")

    def _citizen(self) -> str:
        self._count += 1
        return f"{self.rng.choice(NAMES)}{self._count}"

    def _publish(self, kind: str, username: str, text: str) -> dict[str, Any]:
        fake = self.fake
        handle = f"@{fake.username}"
        if kind == "message":
            return fake.add_message(username, text)
        if kind == "mention_comment":
            return fake.mention_in_comment(username, f"{handle} {text}")
        if kind == "mention_caption":
            return fake.mention_in_caption(username, f"{text} {handle}")
        media = self.rng.choice(fake.media)
        delivery = fake.add_comment(username, text, media_id=media["id"])
        value = delivery["entry"][0]["changes"][0]["value"]
        self._comments.append((value["id"], media["id"], username))
        return delivery

    def _one(self) -> dict[str, Any]:
        r = self.rng
        roll = r.random()
        if not self.published or roll < 0.55:
            kind = r.choice(["comment", "comment", "comment", "message", "message", "mention_comment",
                             "mention_caption"])
            username, text = self._citizen(), r.choice(COMPLAINTS)
            self.published.append((kind, username, text))
            return self._publish(kind, username, text)
        if roll < 0.65:                              # the same person again, exactly
            kind, username, text = r.choice(self.published)
            return self._publish(kind, username, text)
        if roll < 0.73:                              # the same person, a little more insistent
            kind, username, text = r.choice(self.published)
            return self._publish(kind, username, text + " " + r.choice(["please", "jaldi", "koi sunwai nahi",
                                                                        "!!!"]))
        if roll < 0.83:                              # copy-paste from someone else
            kind, _, text = r.choice(self.published)
            return self._publish(kind, self._citizen(), text)
        if roll < 0.90 and self._comments:           # a reply in a complaint's thread
            comment_id, media_id, username = r.choice(self._comments)
            return self.fake.add_comment(username, "abhi tak koi action nahi hua, reference bhi nahi mila",
                                         media_id=media_id, parent_id=comment_id)
        return self._publish("comment", self._citizen(), r.choice(OTHER))

    def emit(self, count: int) -> int:
        """Publish ``count`` items and deliver them (batched, some redelivered or out of order)."""
        self.fake.webhooks.deliver_batched([self._one() for _ in range(count)], self.rng)
        self.flush_own()
        return count

    def flush_own(self) -> None:
        """Send the deliveries our own replies caused (own comments, DM echoes): never complaints."""
        if self.fake.outbox and self.fake.webhooks.target is not None:
            with self.fake.lock:
                own, self.fake.outbox = self.fake.outbox[:], []
            self.fake.webhooks.send_all(own)
