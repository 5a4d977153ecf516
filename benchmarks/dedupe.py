"""Per-post dedupe cost as the window fills: 10k, 100k and 1M complaints in the window.

For each size, a fresh process fills a :class:`DedupeIndex` with that many distinct complaints
through the rebuild path (``rebuild``, as on start: features derived a chunk at a time), then
times what the pipeline does per post for 2,000 new posts (a third of them near-duplicates of
indexed ones), in batches of 500 as the pipeline claims them: ``index.prepare`` for the batch,
then per post the default ``dedupe_complaint`` hook (thread, author and near-duplicate lookups,
guards) and ``index.add``. Reports the median µs per post over the runs, the ratio to the
smallest size, the rebuild time per complaint (generating and normalizing the synthetic text
included) and peak RSS.

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


BATCH = 500
"""Posts per batch, as the pipeline claims them (``run_batch``'s default is 200, the ingest
benchmark's 500)."""

SYLLABLES = "ka kha ga cha ja ta da na pa ba ma ya ra la va sha sa ha ri ki mi ni li".split()
# complaint words plus 3,000 made-up place and person names, so that unrelated complaints share
# common words (as real ones do) without all being alike
NAMES = sorted({"".join(random.Random(i).sample(SYLLABLES, 3)) for i in range(3000)})


def text(rng: random.Random) -> str:
    return " ".join([*rng.sample(WORDS, 6), *rng.sample(NAMES, 3), rng.choice(PLACES), str(rng.randrange(10**6))])


def child(size: int, probes: int) -> dict[str, float]:
    from collections.abc import Iterator
    from datetime import UTC, datetime, timedelta

    from shikayat.complaint import Author, Complaint
    from shikayat.decisions import DecisionContext
    from shikayat.defaults.dedupe import dedupe_complaint
    from shikayat.pipeline.dedupe import DedupeIndex
    from shikayat.store import IndexRow
    from shikayat.textnorm import normalize_text
    from shikayat.units import UnitsDirectory

    rng = random.Random(size)
    index = DedupeIndex()
    start = datetime(2026, 5, 1, tzinfo=UTC)
    step = timedelta(days=6) / size            # the whole window holds `size` complaints
    texts: list[str] = []

    def rows() -> Iterator[IndexRow]:
        for i in range(size):
            t = text(rng)
            if i % max(size // 1000, 1) == 0:
                texts.append(t)
            yield IndexRow(id=f"c{i}", docket=None, platform="twitter", external_id=str(i),
                           author_id=str(rng.randrange(size)), text_normalized=normalize_text(t),
                           created_at=start + step * i, duplicate_of=None, conversation_id=str(i), text=t)

    t0 = time.perf_counter()
    index.rebuild(rows())
    build = time.perf_counter() - t0
    context = DecisionContext(units=UnitsDirectory(), index=index, now=start)
    new = []
    for i in range(probes):
        t = rng.choice(texts) + " please" if i % 3 == 0 else text(rng)
        new.append(Complaint(id=f"n{i}", platform="twitter", external_id=f"n{i}", author=Author(id=f"a{i}"),
                             text=t, text_normalized=normalize_text(t), created_at=start + timedelta(days=6, seconds=i)))
    found = 0
    t0 = time.perf_counter()
    for at in range(0, probes, BATCH):
        batch = new[at:at + BATCH]
        index.prepare(batch)
        for complaint in batch:
            duplicate = dedupe_complaint(complaint, context)
            if duplicate is not None:
                found += 1
                complaint = complaint.model_copy(update={"duplicate_of": duplicate.of,
                                                         "duplicate_reason": duplicate.reason,
                                                         "duplicate_score": duplicate.score})
            index.add(complaint)
    per_post = (time.perf_counter() - t0) / probes
    return {"us_per_post": per_post * 1e6, "build_us": build / size * 1e6, "found": found,
            "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--probes", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.probes)))
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    base = None
    print(f"dedupe hook + index add, {args.probes} new posts per size, median of {args.repeat} run(s)")
    for size in sizes:
        runs = [json.loads(subprocess.run([sys.executable, __file__, "--child", str(size), "--probes",
                                           str(args.probes)], check=True, capture_output=True, text=True).stdout)
                for _ in range(args.repeat)]
        us = statistics.median(r["us_per_post"] for r in runs)
        base = base or us
        r = runs[0]
        all_us = ", ".join(f"{x['us_per_post']:.0f}" for x in runs)
        print(f"  {size:>9,} in the window: {us:7.1f} µs/post ({us / base:4.2f}× the smallest; runs {all_us})  "
              f"{r['found']}/{args.probes} folded  rebuild {statistics.median(x['build_us'] for x in runs):5.0f} µs/complaint  "
              f"peak RSS {statistics.median(x['peak_rss_mib'] for x in runs):6.0f} MiB", flush=True)


if __name__ == "__main__":
    main()
