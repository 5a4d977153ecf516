"""Realistic complaint traffic for the fake X server: how people actually write to police
accounts — Hindi, English and Hinglish, typos, no punctuation, tagged handles, place names —
with the repeats a police cell sees: the same author again (exact or edited), copy-paste waves
from other authors, reposts, quotes and replies in a complaint's thread, plus praise, greetings
and spam. Deterministic for a seed."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from shikayat_twitter.fake import FakeX

COMPLAINTS = [
    "@uppolice meri chain chheen li hazratganj mein abhi 2 ladke bike pe the please help",
    "@uppolice @lkopshazratganj_example Hazratganj GPO ke paas mobile snatching hui abhi 10 min pehle",
    "मेरा मोबाइल चोरी हो गया आलमबाग बस स्टैंड से @uppolice कृपया मदद करें",
    "@uppolice sir Gomti Nagar sector 4 me raat 1 baje tak DJ baj raha hai so nahi pa rahe",
    "Loud music past midnight near Patrakarpuram Gomti Nagar, elderly can't sleep @uppolice @lkopsgomtinagar",
    "@uppolice mere account se 25000 UPI fraud ho gaya OTP nahi diya fir bhi paise kat gaye #twittersewa",
    "@uppolice @cyberdost got a call from fake bank officer, Rs 48,000 debited from my SBI account",
    "चारबाग स्टेशन के बाहर 2 घंटे से जाम लगा है कोई ट्रैफिक पुलिस नहीं है @uppolice",
    "@uppolice @lkopsnaka jam at charbagh since 2 hours no traffic police at all",
    "@uppolice padosi ne meri jameen par kabja kar liya chinhat thane me sunvai nahi ho rahi",
    "@uppolice @dgpup my daughter is being harassed by boys near her coaching in Aliganj every day",
    "@uppolice Aliganj Kapoorthala ke paas ladkiyon ko chhed rahe hain roz shaam ko",
    "मेरा 8 साल का बेटा शाम से लापता है इंदिरा नगर से @uppolice @dgpup कृपया मदद करें",
    "@uppolice Kanpur me Kidwai Nagar ke paas accident hua hai ambulance nahi aayi",
    "@uppolice road accident on Shaheed Path near Sushant Golf City, two injured, please send help",
    "@uppolice thana Mohanlalganj FIR nahi likh raha 3 din se chakkar laga raha hoon",
    "@uppolice Varanasi Lanka ke paas sharab ki illegal dukaan khuli hai raat bhar",
    "@uppolice illegal liquor being sold openly near Banaras Hindu University gate",
    "पति रोज़ मारपीट करता है दहेज़ के लिए, प्रयागराज, @uppolice मदद करें",
    "@uppolice Ghaziabad Indirapuram me meri car chori ho gayi ghar ke bahar se",
    "@uppolice my bike was stolen from Hazratganj parking, UP32 AB 1234, FIR please",
    "@uppolice Meerut me goli chal rahi hai abhi Lisadi gate ke paas jaldi aaiye",
    "@uppolice Noida sector 18 me ek aadmi ladkiyon ki photo khinch raha hai",
    "@uppolice fake Facebook profile banakar meri behen ko pareshan kar raha hai koi",
    "@uppolice gaay ko ghayal kar diya kisi ne Alambagh me, animal cruelty",
    "@uppolice @igrangelucknow Barabanki me zameen vivad me dhamki de rahe hain jaan se maarne ki",
    "@uppolice online job ke naam pe 12000 le liye aur ab phone nahi utha rahe",
    "@uppolice loan app wale gaali de rahe hain aur photo viral karne ki dhamki",
    "गोरखपुर में रात को चोरों ने दुकान का ताला तोड़ दिया @uppolice",
    "@uppolice Agra Tajganj me tourists se loot ho rahi hai auto wale",
    "@uppolice bachao koi ghar me ghus aaya hai Jankipuram sector F",
    "@uppolice Aminabad market me jeb kat gayi wallet aur aadhaar card gaya",
    "@uppolice Bareilly me jua chal raha hai khule aam mandir ke peeche",
    "@uppolice Ayodhya highway pe truck wale vasooli kar rahe hain police ke naam pe",
    "@uppolice my mother is 75 and our tenant is threatening her, Mahanagar Lucknow",
    "@uppolice Lucknow university ke bahar stunt biking ho rahi hai roz shaam",
    "मेरी बहन का फोन पर पीछा कर रहा है एक लड़का, झांसी, @uppolice",
    "@uppolice @adgzonelucknow Sitapur road pe illegal mining ho rahi hai raat me",
    "@uppolice passport verification 2 mahine se pending hai Vikas Nagar thana",
    "@uppolice aag lag gayi hai Chowk ke paas godown me fire brigade bhejiye",
    "@uppolice smack bech rahe hain ladke Thakurganj ke park me",
    "@uppolice wrong parking se poora rasta band hai Kaiserbagh bus adda",
]
OTHER = [
    "@uppolice thank you for the quick help yesterday, great work Lucknow police",
    "@uppolice aap sabko Diwali ki hardik shubhkamnayein",
    "@uppolice jai hind jai bharat",
    "Earn 5000 daily from home!! DM now @uppolice @dgpup",
]
FIRST = ["rahul", "priya", "amit", "sunita", "mohd", "pooja", "vikas", "neha", "arjun", "kavita", "imran",
         "anjali", "ravi", "shabnam", "deepak", "meena", "sanjay", "farhan", "ritu", "manoj"]
LAST = ["verma", "singh", "yadav", "khan", "mishra", "gupta", "pandey", "ansari", "tiwari", "maurya"]


@dataclass
class Traffic:
    fake: FakeX
    seed: int = 7
    posted: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self._citizens = 0

    def _citizen(self) -> str:
        self._citizens += 1
        r = self.rng
        return f"{r.choice(FIRST)}_{r.choice(LAST)}{r.randrange(10, 999)}"

    def _edit(self, text: str) -> str:
        r = self.rng
        choice = r.randrange(4)
        if choice == 0:
            return text + " " + r.choice(["please", "plz help", "koi sunwai nahi", "!!!", "sir jaldi"])
        if choice == 1:
            return text.replace("@uppolice", "@uppolice @dgpup", 1)
        if choice == 2:
            return "Again: " + text
        return text.upper() if text.isascii() else text + " ।"

    def emit(self, count: int) -> int:
        """Publish ``count`` posts; returns how many."""
        r = self.rng
        for _ in range(count):
            roll = r.random()
            if not self.posted or roll < 0.60:
                author, text = self._citizen(), r.choice(COMPLAINTS)
                post = self.fake.add_post(author, text)
                self.posted.append((author, post))
            elif roll < 0.68:                      # the same author again, exactly
                author, post = r.choice(self.posted)
                self.fake.add_post(author, post["text"])
            elif roll < 0.75:                      # the same author, edited
                author, post = r.choice(self.posted)
                self.fake.add_post(author, self._edit(post["text"]))
            elif roll < 0.83:                      # a copy-paste wave from another author
                _, post = r.choice(self.posted)
                self.fake.add_post(self._citizen(), post["text"])
            elif roll < 0.88:                      # a repost
                author, post = r.choice(self.posted)
                self.fake.add_post(self._citizen(), f"RT @{author}: {post['text'][:100]}", repost_of=post["id"])
            elif roll < 0.91:                      # a quote
                _, post = r.choice(self.posted)
                self.fake.add_post(self._citizen(), "@uppolice please look into this urgently", quote_of=post["id"])
            elif roll < 0.94:                      # a reply in the complaint's thread
                author, post = r.choice(self.posted)
                self.fake.add_post(author, "@uppolice koi action nahi hua abhi tak", reply_to=post["id"])
            else:
                self.fake.add_post(self._citizen(), r.choice(OTHER))
        return count
