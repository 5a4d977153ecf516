"""The labelled evaluation corpus (tests/corpus/posts.jsonl) is well-formed and as specified."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from shikayat.units import load_units, sample_units_path

CORPUS_DIR = Path(__file__).parents[1] / "corpus"
TAXONOMY = Path(__file__).parents[2] / "core" / "src" / "shikayat" / "data" / "taxonomy.yaml"


def _build_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("corpus_build", CORPUS_DIR / "build.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["corpus_build"] = module   # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def posts() -> list[dict[str, Any]]:
    lines = (CORPUS_DIR / "posts.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture(scope="module")
def taxonomy() -> dict[str, dict[str, Any]]:
    data = yaml.safe_load(TAXONOMY.read_text(encoding="utf-8"))
    return {c["code"]: c for c in data["categories"]}


def _time(value: str) -> datetime:
    assert value.endswith("Z"), value
    t = datetime.fromisoformat(value)
    assert t.tzinfo is not None and t.utcoffset() == UTC.utcoffset(None)
    return t


def test_posts_jsonl_is_what_build_py_produces(posts: list[dict[str, Any]]) -> None:
    build = _build_module()
    assert build.dumps(build.build()) == (CORPUS_DIR / "posts.jsonl").read_text(encoding="utf-8")


def test_shape_ids_and_times(posts: list[dict[str, Any]]) -> None:
    assert len(posts) >= 1000
    ids = [p["id"] for p in posts]
    assert len(set(ids)) == len(ids)
    channels = {"up_police_x", "lucknow_police_x", "rajasthan_police_x", "nagpur_police_x"}
    times = [_time(p["created_at"]) for p in posts]
    assert times == sorted(times), "posts are in time order"
    for p in posts:
        assert p["platform"] == "twitter" and p["channel"] in channels
        assert set(p["author"]) == {"id", "handle", "name"} and p["text"].strip()
        assert set(p["label"]) >= {"case", "category", "unit", "emergency", "actionable", "hard_negative_of"}


def test_references_exist_come_earlier_and_share_the_case(posts: list[dict[str, Any]]) -> None:
    index = {p["id"]: i for i, p in enumerate(posts)}
    for i, p in enumerate(posts):
        for key in ("reply_to", "quote_of", "repost_of"):
            ref = p[key]
            if ref is None:
                continue
            assert ref in index, f"{p['id']}.{key} -> {ref} does not exist"
            other = posts[index[ref]]
            assert index[ref] < i and _time(other["created_at"]) < _time(p["created_at"]), p["id"]
            assert other["label"]["case"] == p["label"]["case"], p["id"]
        if p["repost_of"]:
            original = posts[index[p["repost_of"]]]
            assert p["text"].startswith(f"RT @{original['author']['handle']}: ")


def test_categories_and_actionable_flags_follow_the_taxonomy(posts: list[dict[str, Any]],
                                                             taxonomy: dict[str, dict[str, Any]]) -> None:
    for p in posts:
        label = p["label"]
        assert label["category"] in taxonomy, p["id"]
        assert label["actionable"] is bool(taxonomy[label["category"]]["actionable"]), p["id"]
    assert len({p["label"]["category"] for p in posts}) >= 45


def test_cases_are_consistent(posts: list[dict[str, Any]]) -> None:
    by_case: dict[str, list[dict[str, Any]]] = {}
    for p in posts:
        by_case.setdefault(p["label"]["case"], []).append(p)
    for case, members in by_case.items():
        labels = {(m["label"]["category"], m["label"]["unit"], m["label"]["emergency"]) for m in members}
        assert len(labels) == 1, f"{case} has posts with different labels: {labels}"
        if not members[0]["label"]["actionable"]:
            assert len(members) == 1, f"non-actionable {case} has {len(members)} posts"


def test_hard_negatives_name_an_earlier_other_case(posts: list[dict[str, Any]]) -> None:
    first_seen: dict[str, int] = {}
    for i, p in enumerate(posts):
        first_seen.setdefault(p["label"]["case"], i)
    hard = [p for p in posts if p["label"]["hard_negative_of"]]
    assert len(hard) >= 60
    for p in hard:
        other = p["label"]["hard_negative_of"]
        assert other in first_seen and other != p["label"]["case"], p["id"]
        assert first_seen[other] < first_seen[p["label"]["case"]], p["id"]
        target = next(q for q in posts if q["label"]["case"] == other)
        assert target["label"]["category"] == p["label"]["category"], "a look-alike is the same kind of incident"


def test_the_mix_matches_the_specification(posts: list[dict[str, Any]]) -> None:
    n = len(posts)
    seen: set[str] = set()
    duplicates = 0
    for p in posts:
        duplicates += p["label"]["case"] in seen
        seen.add(p["label"]["case"])
    assert 0.35 <= duplicates / n <= 0.45
    non_actionable = sum(not p["label"]["actionable"] for p in posts)
    assert 0.08 <= non_actionable / n <= 0.12
    assert len({p["label"]["case"] for p in posts if p["label"]["emergency"]}) >= 70
    langs = Counter(p["label"]["lang"] for p in posts)
    for lang, share in (("hi", 0.35), ("hl", 0.35), ("en", 0.30)):
        assert abs(langs[lang] / n - share) <= 0.07, (lang, langs[lang] / n)
    forces = Counter(p["label"]["unit"].split("-")[0] for p in posts)
    assert forces["up"] > forces["rj"] > forces["ngp"] > 0


def test_units_exist_in_the_shipped_sample_directory(posts: list[dict[str, Any]]) -> None:
    units = load_units(sample_units_path())
    missing = sorted({p["label"]["unit"] for p in posts} - set(units.units))
    assert not missing, f"{len(missing)} labelled unit(s) not in the sample directory: {', '.join(missing)}"
