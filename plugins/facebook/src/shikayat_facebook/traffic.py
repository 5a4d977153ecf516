"""Realistic Facebook traffic for the fake Page: visitor posts, comments under the Page's own
announcements, Messenger messages — Hindi, English and Hinglish — with the repeats a police cell
sees (the same person again, edited, copy-paste from others), edits and deletions. Deliveries go
to the webhook target in batches of several items, sometimes redelivered or out of order.
Deterministic for a seed."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from shikayat_facebook.fake import FakeFacebook

COMPLAINTS = [
    "Hazratganj mein meri chain chheen li do ladke bike pe the, please help UP Police",
    "मेरा मोबाइल आलमबाग बस स्टैंड से चोरी हो गया, कृपया मदद करें",
    "Gomti Nagar sector 4 me raat 1 baje tak DJ baj raha hai, koi action lijiye",
    "Someone took Rs 25,000 from my account through a fake UPI link, I never shared the OTP",
    "चारबाग स्टेशन के बाहर दो घंटे से जाम लगा है, कोई ट्रैफिक पुलिस नहीं है",
    "Padosi ne meri zameen par kabza kar liya, Chinhat thane mein sunvai nahi ho rahi",
    "My daughter is being harassed near her coaching centre in Aliganj every evening",
    "मेरा 8 साल का बेटा शाम से इंदिरा नगर से लापता है, कृपया मदद करें",
    "Accident on Shaheed Path near Sushant Golf City, two injured, ambulance nahi aayi",
    "Mohanlalganj thana FIR nahi likh raha, teen din se chakkar laga raha hoon",
    "Illegal liquor is being sold openly near the BHU gate in Varanasi every night",
    "पति दहेज के लिए रोज़ मारपीट करता है, प्रयागराज, मदद करें",
    "Indirapuram Ghaziabad mein ghar ke bahar se meri car chori ho gayi",
    "Loan app wale gaali de rahe hain aur photo viral karne ki dhamki de rahe hain",
    "गोरखपुर में रात को चोरों ने दुकान का ताला तोड़ दिया",
    "Passport verification two months se pending hai Vikas Nagar thana mein",
    "Aminabad market mein jeb kat gayi, wallet aur aadhaar card gaya",
    "Fake Facebook profile bana kar meri behen ko pareshan kiya ja raha hai",
]
OTHER = [
    "Thank you UP Police for the quick help yesterday 🙏",
    "Jai Hind 🇮🇳",
    "Earn 5000 daily from home, message me now!!",
]
ANNOUNCEMENTS = [
    "Traffic advisory: diversions around Charbagh for the festival weekend.",
    "साइबर ठगी से सावधान रहें। कोई भी OTP किसी के साथ साझा न करें।",
    "Report crimes against women on 1090 — Women Power Line, 24x7.",
]
NAMES = ["Rahul Verma", "Priya Singh", "Amit Yadav", "Sunita Khan", "Mohd Imran", "Pooja Mishra", "Vikas Gupta",
         "Neha Pandey", "Arjun Tiwari", "Kavita Maurya", "Shabnam Ansari", "Deepak Singh", "Ritu Verma"]


@dataclass
class FacebookTraffic:
    fake: FakeFacebook
    seed: int = 11
    published: list[tuple[str, str, str]] = field(default_factory=list)
    """(kind, author, text) of every complaint published, for repeats."""
    objects: list[tuple[str, str]] = field(default_factory=list)
    """(object id, author) of posts and comments, for edits and deletions."""

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self._count = 0
        self._announcements = [self.fake.add_post(self.fake.page_name, text, by_page=True)
                               for text in ANNOUNCEMENTS]

    def _citizen(self) -> str:
        self._count += 1
        return f"{self.rng.choice(NAMES)} {self._count}"

    def _post_id(self, delivery: dict[str, Any]) -> str:
        return str(delivery["entry"][0]["changes"][0]["value"].get("comment_id")
                   or delivery["entry"][0]["changes"][0]["value"]["post_id"])

    def _publish(self, kind: str, author: str, text: str) -> dict[str, Any]:
        if kind == "message":
            return self.fake.add_message(author, text)
        if kind == "post":
            delivery = self.fake.add_post(author, text)
        else:
            announcement = self.rng.choice(self.fake.posts[: len(ANNOUNCEMENTS)] or self.fake.posts)
            delivery = self.fake.add_comment(announcement["id"], author, text)
        self.objects.append((self._post_id(delivery), author))
        return delivery

    def _one(self) -> dict[str, Any]:
        r = self.rng
        roll = r.random()
        if not self.published or roll < 0.55:
            kind = r.choice(["post", "comment", "comment", "message"])
            author, text = self._citizen(), r.choice(COMPLAINTS)
            self.published.append((kind, author, text))
            return self._publish(kind, author, text)
        if roll < 0.65:                              # the same person again, exactly
            kind, author, text = r.choice(self.published)
            return self._publish(kind, author, text)
        if roll < 0.73:                              # the same person, a little more insistent
            kind, author, text = r.choice(self.published)
            return self._publish(kind, author, text + " " + r.choice(["please", "jaldi", "koi sunwai nahi", "!!!"]))
        if roll < 0.83:                              # copy-paste from someone else
            kind, _, text = r.choice(self.published)
            return self._publish(kind, self._citizen(), text)
        if roll < 0.88 and self.objects:             # an edit
            oid, _ = r.choice(self.objects)
            found = self.fake.find(oid)
            if found is not None:
                return self.fake.edit(oid, str(found["message"]) + " (update: still waiting)")
        if roll < 0.90 and self.objects:             # a deletion
            oid, _ = self.objects.pop(r.randrange(len(self.objects)))
            if self.fake.find(oid) is not None:
                return self.fake.remove(oid)
        return self._publish(r.choice(["post", "comment"]), self._citizen(), r.choice(OTHER))

    def emit(self, count: int) -> int:
        """Publish ``count`` items and deliver them (batched, some redelivered or out of order)."""
        self.fake.webhooks.deliver_batched([self._one() for _ in range(count)], self.rng)
        if self.fake.outbox and self.fake.webhooks.target is not None:   # our replies come back too
            with self.fake.lock:
                own, self.fake.outbox = self.fake.outbox[:], []
            self.fake.webhooks.send_all(own)
        return count
