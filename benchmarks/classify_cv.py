"""Cross-validated quality of the default classifier on the corpus's dev cases.

The corpus's test split (odd case numbers) is held out for ``benchmarks/quality.py --split
test``; choices of the model are measured here, inside the dev split only: the dev cases are cut
into ``--folds`` folds by case, and each fold is classified by a model trained without it (the
taxonomy's keywords, the shipped hand-written examples, the other folds). The keyword classifier
(no training) is scored on the same texts, side by side.

    python3 .ci/dev python benchmarks/classify_cv.py
    python3 .ci/dev python benchmarks/classify_cv.py --grid        # compare parameter choices
    python3 .ci/dev python benchmarks/classify_cv.py --confusions  # which categories are mistaken for which

Scored: each dev post in its own words (first posts and repeats, not retweets, replies or
quotes), once per text, classified alone (no case to join). Figures, not a test.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import itertools
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
LANGS = {"hi": "Hindi (Devanagari)", "hl": "Hinglish", "en": "English"}


def _corpus_training() -> Any:
    spec = importlib.util.spec_from_file_location("corpus_training", ROOT / "tests" / "corpus" / "training.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def figures(rows: Sequence[tuple[str, Any, Any]]) -> dict[str, Any]:
    """Scores of ``(lang, example, classification)`` rows."""
    n = len(rows)
    right = sum(c.category == e.category for _, e, c in rows)
    by_lang = {}
    for lang in LANGS:
        sub = [(e, c) for g, e, c in rows if g == lang]
        by_lang[lang] = sum(c.category == e.category for e, c in sub) / len(sub) if sub else None
    emergencies = [(e, c) for _, e, c in rows if e.emergency]
    critical = [(e, c) for _, e, c in rows if c.priority.value == "critical"]
    confusions = Counter((e.category, c.category) for _, e, c in rows if c.category != e.category)
    return {"n": n, "category": right / n, "by_lang": by_lang,
            "recall": sum(c.priority.value == "critical" for _, c in emergencies) / max(1, len(emergencies)),
            "precision": sum(bool(e.emergency) for e, _ in critical) / max(1, len(critical)),
            "actionable": None, "confusions": confusions}


def cross_validate(params: Any, folds: int, data: list[tuple[int, str, Any]],
                   actionable: Callable[[str], bool]) -> dict[str, Any]:
    from shikayat.complaint import detect_language
    from shikayat.learn import ModelClassifier, keyword_examples
    from shikayat.taxonomy import shipped_taxonomy
    from shikayat.training import shipped_examples

    taxonomy = shipped_taxonomy()
    corpus_file = _corpus_training().OUTPUT.name
    base = [*keyword_examples(taxonomy), *(e for e in shipped_examples() if e.source != corpus_file)]
    rows = []
    for fold in range(folds):
        train = [e for case, _, e in data if (case // 2) % folds != fold]
        held = [(lang, e) for case, lang, e in data if (case // 2) % folds == fold]
        model = ModelClassifier(taxonomy, [*base, *train], params)
        rows += [(lang, e, model.classify(e.text, detect_language(e.text))) for lang, e in held]
    out = figures(rows)
    out["actionable"] = sum(c.actionable == actionable(e.category) for _, e, c in rows) / len(rows)
    return out


def keyword_baseline(data: list[tuple[int, str, Any]], actionable: Callable[[str], bool]) -> dict[str, Any]:
    from shikayat.classify import classifier_for
    from shikayat.complaint import detect_language
    from shikayat.taxonomy import shipped_taxonomy

    keywords = classifier_for(shipped_taxonomy())
    rows = [(lang, e, keywords.classify(e.text, detect_language(e.text))) for _, lang, e in data]
    out = figures(rows)
    out["actionable"] = sum(c.actionable == actionable(e.category) for _, e, c in rows) / len(rows)
    return out


def line(name: str, f: dict[str, Any]) -> str:
    langs = " ".join(f"{k} {v:6.1%}" if v is not None else f"{k}   n/a" for k, v in f["by_lang"].items())
    return (f"{name:<44} category {f['category']:6.1%} ({langs})  emergency recall {f['recall']:6.1%} "
            f"precision {f['precision']:6.1%}  actionable {f['actionable']:6.1%}")


def confusion_lines(confusions: Counter[tuple[str, str]], most: int = 25) -> list[str]:
    """The ``most`` frequent ``true → predicted`` mistakes, most frequent first (ties by name,
    so two runs print alike)."""
    ranked = sorted(confusions.items(), key=lambda item: (-item[1], item[0]))[:most]
    return [f"  {count:4d}  {true} \u2192 {predicted}" for (true, predicted), count in ranked]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--grid", action="store_true", help="try every combination of a few parameter values")
    parser.add_argument("--confusions", action="store_true",
                        help="after each model line, the 25 most frequent true \u2192 predicted category mistakes")
    args = parser.parse_args(argv)

    from shikayat.learn import Params
    from shikayat.taxonomy import shipped_taxonomy

    taxonomy = shipped_taxonomy()
    data = _corpus_training().dev_examples()

    def actionable(code: str) -> bool:
        return taxonomy[code].actionable

    print(f"{len(data)} dev texts, {args.folds} folds by case")
    print(line("keyword classifier (no training)", keyword_baseline(data, actionable)))
    candidates = [Params()]
    if args.grid:
        grid = {"alpha": (0.03, 0.1, 0.3), "phrase_bonus": (0.0, 4.0, 8.0, 16.0),
                "keyword_weight": (1.0, 3.0), "emergency_threshold": (-2.0, 0.0, 2.0)}
        candidates = [Params(**dict(zip(grid, values, strict=True))) for values in itertools.product(*grid.values())]
    for params in candidates:
        t0 = time.perf_counter()
        result = cross_validate(params, args.folds, data, actionable)
        shown = ", ".join(f"{k}={v}" for k, v in dataclasses.asdict(params).items())
        print(line(f"model ({shown})"[:44], result) + f"  [{time.perf_counter() - t0:.1f} s]", flush=True)
        if args.confusions:
            print("\n".join(confusion_lines(result["confusions"])), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
