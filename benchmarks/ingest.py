"""Pipeline throughput against a naive baseline, in one run.

Feeds N posts in the recorded X v2 shape (the `shikayat ingest` line format) through the real
pipeline — parse, split, inbox commit, normalize, dedupe, classify, route, store, queue the
acknowledgement — into SQLite and PostgreSQL, and, in the same run, through the naive baseline:
orjson parse → tuple → sqlite3 `executemany` of the same complaint rows. Each variant runs in its
own process (so its peak RSS is its own), `--repeat` times; medians are printed, with each
variant's ratio to the baseline measured in the same run.

Two mixes of posts (`--mix`): `templates` (the default, a worst case for dedupe: 6 complaint
templates, each post with its own 6-digit reference, so thousands of look-alike cases stay open
and every post's near-duplicate candidates must be weighed and kept apart) and `corpus` (texts
drawn at random from the labelled corpus, tests/corpus/posts.jsonl — 1,005 hand-written posts in
Hindi, Hinglish and English with their own handles, places, amounts and numbers — by random
authors, so each text comes back about posts/1,005 times, as a wave of copies does). The
baseline is the same in both.

A last run into SQLite (`split`, not counted in the throughput) wraps each stage with a timer
and prints µs per post: intake (parse, split, inbox commit), claim, normalize, dedupe (the
batch's features, the hook and the index update), classify, route, store (the batch's
transaction) and the rest of the pipeline's own work (derived fields, events, acknowledgement).
Every pipeline run trains the default classifier before its timer starts, as a daemon does
before its first batch; the split run prints how long that took.

    python3 .ci/dev python benchmarks/ingest.py --posts 20000 --repeat 3
    python3 .ci/dev python benchmarks/ingest.py --posts 20000 --repeat 3 --mix corpus
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import orjson

PG_ADMIN = os.environ.get("SHIKAYAT_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")

TEXTS = [
    "@uppolice meri chain chheen li hazratganj mein abhi 2 bike wale the please help",
    "मेरा मोबाइल चोरी हो गया आलमबाग बस स्टैंड से @lkopolice कृपया मदद करें",
    "Loud DJ playing past midnight in Gomti Nagar sector 4, cannot sleep @uppolice",
    "UPI fraud hua hai 25000 kat gaye account se @cyberdost @uppolice",
    "traffic jam at Charbagh for 2 hours no police present #twittersewa",
    "jameen par kabja kar liya padosi ne chinhat thana sunvai nahi kar raha",
]


CORPUS = Path(__file__).resolve().parents[1] / "tests" / "corpus" / "posts.jsonl"
MENTION = re.compile(r"@(\w+)")
DEVANAGARI = re.compile(r"[\u0900-\u097f]")


def corpus_texts() -> list[str]:
    return [orjson.loads(line)["text"] for line in CORPUS.read_bytes().splitlines() if line.strip()]


def make_lines(n: int, seed: int = 1, mix: str = "templates") -> list[bytes]:
    rng = random.Random(seed)
    corpus = corpus_texts() if mix == "corpus" else None
    lines = []
    base = 1_900_000_000_000_000_000
    for i in range(n):
        author = str(1_000_000_000_000_000_000 + rng.randrange(n // 2 + 1))
        if corpus is None:
            text = rng.choice(TEXTS) + f" ref {rng.randrange(10**6)}"
            mentions = [{"start": 0, "end": 9, "username": "uppolice", "id": "1"}]
        else:
            text = rng.choice(corpus)
            mentions = [{"start": m.start(), "end": m.end(), "username": m.group(1), "id": str(k)}
                        for k, m in enumerate(MENTION.finditer(text))]
        post = {
            "id": str(base + i), "text": text, "author_id": author, "conversation_id": str(base + i),
            "created_at": f"2026-05-01T{(i // 3600) % 24:02d}:{(i // 60) % 60:02d}:{i % 60:02d}.000Z",
            "lang": "hi" if DEVANAGARI.search(text) else "en", "edit_history_tweet_ids": [str(base + i)],
            "entities": {"mentions": mentions},
        }
        includes = {"users": [{"id": author, "username": f"citizen{author[-6:]}", "name": "Citizen"}]}
        lines.append(orjson.dumps({"platform": "twitter", "payload": {"data": post, "includes": includes}}))
    return lines


def run_baseline(lines: list[bytes], path: Path) -> float:
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute("CREATE TABLE complaints (id TEXT PRIMARY KEY, platform TEXT, external_id TEXT, author_id TEXT,"
                " author_handle TEXT, text TEXT, language TEXT, created_at TEXT, payload BLOB,"
                " UNIQUE(platform, external_id))")
    start = time.perf_counter()
    batch = []
    for line in lines:
        obj = orjson.loads(line)
        post = obj["payload"]["data"]
        user = obj["payload"]["includes"]["users"][0]
        batch.append((uuid.uuid4().hex, "twitter", post["id"], post["author_id"], user["username"], post["text"],
                      post.get("lang"), post["created_at"], orjson.dumps(obj["payload"])))
        if len(batch) >= 500:
            con.executemany("INSERT OR IGNORE INTO complaints VALUES (?,?,?,?,?,?,?,?,?)", batch)
            con.commit()
            batch.clear()
    con.executemany("INSERT OR IGNORE INTO complaints VALUES (?,?,?,?,?,?,?,?,?)", batch)
    con.commit()
    elapsed = time.perf_counter() - start
    (count,) = con.execute("SELECT count(*) FROM complaints").fetchone()
    assert count == len(lines), count
    con.close()
    return elapsed


def run_pipeline(lines: list[bytes], url: str) -> float:
    from shikayat.pipeline import Pipeline
    from shikayat.plugins import load_plugins
    from shikayat.replay import ingest_lines
    from shikayat.units import load_units, sample_units_path

    plugins = load_plugins()
    store = plugins.open_store(url)
    store.migrate()
    units = load_units(sample_units_path())
    pipeline = Pipeline(store=store, plugins=plugins, units=units)
    _train(pipeline)
    start = time.perf_counter()
    report = ingest_lines(lines, plugins, store, batch=500)
    result = pipeline.drain(500)
    elapsed = time.perf_counter() - start
    assert report.new == len(lines) and result.processed == len(lines), (report, result)
    store.close()
    return elapsed


def run_split(lines: list[bytes], url: str) -> dict[str, float]:
    """µs per post by stage (timers around each stage; a run of its own)."""
    from collections import defaultdict

    from shikayat.pipeline import Pipeline
    from shikayat.plugins import load_plugins
    from shikayat.replay import ingest_lines
    from shikayat.units import load_units, sample_units_path

    plugins = load_plugins()
    store = plugins.open_store(url)
    store.migrate()
    pipeline = Pipeline(store=store, plugins=plugins, units=load_units(sample_units_path()))
    spent: dict[str, float] = defaultdict(float)
    spent["training"] = _train(pipeline)

    def timed(stage: str, fn: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[stage] += time.perf_counter() - t0
        return wrapper

    relay = plugins.pm.hook
    for stage in ("dedupe", "classify", "route"):
        name = f"{stage}_complaint"
        setattr(relay, name, timed(stage, getattr(relay, name)))
    for platform in plugins.platforms.values():
        platform.normalize = timed("normalize", platform.normalize)  # type: ignore[method-assign]
    pipeline.index.add = timed("dedupe", pipeline.index.add)  # type: ignore[method-assign]
    pipeline.index.prepare = timed("dedupe", pipeline.index.prepare)  # type: ignore[method-assign]
    store.claim_inbox = timed("claim", store.claim_inbox)  # type: ignore[method-assign]
    store.save_outcomes = timed("store", store.save_outcomes)  # type: ignore[method-assign]
    t0 = time.perf_counter()
    ingest_lines(lines, plugins, store, batch=500)
    spent["intake"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    pipeline.drain(500)
    drain = time.perf_counter() - t0
    spent["other"] = drain - sum(v for k, v in spent.items() if k not in ("intake", "training"))
    store.close()
    out = {k: v / len(lines) * 1e6 for k, v in spent.items() if k != "training"}
    out["training_s"] = spent["training"]
    return out


def _train(pipeline: Any) -> float:
    """Seconds to train the default classifier, which a process does once, at start (a daemon
    before its first batch): kept out of the per-post figures, printed on its own."""
    from shikayat.learn import model_classifier_for

    t0 = time.perf_counter()
    model_classifier_for(pipeline.taxonomy)
    return time.perf_counter() - t0


def _pg_database() -> tuple[str, str] | None:
    try:
        import sqlalchemy as sa

        admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        name = f"shikayat_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as con:
            con.execute(sa.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return PG_ADMIN.rsplit("/", 1)[0] + "/" + name, name
    except Exception as exc:  # noqa: BLE001 - the benchmark reports and goes on
        print(f"  (PostgreSQL unavailable: {type(exc).__name__}: {exc})", file=sys.stderr)
        return None


def _drop_pg(name: str) -> None:
    import sqlalchemy as sa

    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as con:
        con.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def child(variant: str, posts: int, mix: str) -> None:
    lines = make_lines(posts, mix=mix)
    with tempfile.TemporaryDirectory() as tmp:
        if variant == "split":
            print(json.dumps(run_split(lines, f"sqlite:///{Path(tmp) / 'split.db'}")))
            return
        if variant == "baseline":
            elapsed = run_baseline(lines, Path(tmp) / "baseline.db")
        elif variant == "sqlite":
            elapsed = run_pipeline(lines, f"sqlite:///{Path(tmp) / 'shikayat.db'}")
        else:
            db = _pg_database()
            if db is None:
                print(json.dumps({"skipped": True}))
                return
            try:
                elapsed = run_pipeline(lines, db[0])
            finally:
                _drop_pg(db[1])
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": elapsed, "peak_rss_mib": peak_kib / 1024}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--variants", default="baseline,sqlite,postgresql")
    parser.add_argument("--mix", choices=("templates", "corpus"), default="templates",
                        help="templates: the dedupe worst case; corpus: texts of the labelled corpus")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.posts, args.mix)
        return
    variants = args.variants.split(",")
    results: dict[str, list[dict[str, float]]] = {v: [] for v in variants}
    for _ in range(args.repeat):
        for v in variants:  # interleaved, so drift affects every variant alike
            out = subprocess.run([sys.executable, __file__, "--child", v, "--posts", str(args.posts),
                                  "--mix", args.mix],
                                 check=True, capture_output=True, text=True)
            data = json.loads(out.stdout.strip().splitlines()[-1])
            if not data.get("skipped"):
                results[v].append(data)
    print(f"{args.posts} posts ({args.mix} mix), median of {args.repeat} run(s), each variant in its own process")
    base = None
    for v in variants:
        runs = results[v]
        if not runs:
            print(f"  {v:<11} skipped")
            continue
        rate = statistics.median(args.posts / r["seconds"] for r in runs)
        rss = statistics.median(r["peak_rss_mib"] for r in runs)
        base = rate if v == "baseline" else base
        ratio = f"  {rate / base:6.1%} of baseline" if base and v != "baseline" else ""
        per_post = 1e6 / rate
        print(f"  {v:<11} {rate:10,.0f} posts/s  {per_post:7.1f} µs/post   peak RSS {rss:6.0f} MiB{ratio}")
    out = subprocess.run([sys.executable, __file__, "--child", "split", "--posts", str(args.posts),
                          "--mix", args.mix],
                         check=True, capture_output=True, text=True)
    split = json.loads(out.stdout.strip().splitlines()[-1])
    training = split.pop("training_s")
    order = ("intake", "claim", "normalize", "dedupe", "classify", "route", "store", "other")
    total = sum(split.values())
    print("  split into SQLite (µs/post, one timed run): " + "  ".join(f"{k} {split[k]:.1f}" for k in order)
          + f"  = {total:.1f}")
    print(f"  training the default classifier at start (once per process, not in the figures above): {training:.2f} s")


if __name__ == "__main__":
    main()
