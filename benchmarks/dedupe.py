"""Per-post near-duplicate cost as the window fills: 10k, 100k and 1M complaints indexed.

For each size, a fresh process builds the index with that many distinct complaints, then
times lookup + add for 2,000 new posts (a third of them near-duplicates of indexed ones) and
reports µs per post, the ratio to the smallest size, and peak RSS.

    python3 .ci/dev python benchmarks/dedupe.py --sizes 10000,100000,1000000
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import time

WORDS = ("chain mobile bike car phone purse wallet ladke aadmi bike-wale auto scooty market station chauraha "
         "gali sector colony thana road park mandir school hospital kal aaj abhi raat subah shaam please help "
         "jaldi sir madam chori chheen li gayab dhamki jhagda maarpeet jam dj sharab jua kabja fraud upi otp").split()
PLACES = ("hazratganj aliganj gomti-nagar chinhat alambagh aminabad charbagh indira-nagar jankipuram "
          "vikas-nagar kaiserbagh naka chowk thakurganj mahanagar").split()


SYLLABLES = "ka kha ga cha ja ta da na pa ba ma ya ra la va sha sa ha ri ki mi ni li".split()
# complaint words plus 3,000 made-up place and person names, so that unrelated complaints share
# common words (as real ones do) without all being alike
NAMES = sorted({"".join(random.Random(i).sample(SYLLABLES, 3)) for i in range(3000)})


def text(rng: random.Random) -> str:
    return " ".join([*rng.sample(WORDS, 6), *rng.sample(NAMES, 3), rng.choice(PLACES), str(rng.randrange(10**6))])


def child(size: int, probes: int) -> dict[str, float]:
    from shikayat.pipeline.neardup import NearDuplicateIndex

    rng = random.Random(size)
    idx = NearDuplicateIndex()
    texts = []
    t0 = time.perf_counter()
    for i in range(size):
        t = text(rng)
        if i % max(size // 1000, 1) == 0:
            texts.append(t)
        idx.add(f"c{i}", idx.signature(t), float(i))
    build = time.perf_counter() - t0
    new = [rng.choice(texts) + " please" if i % 3 == 0 else text(rng) for i in range(probes)]
    found = 0
    t0 = time.perf_counter()
    for i, t in enumerate(new):
        sig = idx.signature(t)
        if idx.query(sig):
            found += 1
        else:
            idx.add(f"n{i}", sig, float(size + i))
    per_post = (time.perf_counter() - t0) / probes
    return {"us_per_post": per_post * 1e6, "build_s": build, "found": found,
            "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--probes", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.probes)))
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    base = None
    print(f"near-duplicate lookup + add, {args.probes} new posts per size, median of {args.repeat}")
    for size in sizes:
        runs = [json.loads(subprocess.run([sys.executable, __file__, "--child", str(size), "--probes",
                                           str(args.probes)], check=True, capture_output=True, text=True).stdout)
                for _ in range(args.repeat)]
        us = statistics.median(r["us_per_post"] for r in runs)
        base = base or us
        r = runs[0]
        print(f"  {size:>9,} indexed: {us:7.1f} µs/post ({us / base:4.2f}× the smallest)  "
              f"{r['found']}/{args.probes} near-duplicates found  build {r['build_s']:6.1f}s  "
              f"peak RSS {r['peak_rss_mib']:6.0f} MiB")


if __name__ == "__main__":
    main()
