"""Decision quality on the labelled corpus: dedupe, classify, route, emergencies.

Runs ``tests/corpus/posts.jsonl`` through the real pipeline — a config file in a temporary
directory (SQLite, the shipped sample units, the four X channels of the benchmark, the cyber-fraud
routing rules), each post converted to the X API v2 single-post shape the X plugin reads, fed in
time order through ``shikayat.replay.ingest_lines`` and ``Pipeline.drain`` — then compares the
stored complaints with the labels and prints each figure against its target.

    python3 .ci/dev python benchmarks/quality.py
    python3 .ci/dev python benchmarks/quality.py --errors 20      # the first 20 errors of each kind
    python3 .ci/dev python benchmarks/quality.py --json

Figures, not a test: the exit code is 0 whatever they are.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "corpus" / "posts.jsonl"

CHANNELS = {"up_police_x": "up-hq", "lucknow_police_x": "up-lko-cp",
            "rajasthan_police_x": "rj-hq", "nagpur_police_x": "ngp-cp"}
ROUTING_RULES = [{"category": "cyber_fraud", "force": "up", "unit": "up-cyber-cell"},
                 {"category": "cyber_fraud", "force": "rj", "unit": "rj-cyber-cell"}]
TARGETS = {"dedupe_f1": 0.95, "category_accuracy": 0.85, "routing_accuracy": 0.90,
           "triage_rate": 0.10, "emergency_recall": 0.98}
LANG_NAMES = {"hi": "Hindi (Devanagari)", "hl": "Hinglish", "en": "English"}

_MENTION = re.compile(r"(?<![\w@])@(\w{1,15})")
_HASHTAG = re.compile(r"(?<![\w#])#(\w+)")


# -- metrics (pure functions; tests/core/test_quality_script.py proves the arithmetic) -------

def pairs(n: int) -> int:
    """Unordered pairs among ``n`` items."""
    return n * (n - 1) // 2


@dataclass(frozen=True)
class PairScores:
    true_positive: int
    predicted: int
    actual: int

    @property
    def precision(self) -> float:
        return self.true_positive / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.true_positive / self.actual if self.actual else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def pair_scores(predicted: Mapping[str, str], actual: Mapping[str, str]) -> PairScores:
    """Duplicate-pair counts of a clustering against the truth, from group sizes only.

    ``predicted`` and ``actual`` map each post to its cluster; pairs in the same predicted
    cluster and the same actual one are true positives (sum of C(n, 2) over the cells of the
    contingency table), so nothing is quadratic in the number of posts.
    """
    keys = predicted.keys() & actual.keys()
    cells = Counter((predicted[k], actual[k]) for k in keys)
    pred_sizes = Counter(predicted[k] for k in keys)
    true_sizes = Counter(actual[k] for k in keys)
    return PairScores(sum(pairs(n) for n in cells.values()),
                      sum(pairs(n) for n in pred_sizes.values()),
                      sum(pairs(n) for n in true_sizes.values()))


def hard_negative_merges(predicted: Mapping[str, str], actual: Mapping[str, str],
                         hard_negative_of: Mapping[str, str]) -> int:
    """Pairs (post of a hard-negative case, post of the case it must not join) put together."""
    cells = Counter((predicted[k], actual[k]) for k in predicted.keys() & actual.keys())
    return sum(cells[(predicted[p], other)] for p, other in hard_negative_of.items() if p in predicted)


def accuracy(pairs_: Iterable[tuple[object, object]]) -> tuple[int, int]:
    """(right, total) over (predicted, expected) pairs."""
    right = total = 0
    for got, want in pairs_:
        total += 1
        right += got == want
    return right, total


def ratio(part: tuple[int, int]) -> float | None:
    return part[0] / part[1] if part[1] else None


def resolve_cases(duplicate_of: Mapping[str, str | None]) -> dict[str, str]:
    """Each complaint's predicted case: follow ``duplicate_of`` to the canonical complaint."""
    out: dict[str, str] = {}
    for cid in duplicate_of:
        seen = [cid]
        nxt = duplicate_of.get(cid)
        while nxt is not None and nxt not in seen and nxt in duplicate_of:
            seen.append(nxt)
            nxt = duplicate_of[nxt]
        out[cid] = nxt if nxt is not None and nxt not in seen else seen[-1]
    return out


# -- the corpus in X's shape -----------------------------------------------------------------

def x_line(post: Mapping[str, Any], by_id: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """One ``shikayat ingest`` line: the corpus post as an X API v2 single-post lookup."""
    text = post["text"]
    refs = [{"type": t, "id": post[k]} for k, t in (("reply_to", "replied_to"), ("quote_of", "quoted"),
                                                    ("repost_of", "retweeted")) if post.get(k)]
    root = post
    while root.get("reply_to") and root["reply_to"] in by_id:
        root = by_id[root["reply_to"]]
    data: dict[str, Any] = {
        "id": post["id"], "text": text, "author_id": post["author"]["id"],
        "conversation_id": root["id"], "created_at": post["created_at"],
        "edit_history_tweet_ids": [post["id"]],
        "entities": {
            "mentions": [{"start": m.start(), "end": m.end(), "username": m.group(1)} for m in _MENTION.finditer(text)],
            "hashtags": [{"start": m.start(), "end": m.end(), "tag": m.group(1)} for m in _HASHTAG.finditer(text)],
        },
    }
    if refs:
        data["referenced_tweets"] = refs
    users = [{"id": post["author"]["id"], "username": post["author"]["handle"], "name": post["author"]["name"]}]
    tweets = []
    for ref in refs:
        other = by_id.get(ref["id"])
        if other is not None:
            tweets.append({"id": other["id"], "text": other["text"], "author_id": other["author"]["id"]})
            users.append({"id": other["author"]["id"], "username": other["author"]["handle"],
                          "name": other["author"]["name"]})
    return {"platform": "twitter", "channel": post["channel"],
            "payload": {"data": data, "includes": {"users": users, "tweets": tweets}}}


def load_corpus(path: Path = CORPUS) -> list[dict[str, Any]]:
    posts = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return sorted(posts, key=lambda p: (p["created_at"], p["id"]))


# -- running the pipeline ------------------------------------------------------------------

def _config_toml(tmp: Path, channel_units: Mapping[str, str | None], rules: bool) -> str:
    token = tmp / "token"
    token.write_text("benchmark\n", encoding="utf-8")
    out = ['[storage]', 'url = "sqlite:///quality.db"', '']
    if rules:
        items = ", ".join("{" + ", ".join(f'{k} = "{v}"' for k, v in r.items()) + "}" for r in ROUTING_RULES)
        out += ['[routing]', f"rules = [{items}]", '']
    for i, (name, unit) in enumerate(channel_units.items(), start=1):
        out += [f"[channels.{name}]", 'platform = "twitter"', "reply = false",
                f'bearer_token = "file:{token.as_posix()}"', f'user_id = "{900 + i}"']
        if unit is not None:
            out.append(f'unit = "{unit}"')
        out.append("")
    return "\n".join(out)


def _load_config(tmp: Path, plugins: Any, notes: list[str]) -> Any:
    """The benchmark config, giving up only what this checkout's config does not know yet."""
    from shikayat.config import load_config
    from shikayat.errors import ConfigError

    units: dict[str, str | None] = dict(CHANNELS)
    rules = True
    for _ in range(len(CHANNELS) + 2):
        path = tmp / "shikayat.toml"
        path.write_text(_config_toml(tmp, units, rules), encoding="utf-8")
        try:
            return load_config(path, plugins)
        except ConfigError as exc:
            dropped = False
            for problem in exc.problems:
                if problem.section == "routing" and rules:
                    rules, dropped = False, True
                    notes.append(f"config: [routing] not accepted ({problem.problem}); ran without routing rules")
                name = problem.section.removeprefix("channels.")
                if problem.key == "unit" and units.get(name) is not None:
                    notes.append(f"config: channel {name}: unit {units[name]} not accepted ({problem.problem}); "
                                 "ran with no channel unit")
                    units[name], dropped = None, True
            if not dropped:
                raise
    raise RuntimeError("the benchmark config could not be made acceptable")


@dataclass
class Run:
    complaints: dict[str, Any] = field(default_factory=dict)
    """external id (corpus post id) → stored Complaint."""
    unit_kinds: dict[str, str] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def run_pipeline(posts: Sequence[Mapping[str, Any]], *, want_reasons: bool = True) -> Run:
    from shikayat.pipeline import Pipeline
    from shikayat.plugins import load_plugins
    from shikayat.replay import ingest_lines

    run = Run()
    by_id = {p["id"]: p for p in posts}
    plugins = load_plugins()
    with tempfile.TemporaryDirectory(prefix="shikayat-quality-") as tmp_name:
        tmp = Path(tmp_name)
        config = _load_config(tmp, plugins, run.notes)
        store = plugins.open_store(config.storage.url)
        try:
            store.migrate()
            lines = (json.dumps(x_line(p, by_id), ensure_ascii=False).encode() for p in posts)
            report = ingest_lines(lines, plugins, store, channels=set(config.channels))
            for number, error in report.bad_lines:
                run.notes.append(f"ingest: line {number}: {error}")
            result = Pipeline.from_config(config, plugins, store).drain(config.daemon.batch_size)
            if result.dead:
                run.notes.append(f"pipeline: {result.dead} dead letter(s)")
            run.complaints = {c.external_id: c for c in store.iter_complaints()}
            run.unit_kinds = {uid: u.kind.value for uid, u in config.units.units.items()}
            if want_reasons:
                for c in run.complaints.values():
                    for event in store.events(c.id):
                        if event.kind == "complaint.received":
                            run.reasons[c.external_id] = str(event.detail.get("classify_reason") or "")
        finally:
            store.close()
    return run


# -- scoring ------------------------------------------------------------------------------

def in_split(post: Mapping[str, Any], split: str) -> bool:
    """``dev``: cases with an even number (tune the stages on these); ``test``: odd ones (held
    out: report these); ``all``: every case. A case is never split between the two."""
    if split == "all":
        return True
    number = int("".join(ch for ch in post["label"]["case"] if ch.isdigit()) or 0)
    return (number % 2 == 0) == (split == "dev")


def score(posts: Sequence[Mapping[str, Any]], run: Run, errors: int = 0, split: str = "all") -> dict[str, Any]:
    complaints = run.complaints
    seen = [p for p in posts if p["id"] in complaints and in_split(p, split)]
    dup_of = {c.id: c.duplicate_of for c in complaints.values()}
    case_of = resolve_cases(dup_of)
    predicted = {p["id"]: case_of[complaints[p["id"]].id] for p in seen}
    actual = {p["id"]: p["label"]["case"] for p in seen}
    hn = {p["id"]: p["label"]["hard_negative_of"] for p in seen if p["label"].get("hard_negative_of")}
    pair = pair_scores(predicted, actual)

    actionable = [p for p in seen if p["label"]["actionable"]]
    emergencies = [p for p in seen if p["label"]["emergency"]]
    critical = [p for p in seen if complaints[p["id"]].priority.value == "critical"]
    by_lang: dict[str, tuple[int, int]] = {}
    for lang in LANG_NAMES:
        by_lang[lang] = accuracy((complaints[p["id"]].category, p["label"]["category"])
                                 for p in seen if p["label"].get("lang") == lang)
    routed_desk = sum(run.unit_kinds.get(complaints[p["id"]].unit or "") == "desk" for p in actionable)
    figures: dict[str, Any] = {
        "posts": len(posts), "scored": len(seen), "stored": len(complaints), "notes": run.notes,
        "dedupe": {"precision": pair.precision, "recall": pair.recall, "f1": pair.f1,
                   "true_pairs": pair.actual, "predicted_pairs": pair.predicted, "right_pairs": pair.true_positive,
                   "hard_negative_pairs_merged": hard_negative_merges(predicted, actual, hn),
                   "predicted_cases": len(set(predicted.values())), "labelled_cases": len(set(actual.values()))},
        "category_accuracy": ratio(accuracy((complaints[p["id"]].category, p["label"]["category"]) for p in seen)),
        "category_accuracy_by_language": {k: ratio(v) for k, v in by_lang.items()},
        "routing_accuracy": ratio(accuracy((complaints[p["id"]].unit, p["label"]["unit"]) for p in actionable)),
        "triage_rate": routed_desk / len(actionable) if actionable else None,
        "emergency_recall": ratio(accuracy((complaints[p["id"]].priority.value == "critical", True) for p in emergencies)),
        "emergency_precision": ratio(accuracy((p["label"]["emergency"], True) for p in critical)),
        "actionable_accuracy": ratio(accuracy((complaints[p["id"]].actionable, p["label"]["actionable"]) for p in seen)),
    }
    if errors:
        figures["errors"] = _errors(seen, run, predicted, actual, errors)
    return figures


def _errors(posts: Sequence[Mapping[str, Any]], run: Run, predicted: Mapping[str, str],
            actual: Mapping[str, str], limit: int) -> dict[str, list[dict[str, Any]]]:
    complaints = run.complaints
    first_of_case: dict[str, str] = {}
    first_of_pred: dict[str, str] = {}
    out: dict[str, list[dict[str, Any]]] = {"category": [], "routing": [], "emergency": [], "merged": [], "split": []}

    def add(kind: str, post: Mapping[str, Any], **extra: Any) -> None:
        if len(out[kind]) < limit:
            c = complaints[post["id"]]
            out[kind].append({"id": post["id"], "channel": post["channel"], "text": post["text"], **extra,
                              "duplicate_reason": c.duplicate_reason.value if c.duplicate_reason else None,
                              "classify_reason": run.reasons.get(post["id"]), "unit_reason": c.unit_reason})

    for p in posts:
        c, label = complaints[p["id"]], p["label"]
        if c.category != label["category"]:
            add("category", p, got=c.category, want=label["category"])
        if label["actionable"] and c.unit != label["unit"]:
            add("routing", p, got=c.unit, want=label["unit"])
        if label["emergency"] != (c.priority.value == "critical"):
            add("emergency", p, got=c.priority.value, want="critical" if label["emergency"] else "not critical")
        case, pred = actual[p["id"]], predicted[p["id"]]
        if pred in first_of_pred and actual[first_of_pred[pred]] != case:
            add("merged", p, merged_with=first_of_pred[pred], want_case=case, other_case=actual[first_of_pred[pred]])
        elif case in first_of_case and predicted[first_of_case[case]] != pred:
            add("split", p, should_join=first_of_case[case], case=case)
        first_of_case.setdefault(case, p["id"])
        first_of_pred.setdefault(pred, p["id"])
    return out


# -- output -------------------------------------------------------------------------------

def _pct(value: float | None) -> str:
    return "   n/a" if value is None else f"{value:6.1%}"


def _line(label: str, value: float | None, target: float | None = None, at_most: bool = False) -> str:
    if target is None:
        return f"  {label:<34}{_pct(value)}"
    ok = value is not None and (value <= target if at_most else value >= target)
    sign = "≤" if at_most else "≥"
    return f"  {label:<34}{_pct(value)}   target {sign} {target:.0%}  {'ok' if ok else 'BELOW TARGET' if not at_most else 'ABOVE TARGET'}"


def render(figures: Mapping[str, Any]) -> str:
    d = figures["dedupe"]
    rows = [f"{figures['posts']} labelled posts, {figures['stored']} stored complaints; "
            f"scored: {figures['scored']} posts ({figures.get('split', 'all')} cases)"]
    rows += [f"  note: {n}" for n in figures["notes"]]
    rows += ["dedupe (pairs of posts in one case)",
             _line("precision", d["precision"]), _line("recall", d["recall"]),
             _line("F1", d["f1"], TARGETS["dedupe_f1"]),
             f"  {'pairs: labelled / predicted / right':<38}{d['true_pairs']} / {d['predicted_pairs']} / {d['right_pairs']}",
             f"  {'cases: labelled / predicted':<38}{d['labelled_cases']} / {d['predicted_cases']}",
             f"  {'hard-negative pairs merged':<38}{d['hard_negative_pairs_merged']}",
             "classify",
             _line("category accuracy", figures["category_accuracy"], TARGETS["category_accuracy"])]
    rows += [_line(f"  {LANG_NAMES[k]}", v) for k, v in figures["category_accuracy_by_language"].items()]
    rows += [_line("actionable accuracy", figures["actionable_accuracy"]),
             _line("emergency recall", figures["emergency_recall"], TARGETS["emergency_recall"]),
             _line("emergency precision", figures["emergency_precision"]),
             "route (actionable posts)",
             _line("routing accuracy", figures["routing_accuracy"], TARGETS["routing_accuracy"]),
             _line("triage rate", figures["triage_rate"], TARGETS["triage_rate"], at_most=True)]
    for kind, items in figures.get("errors", {}).items():
        rows.append(f"\nerrors: {kind} (first {len(items)})")
        for e in items:
            facts = ", ".join(f"{k}={v}" for k, v in e.items() if k not in ("id", "text", "channel") and v is not None)
            rows.append(f"  {e['id']} [{e['channel']}] {e['text'][:110]!r}\n      {facts}")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="labelled posts (JSON Lines)")
    parser.add_argument("--errors", type=int, default=0, metavar="N", help="list the first N errors of each kind")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--split", choices=("all", "dev", "test"), default="all",
                        help="score every case, or only the dev half (even case numbers: tune on these) "
                             "or the held-out test half (odd)")
    args = parser.parse_args(argv)
    posts = load_corpus(args.corpus)
    run = run_pipeline(posts, want_reasons=bool(args.errors))
    figures = score(posts, run, args.errors, args.split)
    figures["split"] = args.split
    print(json.dumps(figures, ensure_ascii=False, indent=2) if args.json else render(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
