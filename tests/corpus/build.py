"""Build ``posts.jsonl`` from the hand-written incidents in ``source/*.txt``.

    python3 .ci/dev python tests/corpus/build.py            # rewrite posts.jsonl
    python3 .ci/dev python tests/corpus/build.py --check    # exit 1 if posts.jsonl is stale

Every text in the corpus is written by hand in ``source/``; this script only adds what is
mechanical: authors, timestamps, post and case ids, retweet wrappers (``RT @handle: …``) and the
leading ``@handle`` X puts on a reply. It is deterministic (a fixed seed per source file), so
the committed ``posts.jsonl`` is exactly what it produces (``tests/core/test_corpus.py``
checks that).

Source format (see README.md for the labelling rules)::

    ## [name=N] CATEGORY UNIT CHANNEL LANG [E] [hn=N] [gap=DUR]
    ? optional note
    text of the first post of the incident
    > [+DUR] [lang] text    the same author again (exact, edited, more detail, next day)
    = [+DUR] [lang] text    the same person from a second account
    ~ [+DUR] [lang] text    another author reporting the same incident (copy-paste wave …)
    R [+DUR] [lang] text    another author replying in the first post's thread
    r [+DUR] [lang] text    the first author replying in their own thread
    Q [+DUR] [lang] text    another author quoting the first post
    RT N                    N retweets of the first post by other authors

CHANNEL is ``up``, ``lko``, ``rj`` or ``ngp``; UNIT ``ch`` means the channel's unit and
``triage`` the channel's force's triage desk; ``E`` marks an emergency (danger to life now);
``hn=N`` names the block this incident must NOT be merged with; ``gap`` delays the block.
LANG is ``hi`` (Devanagari), ``hl`` (Hinglish: romanized Hindi, mixed scripts) or ``en``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import re
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "source"
OUTPUT = HERE / "posts.jsonl"
TAXONOMY = HERE.parents[1] / "core" / "src" / "shikayat" / "data" / "taxonomy.yaml"

START = datetime(2026, 10, 1, 0, 30, tzinfo=UTC)
SPAN = timedelta(days=7)

CHANNELS = {
    "up": ("up_police_x", "up-hq", "up-triage"),
    "lko": ("lucknow_police_x", "up-lko-cp", "up-triage"),
    "rj": ("rajasthan_police_x", "rj-hq", "rj-triage"),
    "ngp": ("nagpur_police_x", "ngp-cp", "ngp-triage"),
}
LANGS = ("hi", "hl", "en")
DEFAULT_DELAY = {">": "3h", "=": "5h", "~": "1h", "R": "40m", "r": "1d", "Q": "2h"}

FIRST = """Rahul Amit Sunil Anil Vikas Deepak Manoj Rajesh Sanjay Pankaj Ravi Ajay Vijay Ashok Naveen Rohit
Ankit Saurabh Gaurav Abhishek Nitin Pradeep Arvind Mohit Shivam Aditya Kuldeep Yogesh Harish Dinesh
Priya Neha Pooja Anjali Sunita Kavita Rekha Swati Shalini Nisha Ritu Komal Sakshi Aarti Meena Seema
Mohd Imran Salman Arif Faisal Shabana Nazia Rizwan Aamir Javed Gurpreet Harpreet Jaswinder Simran
Joseph Mary Suresh Ramesh Mahesh Lokesh Bhupendra Devendra Jitendra Raghav Tushar Sagar Prashant
Akash Vishal Hemant Lalit Om Bablu Pintu Sonu Monu Chhotu Shweta Divya Preeti Sapna Kiran""".split()
LAST = """Verma Sharma Yadav Singh Gupta Mishra Tiwari Pandey Shukla Srivastava Chauhan Maurya Kushwaha
Pal Rajput Jatav Nishad Saxena Agarwal Jain Khan Ansari Qureshi Siddiqui Rizvi Meena Gurjar Choudhary
Rathore Shekhawat Bishnoi Jat Soni Purohit Deshmukh Patil Wankhede Thakre Kale Bhoyar Rao Dubey
Tripathi Dwivedi Awasthi Bajpai Rawat Kashyap Prajapati Lodhi Rastogi Bhatia Kapoor Malhotra""".split()

_DUR = re.compile(r"^\+((?:\d+[dhm])+)$")
_DUR_PART = re.compile(r"(\d+)([dhm])")
_DEVANAGARI = re.compile(r"[\u0900-\u097F]")
_LATIN = re.compile(r"[A-Za-z]")
_STRIP = re.compile(r"(@\w+|#\w+|https?://\S+)")


class SourceError(ValueError):
    pass


def duration(text: str) -> timedelta:
    total = timedelta()
    for n, unit in _DUR_PART.findall(text):
        total += {"d": timedelta(days=int(n)), "h": timedelta(hours=int(n)), "m": timedelta(minutes=int(n))}[unit]
    return total


@dataclass
class Line:
    kind: str
    text: str
    delay: timedelta
    lang: str | None = None


@dataclass
class Block:
    source: str
    lineno: int
    category: str
    unit: str
    channel: str
    lang: str
    emergency: bool = False
    name: str | None = None
    hn: str | None = None
    gap: timedelta = timedelta()
    note: str | None = None
    lines: list[Line] = field(default_factory=list)
    retweets: int = 0


def parse(path: Path, categories: set[str]) -> list[Block]:
    blocks: list[Block] = []
    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        where = f"{path.name}:{lineno}"
        if not line or (line.startswith("#") and not line.startswith("##")):
            continue
        if line.startswith("##"):
            blocks.append(_header(line[2:].split(), path.name, lineno, categories))
            continue
        if not blocks:
            raise SourceError(f"{where}: text before the first ## header")
        block = blocks[-1]
        if line.startswith("? "):
            block.note = line[2:].strip()
            continue
        if not block.lines:
            block.lines.append(Line("first", line, timedelta()))
            continue
        kind, _, rest = line.partition(" ")
        if kind == "RT":
            block.retweets += int(rest)
            continue
        if kind not in DEFAULT_DELAY:
            raise SourceError(f"{where}: a follow-up line starts with one of > = ~ R r Q RT, not {kind!r}")
        words = rest.split(" ")
        delay = duration(DEFAULT_DELAY[kind])
        lang = None
        if words and _DUR.match(words[0]):
            delay = duration(words.pop(0)[1:])
        if words and words[0] in (f"[{x}]" for x in LANGS):
            lang = words.pop(0)[1:-1]
        text = " ".join(words).strip()
        if not text:
            raise SourceError(f"{where}: empty text")
        block.lines.append(Line(kind, text, delay, lang))
    for block in blocks:
        if not block.lines:
            raise SourceError(f"{block.source}:{block.lineno}: block has no text")
    return blocks


def _header(tokens: list[str], source: str, lineno: int, categories: set[str]) -> Block:
    where = f"{source}:{lineno}"
    options = {t.split("=", 1)[0]: t.split("=", 1)[1] for t in tokens if "=" in t}
    plain = [t for t in tokens if "=" not in t]
    flags = [t for t in plain[4:]]
    if len(plain) < 4:
        raise SourceError(f"{where}: header needs CATEGORY UNIT CHANNEL LANG")
    category, unit, channel, lang = plain[:4]
    if category not in categories:
        raise SourceError(f"{where}: unknown category {category!r}")
    if channel not in CHANNELS:
        raise SourceError(f"{where}: unknown channel {channel!r} (use {', '.join(CHANNELS)})")
    if lang not in LANGS:
        raise SourceError(f"{where}: unknown language {lang!r} (use {', '.join(LANGS)})")
    if set(flags) - {"E"} or set(options) - {"name", "hn", "gap"}:
        raise SourceError(f"{where}: unknown header flag in {' '.join(tokens)!r}")
    if unit == "ch":
        unit = CHANNELS[channel][1]
    elif unit == "triage":
        unit = CHANNELS[channel][2]
    return Block(source, lineno, category, unit, channel, lang, emergency="E" in flags,
                 name=options.get("name"), hn=options.get("hn"),
                 gap=duration(options.get("gap", "0m")))


def post_language(text: str, block_lang: str) -> str:
    bare = _STRIP.sub(" ", text)
    deva = len(_DEVANAGARI.findall(bare))
    latin = len(_LATIN.findall(bare))
    if deva > latin:
        return "hi"
    if deva:
        return "hl"
    return "hl" if block_lang == "hi" else block_lang


class _Authors:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.count = 0
        self.handles: set[str] = set()

    def new(self) -> dict[str, str]:
        rng = self.rng
        while True:
            first, last = rng.choice(FIRST), rng.choice(LAST)
            style = rng.randrange(6)
            n = rng.randrange(1, 99)
            handle = [f"{first}_{last}{n}", f"{first}{last}", f"{first}{n}", f"{first}_{last}",
                      f"{last}{first}{rng.randrange(1960, 2006)}", f"i_am_{first}"][style].lower()
            if handle not in self.handles:
                break
        self.handles.add(handle)
        self.count += 1
        return {"id": f"u{self.count:04d}", "handle": handle, "name": f"{first} {last}"}

    def second_account(self, author: dict[str, str]) -> dict[str, str]:
        handle = f"{author['handle']}_2"
        while handle in self.handles:
            handle += "x"
        self.handles.add(handle)
        self.count += 1
        return {"id": f"u{self.count:04d}", "handle": handle, "name": author["name"]}


def _retweet_text(handle: str, text: str) -> str:
    full = f"RT @{handle}: {text}"
    return full if len(full) <= 140 else full[:139] + "…"


def build(source: Path = SOURCE, taxonomy: Path = TAXONOMY) -> list[dict[str, Any]]:
    tax = yaml.safe_load(taxonomy.read_text(encoding="utf-8"))
    actionable = {c["code"]: bool(c["actionable"]) for c in tax["categories"]}
    blocks: list[Block] = []
    for path in sorted(source.glob("*.txt")):
        blocks += parse(path, set(actionable))
    names = {b.name: b for b in blocks if b.name}
    for b in blocks:
        if b.hn and b.hn not in names:
            raise SourceError(f"{b.source}:{b.lineno}: hn={b.hn} names no block")

    authors = _Authors(random.Random(7))
    seq = itertools.count(1)
    drafts: list[dict[str, Any]] = []
    by_file: dict[str, list[Block]] = {}
    for b in blocks:
        by_file.setdefault(b.source, []).append(b)
    for fname, fblocks in sorted(by_file.items()):
        rng = random.Random(fname)
        step = SPAN / len(fblocks)
        clock = START + timedelta(minutes=rng.randrange(0, 60))
        for b in fblocks:
            clock += b.gap + step * rng.uniform(0.4, 1.6)
            drafts += _block_posts(b, clock, rng, authors, seq)

    drafts.sort(key=lambda d: (d["created_at"], d["_seq"]))
    post_ids: dict[int, str] = {}
    case_ids: dict[int, str] = {}
    posts: list[dict[str, Any]] = []
    for i, d in enumerate(drafts, start=1):
        pid = f"p{i:04d}"
        post_ids[d["_seq"]] = pid
        block: Block = d["_block"]
        key = id(block)
        if key not in case_ids:
            case_ids[key] = f"c{len(case_ids) + 1:04d}"
        ref = {k: post_ids[d[f"_{k}"]] if d[f"_{k}"] is not None else None
               for k in ("reply_to", "quote_of", "repost_of")}
        hn = case_ids.get(id(names[block.hn])) if block.hn else None
        if block.hn and hn is None:
            raise SourceError(f"{block.source}:{block.lineno}: hn={block.hn} must come before the block")
        posts.append({
            "id": pid, "platform": "twitter", "channel": CHANNELS[block.channel][0],
            "author": d["author"],
            "created_at": d["created_at"].strftime("%Y-%m-%dT%H:%M:%SZ"),
            "text": d["text"], **ref,
            "label": {
                "case": case_ids[key], "category": block.category, "unit": block.unit,
                "emergency": block.emergency, "actionable": actionable[block.category],
                "hard_negative_of": hn, "lang": d["lang"], "note": block.note,
            },
        })
    return posts


def _block_posts(b: Block, start: datetime, rng: random.Random, authors: _Authors,
                 counter: Iterator[int]) -> list[dict[str, Any]]:
    first_author = authors.new()
    second: dict[str, str] | None = None
    out: list[dict[str, Any]] = []

    def add(author: dict[str, str], text: str, when: datetime, lang: str, **refs: int | None) -> int:
        seq = next(counter)
        out.append({"_seq": seq, "_block": b, "author": author, "text": text,
                    "created_at": when.replace(microsecond=0) + timedelta(seconds=rng.randrange(60)),
                    "lang": lang, "_reply_to": refs.get("reply_to"), "_quote_of": refs.get("quote_of"),
                    "_repost_of": refs.get("repost_of")})
        return seq

    first = b.lines[0]
    root = add(first_author, first.text, start, post_language(first.text, b.lang))
    for line in b.lines[1:]:
        when = start + max(line.delay, timedelta(minutes=5)) + timedelta(minutes=rng.randrange(0, 20))
        lang = line.lang or post_language(line.text, b.lang)
        if line.kind == ">":
            add(first_author, line.text, when, lang)
        elif line.kind == "r":
            add(first_author, line.text, when, lang, reply_to=root)
        elif line.kind == "=":
            second = second or authors.second_account(first_author)
            add(second, line.text, when, lang)
        elif line.kind == "~":
            add(authors.new(), line.text, when, lang)
        elif line.kind == "R":
            add(authors.new(), f"@{first_author['handle']} {line.text}", when, lang, reply_to=root)
        elif line.kind == "Q":
            add(authors.new(), line.text, when, lang, quote_of=root)
    for _ in range(b.retweets):
        when = start + timedelta(minutes=rng.randrange(3, 600))
        add(authors.new(), _retweet_text(first_author["handle"], first.text), when,
            post_language(first.text, b.lang), repost_of=root)
    return out


def dumps(posts: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(p, ensure_ascii=False) + "\n" for p in posts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="exit 1 if posts.jsonl differs from a fresh build")
    args = parser.parse_args(argv)
    try:
        text = dumps(build())
    except SourceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.check:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != text:
            print("posts.jsonl is stale: run tests/corpus/build.py", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {text.count(chr(10))} posts to {OUTPUT.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
