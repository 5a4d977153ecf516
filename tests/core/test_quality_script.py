"""The arithmetic of benchmarks/quality.py on examples worked out by hand."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import orjson
import pytest

from shikayat.complaint import RawPost
from shikayat_twitter.normalize import normalize_post

SCRIPT = Path(__file__).parents[2] / "benchmarks" / "quality.py"


@pytest.fixture(scope="module")
def quality() -> ModuleType:
    spec = importlib.util.spec_from_file_location("quality_benchmark", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["quality_benchmark"] = module   # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_pair_scores_by_hand(quality: ModuleType) -> None:
    # truth: {a, b, c} {d, e} {f}  -> 3 + 1 + 0 = 4 true pairs
    actual = {"a": "X", "b": "X", "c": "X", "d": "Y", "e": "Y", "f": "Z"}
    # predicted: {a, b} {c, d, e} {f} -> 1 + 3 + 0 = 4 predicted pairs; right: ab, de = 2
    predicted = {"a": "1", "b": "1", "c": "2", "d": "2", "e": "2", "f": "3"}
    s = quality.pair_scores(predicted, actual)
    assert (s.true_positive, s.predicted, s.actual) == (2, 4, 4)
    assert s.precision == pytest.approx(0.5) and s.recall == pytest.approx(0.5) and s.f1 == pytest.approx(0.5)


def test_pair_scores_perfect_and_all_merged(quality: ModuleType) -> None:
    actual = {"a": "X", "b": "X", "c": "Y", "d": "Y"}
    assert quality.pair_scores(actual, actual).f1 == 1.0
    merged = quality.pair_scores({k: "one" for k in actual}, actual)
    # 6 predicted pairs, 2 right: precision 1/3, recall 1, F1 = 2*(1/3)/(4/3) = 0.5
    assert (merged.true_positive, merged.predicted, merged.actual) == (2, 6, 2)
    assert merged.f1 == pytest.approx(0.5)
    singletons = quality.pair_scores({k: k for k in actual}, actual)
    assert singletons.precision == 1.0 and singletons.recall == 0.0 and singletons.f1 == 0.0


def test_hard_negative_merges_counts_pairs(quality: ModuleType) -> None:
    actual = {"a": "X", "b": "X", "c": "Y", "d": "Y"}
    predicted = {"a": "1", "b": "1", "c": "1", "d": "2"}     # c (case Y) merged into X's cluster
    # c must not join X: it is with a and b -> 2 pairs; d is not.
    assert quality.hard_negative_merges(predicted, actual, {"c": "X", "d": "X"}) == 2
    assert quality.hard_negative_merges(actual, actual, {"c": "X", "d": "X"}) == 0


def test_resolve_cases_follows_chains(quality: ModuleType) -> None:
    assert quality.resolve_cases({"a": None, "b": "a", "c": "b", "d": None}) == {"a": "a", "b": "a", "c": "a", "d": "d"}


def test_accuracy_and_ratio(quality: ModuleType) -> None:
    assert quality.accuracy([(1, 1), (2, 3), ("x", "x")]) == (2, 3)
    assert quality.ratio((0, 0)) is None


def test_x_line_reads_back_through_the_x_normalizer(quality: ModuleType) -> None:
    original = {"id": "p1", "channel": "up_police_x", "created_at": "2026-10-01T10:00:00Z",
                "author": {"id": "u1", "handle": "asha_v", "name": "Asha V"},
                "text": "@Uppolice chain chheen li #TwitterSewa", "reply_to": None, "quote_of": None, "repost_of": None}
    reply = {**original, "id": "p2", "created_at": "2026-10-01T10:05:00Z", "reply_to": "p1",
             "author": {"id": "u2", "handle": "ravi", "name": "Ravi"}, "text": "@asha_v same here"}
    retweet = {**original, "id": "p3", "created_at": "2026-10-01T10:06:00Z", "repost_of": "p1",
               "author": {"id": "u3", "handle": "sunil", "name": "Sunil"}, "text": "RT @asha_v: @Uppolice chain…"}
    by_id = {p["id"]: p for p in (original, reply, retweet)}

    def normalized(post: dict[str, object]):  # type: ignore[no-untyped-def]
        line = quality.x_line(post, by_id)
        assert line["platform"] == "twitter" and line["channel"] == "up_police_x"
        raw = RawPost(platform="twitter", external_id=str(post["id"]), channel="up_police_x",
                      payload=orjson.dumps(json.loads(json.dumps(line["payload"]))))
        return normalize_post(raw)

    c1 = normalized(original)
    assert c1.mentions == ("uppolice",) and c1.hashtags == ("twittersewa",) and c1.author.handle == "asha_v"
    c2 = normalized(reply)
    assert c2.thread.reply_to == "p1" and c2.thread.conversation_id == "p1" and c2.mentions == ("asha_v",)
    c3 = normalized(retweet)
    assert c3.thread.repost_of == "p1" and c3.text == original["text"]


def test_dev_and_test_splits_partition_the_cases(quality: ModuleType) -> None:
    posts = [{"label": {"case": f"c{n:04d}"}} for n in range(1, 21)]
    dev = [p for p in posts if quality.in_split(p, "dev")]
    test = [p for p in posts if quality.in_split(p, "test")]
    assert len(dev) == len(test) == 10 and not {id(p) for p in dev} & {id(p) for p in test}
    assert all(quality.in_split(p, "all") for p in posts)
