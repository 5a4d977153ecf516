"""Cost of the units directory and the jurisdiction router on the shipped sample.

Times loading the sample directory (YAML, validation, alias index) and routing posts of
typical length (Hindi, romanized Hindi and English, about half naming a place), and prints
the figures: load time, alias keys indexed, µs per post for place finding and for the whole
default router.

    python3 .ci/dev python benchmarks/route.py --posts 20000
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from shikayat.complaint import Author, Complaint, utcnow
from shikayat.decisions import DecisionContext
from shikayat.defaults.route import route_complaint
from shikayat.pipeline.dedupe import DedupeIndex
from shikayat.platforms import Channel
from shikayat.testing.fakes import FakeSettings
from shikayat.textnorm import normalize_text
from shikayat.units import load_units, sample_units_path

FILLER = ("sir mera mobile chori ho gaya hai kal raat market ke paas se please help jaldi karwai karein "
          "मेरी चेन छीन ली गई बाइक वाले दो लड़के थे कृपया मदद करें my phone was snatched near the "
          "station yesterday evening FIR nahi likh rahe thane wale").split()
PLACES = ["Hazratganj", "हज़रतगंज", "Gomti Nagar Extension", "Aliganj", "गाजीपुर", "Pratapgarh", "Civil Lines",
          "Rae Bareli", "इलाहाबाद", "Kanpur", "Jaipur", "Sitabuldi", "Cantt", "मुज़फ़्फ़रनगर", "Noida sector 62"]


def posts(n: int, rng: random.Random) -> list[str]:
    out = []
    for _ in range(n):
        words = rng.sample(FILLER, 18)
        if rng.random() < 0.5:
            words.insert(rng.randrange(len(words)), rng.choice(PLACES))
        out.append(" ".join(words))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=20000)
    parser.add_argument("--loads", type=int, default=5)
    args = parser.parse_args()

    loads = []
    for _ in range(args.loads):
        start = time.perf_counter()
        units = load_units(sample_units_path())
        loads.append(time.perf_counter() - start)
    print(f"load sample directory: {len(units)} units in {len(units.forces)} forces, "
          f"{len(units.places)} alias keys; median {statistics.median(loads) * 1000:.1f} ms "
          f"(min {min(loads) * 1000:.1f}, max {max(loads) * 1000:.1f}) over {args.loads} loads")

    rng = random.Random(7)
    texts = [normalize_text(t) for t in posts(args.posts, rng)]
    start = time.perf_counter()
    found = sum(1 for t in texts if units.places.find(t))
    find_us = (time.perf_counter() - start) / len(texts) * 1e6
    print(f"place finding: {find_us:.1f} µs per post ({found} of {len(texts)} posts name a place)")

    now = utcnow()
    channel = Channel("up", "twitter", FakeSettings(platform="twitter", unit="up-hq"))
    context = DecisionContext(units=units, index=DedupeIndex(), now=now, channel=channel)
    complaints = [Complaint(platform="twitter", external_id=str(i), author=Author(id="a"), text=t, created_at=now,
                            text_normalized=t) for i, t in enumerate(texts)]
    start = time.perf_counter()
    routed: dict[str, int] = {}
    for complaint in complaints:
        result = route_complaint(complaint=complaint, context=context)
        key = "triage" if result and result.unit.endswith("-triage") else ("channel" if result and result.unit == "up-hq" else "place")
        routed[key] = routed.get(key, 0) + 1
    route_us = (time.perf_counter() - start) / len(complaints) * 1e6
    print(f"default router: {route_us:.1f} µs per post; outcomes {dict(sorted(routed.items()))}")


if __name__ == "__main__":
    main()
