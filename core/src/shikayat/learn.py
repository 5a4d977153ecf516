"""The default classifier: a naive Bayes model over character n-grams, weighed with the phrases.

Keyword lists fitted to the posts one has seen do not carry over to the next thousand: people
spell "chori", "chory", "choree", mix scripts and describe an incident in words no list holds.
Character n-grams of the words carry over (``scooty``, ``scooti`` and ``scootie`` share most of
theirs), so the category comes from a model over them, trained at first use on labelled examples
(:mod:`shikayat.training`: the shipped ones, a deployment's own, and every keyword of the
taxonomy as a tiny example of its category).

Features of a post (:func:`text_features`): for each word, folded like the phrase matcher
(:func:`shikayat.phrases.fold`, digits as ``0``), the word itself and its character 2- to
5-grams with a space at each end; and each pair of neighbouring words. A feature the training
never saw says nothing. Training counts features per category (multinomial naive Bayes,
additive smoothing ``alpha``, equal priors: the mix of the training set is not the mix of a
force's posts), then adds the weights of an averaged perceptron trained on the same features
(:attr:`Params.perceptron_weight`), which learns from the examples naive Bayes would weigh
alike; a post scores, per category, the sum of its features' weights. A
word's features never change, so each word's rows of the weight matrix are summed once and
cached (:meth:`Model.read`); a post sums its words' rows and its word pairs'. A second column of
the same matrix holds the log odds of an emergency (danger to life now), trained on the
examples that say.

The phrase matcher's reading (:class:`shikayat.classify.Classifier`) is evidence too: the
category its phrases pick gets a bonus (:attr:`Params.phrase_bonus`), and its emergency
phrases, calm phrases and words of time are kept as they are. A post is an emergency (priority
``critical``) when an emergency phrase counts; when an ``urgent_now`` category is told with a
word of "now" and none of the past; or, unless it is told in the past only, when its category's
default is ``critical`` or the model's emergency score passes
:attr:`Params.emergency_threshold` (set for recall: a missed emergency costs a life, a false
alarm a phone call). Any other post keeps its category's default priority, ``high`` at most.

The reason names the model's category, the runner-up, and the words that weighed most for the
one against the other: ``model vehicle_theft ahead of theft (words "scooty", "gayab");
phrases "scooty" agree``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from shikayat.classify import Classifier, Reading, classifier_for
from shikayat.decisions import Classification
from shikayat.phrases import fold, words
from shikayat.taxonomy import FALLBACK, Category, Taxonomy
from shikayat.training import Example, shipped_examples
from shikayat.types import Language, Priority

NGRAMS = (2, 3, 4, 5)
"""Lengths of the character n-grams of a word (with a space at each end)."""

_MAX_WORD = 24          # longer "words" (run-together hashtags) give their first 24 characters' n-grams
_DIGIT = re.compile(r"\d")
_WORD_CACHE = 1 << 16
_TEXT_CACHE = 1 << 13
"""How many texts' classifications a classifier keeps: a wave of copies of one post, or a
complaint retold word for word, is read once."""


@dataclass(frozen=True)
class Params:
    """The model's choices, measured by cross-validation on the corpus's dev cases
    (``benchmarks/classify_cv.py``)."""

    alpha: float = 1.0
    """Additive smoothing of the feature counts."""
    keyword_weight: float = 1.0
    """How much one taxonomy keyword counts, against one example post."""
    phrase_bonus: float = 0.1
    """Added to the score (per feature) of the category the phrases pick."""
    emergency_threshold: float = -0.4
    """The model's emergency log odds per feature above which a post is an emergency."""
    min_words: int = 6
    """A post of fewer words in which the phrases found nothing (no category phrase, no word of
    a category's vocabulary) says too little for the model: it stays ``uncategorised``."""
    emergency_alpha: float = 0.1
    """Additive smoothing of the emergency counts."""
    complement: bool = True
    """Weights from the counts of every other category (complement naive Bayes: steadier when
    some categories have many more examples than others)."""
    perceptron_weight: float = 3.0
    """How much the averaged perceptron's weights (scaled to at most 1) add to the naive Bayes
    weights; 0 leaves the model naive Bayes alone."""
    perceptron_epochs: int = 3
    """Passes of the perceptron over the examples."""


@functools.lru_cache(maxsize=_WORD_CACHE)
def _folded(word: str) -> str:
    return _DIGIT.sub("0", fold(word))


@functools.lru_cache(maxsize=_WORD_CACHE)
def word_features(word: str) -> tuple[str, ...]:
    """The features of one word: itself (folded) and its character n-grams."""
    folded = _folded(word)
    padded = f" {folded[:_MAX_WORD]} "
    out = ["\x01" + folded]
    for n in NGRAMS:
        out += [padded[i:i + n] for i in range(len(padded) - n + 1)]
    return tuple(out)


def _bigrams(text_words: Sequence[str]) -> list[str]:
    folded = [_folded(w) for w in text_words]
    return [f"\x02{a} {b}" for a, b in zip(folded, folded[1:], strict=False)]


def text_features(text_words: Sequence[str]) -> list[str]:
    """Every feature of a post's words (a feature may repeat: it counts each time)."""
    out: list[str] = []
    for word in text_words:
        out += word_features(word)
    return out + _bigrams(text_words)


@dataclass(frozen=True)
class Evidence:
    """What the model knows of one post's words (:meth:`Model.read`)."""

    rows: np.ndarray
    """Summed feature weights per word of ``words``, then one row of the post's word pairs."""
    words: tuple[str, ...]
    """The post's words that have known features, in order."""
    count: int
    """How many known features the post has in all."""


class Model:
    """Scores per category and the emergency log odds of a post (see the module docstring)."""

    def __init__(self, codes: Sequence[str], vocabulary: dict[str, int], weights: np.ndarray,
                 bias: np.ndarray) -> None:
        self.codes = tuple(codes)
        self._vocabulary = vocabulary
        self._weights = weights                 # (features, categories + 1), float32
        self._bias = bias
        self._words: dict[str, tuple[int, np.ndarray]] = {}
        self._none = np.zeros((0, weights.shape[1]), dtype=weights.dtype)

    @property
    def features(self) -> int:
        return len(self._vocabulary)

    def _word(self, word: str) -> tuple[int, np.ndarray]:
        """How many known features ``word`` has, and their summed weights (cached: a word's
        features do not depend on the post, so each word is gathered once, not once per post)."""
        cached = self._words.get(word)
        if cached is None:
            if len(self._words) >= _WORD_CACHE:
                self._words.clear()
            vocabulary = self._vocabulary
            ids = [vocabulary[f] for f in word_features(word) if f in vocabulary]
            cached = (len(ids), self._weights[ids].sum(0))
            self._words[word] = cached
        return cached

    def read(self, text_words: Sequence[str]) -> Evidence:
        """A post's evidence: the summed weights of each word that has known features, then of
        its known word pairs."""
        rows: list[np.ndarray] = []
        told: list[str] = []
        count = 0
        for word in text_words:
            n, row = self._word(word)
            if n:
                rows.append(row)
                told.append(word)
                count += n
        vocabulary = self._vocabulary
        pairs = [vocabulary[b] for b in _bigrams(text_words) if b in vocabulary]
        if pairs:
            rows.append(self._weights[pairs].sum(0))
            count += len(pairs)
        return Evidence(np.array(rows) if rows else self._none, tuple(told), count)

    def scores(self, evidence: Evidence) -> np.ndarray:
        """Per category, then the emergency log odds, of a post."""
        return self._bias + evidence.rows.sum(0)

    def telling_words(self, evidence: Evidence, best: int, other: int, limit: int = 3) -> list[str]:
        """The words whose features favour category ``best`` over ``other`` most."""
        words = evidence.words
        if not words:
            return []
        rows = evidence.rows[:len(words)]
        diff = (rows[:, best] - rows[:, other]).tolist()
        weight: dict[str, float] = {}
        for word, total in zip(words, diff, strict=True):
            weight[word] = max(weight.get(word, -np.inf), total)
        ranked = sorted((w for w in weight if weight[w] > 0), key=lambda w: -weight[w])
        return ranked[:limit]


def train(examples: Iterable[Example], codes: Sequence[str], params: Params = Params()) -> Model:
    """A model of ``codes`` from ``examples`` (deterministic: same examples, same weights).
    Examples of a code not in ``codes`` are skipped."""
    index = {code: i for i, code in enumerate(codes)}
    vocabulary: dict[str, int] = {}
    flat: list[int] = []                         # every example's feature ids, one after another
    lengths_: list[int] = []
    cats: list[int] = []
    weights: list[float] = []
    emergency: list[int] = []                    # 1, 0, or -1 when the example does not say
    word_ids: dict[str, list[int]] = {}          # a word's features are numbered once, not once per example

    def ids_of(word: str) -> list[int]:
        got = word_ids.get(word)
        if got is None:
            got = word_ids[word] = [vocabulary.setdefault(f, len(vocabulary)) for f in word_features(word)]
        return got

    for example in examples:
        cat = index.get(example.category)
        if cat is None:
            continue
        text_words = words(example.text)
        if not text_words:
            continue
        before = len(flat)
        for w in text_words:
            flat += ids_of(w)
        flat += [vocabulary.setdefault(b, len(vocabulary)) for b in _bigrams(text_words)]
        lengths_.append(len(flat) - before)
        cats.append(cat)
        weights.append(params.keyword_weight if example.source == "taxonomy" else 1.0)
        emergency.append(-1 if example.emergency is None else int(example.emergency))
    n_features, n_codes = len(vocabulary), len(codes)
    lengths = np.array(lengths_, dtype=np.int64)
    feature = np.array(flat, dtype=np.int64)
    n_docs = len(lengths_)
    doc_cat = np.repeat(np.array(cats, dtype=np.int64), lengths)
    # each example counts as much as any other whatever its length (features weighted 1/√length,
    # and by how rare they are: a feature of every example says nothing)
    width = max(1, n_features)
    in_doc = np.sort(np.repeat(np.arange(n_docs, dtype=np.int64), lengths) * width + feature)   # sorting beats
    in_doc = in_doc[np.concatenate(([True], in_doc[1:] != in_doc[:-1]))] if len(in_doc) else in_doc  # np.unique here
    df = np.bincount(in_doc % width, minlength=n_features)
    idf = np.log((n_docs + 1) / (df + 1)) + 1.0
    doc_weight = np.repeat(np.array(weights) / np.sqrt(np.maximum(lengths, 1)), lengths) * idf[feature]
    counts = np.bincount(feature * n_codes + doc_cat, weights=doc_weight,
                         minlength=n_features * n_codes).reshape(n_features, n_codes)
    # the (features × categories) arrays are the large ones: worked on in place, one at a time
    if params.complement:
        np.subtract(counts.sum(1, keepdims=True), counts, out=counts)     # the counts of every other category
    totals = counts.sum(0)
    counts += params.alpha
    log_p = np.log(counts, out=counts)
    log_p -= np.log(totals + params.alpha * n_features)
    if params.complement:
        np.negative(log_p, out=log_p)
        log_p -= log_p.mean(1, keepdims=True)
    log_p *= idf[:, None]
    if params.perceptron_weight and params.perceptron_epochs and n_docs:
        # each example's distinct features: the sorted (example, feature) keys counted for idf
        docs = np.split(in_doc % width, np.cumsum(np.bincount(in_doc // width, minlength=n_docs))[:-1])
        learned = _perceptron(docs, cats, n_features, n_codes, params.perceptron_epochs)
        learned *= params.perceptron_weight
        log_p += learned
        del learned

    flag = np.repeat(np.array(emergency, dtype=np.int64), lengths)
    known = flag >= 0
    e_counts = np.bincount(feature[known] * 2 + flag[known], minlength=n_features * 2).reshape(n_features, 2)
    e_log = (np.log(e_counts + params.emergency_alpha)
             - np.log(e_counts.sum(0) + params.emergency_alpha * n_features))
    e_bias = 0.0         # scores are read per feature (see ModelClassifier.classify)

    matrix = np.concatenate([log_p, (e_log[:, 1] - e_log[:, 0])[:, None]], axis=1).astype(np.float32)
    bias = np.concatenate([np.zeros(n_codes), [e_bias]]).astype(np.float32)
    return Model(codes, vocabulary, matrix, bias)


def _perceptron(docs: Sequence[np.ndarray], cats: Sequence[int], n_features: int, n_codes: int,
                epochs: int) -> np.ndarray:
    """Averaged perceptron weights (features × categories, scaled to at most 1 in size) of
    examples given as their distinct feature ids. Naive Bayes weighs each feature by itself;
    the perceptron learns from the examples it gets wrong, so it weighs the features that tell
    two close categories apart (a snatching from a theft) where naive Bayes counts what both
    share. The order of the passes is fixed (same examples, same weights)."""
    weights = np.zeros((n_features, n_codes), dtype=np.float64)
    summed = np.zeros_like(weights)      # each update times the step it was made at, to average
    order = np.random.default_rng(0)
    step = 1
    for _ in range(epochs):
        for k in order.permutation(len(docs)).tolist():
            ids, right = docs[k], cats[k]
            scores = weights[ids].sum(0)
            scores[right] -= 1.0             # the right category must win by a margin
            guess = int(np.argmax(scores))
            if guess != right:
                weights[ids, right] += 1.0
                weights[ids, guess] -= 1.0
                summed[ids, right] += step
                summed[ids, guess] -= step
            step += 1
    summed /= -step
    summed += weights                    # the average of the weights over every step
    del weights
    largest = float(np.abs(summed).max()) if summed.size else 0.0
    if largest:
        summed /= largest
    return summed


def keyword_examples(taxonomy: Taxonomy) -> list[Example]:
    """Every keyword and cue of a taxonomy, and its names, as a tiny example of its category."""
    out: list[Example] = []
    for cat in taxonomy:
        texts = dict.fromkeys([*cat.keywords, *cat.cues, cat.name.en.casefold(), *([cat.name.hi] if cat.name.hi else [])])
        out += [Example(text, cat.code, None, "taxonomy") for text in texts]
    return out


def training_examples(taxonomy: Taxonomy, extra: Iterable[Example] = ()) -> list[Example]:
    """What the default model of ``taxonomy`` learns from: its keywords, the shipped examples
    of its categories, the deployment's examples (``taxonomy.examples``) and ``extra``."""
    return [*keyword_examples(taxonomy), *shipped_examples(), *taxonomy.examples, *extra]


class ModelClassifier:
    """The default classifier of one taxonomy (see the module docstring)."""

    def __init__(self, taxonomy: Taxonomy, examples: Iterable[Example] | None = None,
                 params: Params = Params(), keywords: Classifier | None = None) -> None:
        self.taxonomy = taxonomy
        self.params = params
        self.keywords = keywords if keywords is not None else classifier_for(taxonomy)
        self.codes = tuple(taxonomy.categories)
        self._index = {code: i for i, code in enumerate(self.codes)}
        self._actionable = np.array([c.actionable for c in taxonomy], dtype=bool)
        self.model = train(training_examples(taxonomy) if examples is None else examples, self.codes, params)
        self._seen: dict[tuple[str, Language], Classification] = {}

    def classify(self, normalized: str, language: Language = Language.UNKNOWN) -> Classification:
        """The classification of a normalized text read in ``language`` (kept per text and
        language: the model and the phrases do not change, so neither does the answer)."""
        key = (normalized, language)
        result = self._seen.get(key)
        if result is None:
            if len(self._seen) >= _TEXT_CACHE:
                self._seen.clear()
            result = self._seen[key] = self._classify(normalized, language)
        return result

    def _classify(self, normalized: str, language: Language) -> Classification:
        reading = self.keywords.read(normalized, language)
        evidence = self.model.read(reading.words)
        scores = self.model.scores(evidence)
        scores /= max(1, evidence.count)        # per feature: a long post is not more certain
        category_scores, emergency_odds = scores[:-1], float(scores[-1])
        phrase_pick = self._phrase_pick(reading)
        if phrase_pick is not None:
            category_scores[self._index[phrase_pick]] += self.params.phrase_bonus
        best = int(np.argmax(category_scores))
        too_little = self._says_too_little(reading)
        if too_little:
            best = self._index[FALLBACK]
        cats = self.taxonomy.categories
        emergency, why = self._emergency(reading, cats[self.codes[best]], -np.inf if too_little else emergency_odds)
        if emergency and not self._actionable[best]:
            category_scores = np.where(self._actionable, category_scores, -np.inf)
            best = int(np.argmax(category_scores))
        cat = cats[self.codes[best]]
        if too_little:
            reason = [f"{len(reading.words)} words and no phrase: too little to go on → {FALLBACK}"]
        else:
            reason = [self._explain(reading, category_scores, best, evidence, phrase_pick)]
        priority = cat.priority
        if emergency:
            priority = Priority.CRITICAL
            reason.append(why)
        elif priority is Priority.CRITICAL:
            priority = Priority.HIGH
            reason.append("no emergency now → high")
        sensitive, note = self._sensitive(reading, cat, emergency)
        if note:
            reason.append(note)
        return Classification(category=cat.code, priority=priority, actionable=cat.actionable,
                              sensitive=sensitive, reason="; ".join(reason), language=reading.result.language)

    def _phrase_pick(self, reading: Reading) -> str | None:
        """The category the phrases chose, when a phrase of it matched (not the fallback, not a
        guess from single words)."""
        code = reading.result.category
        return code if code != FALLBACK and code in reading.scores and code in self._index else None

    def _says_too_little(self, reading: Reading) -> bool:
        return (FALLBACK in self._index and len(reading.words) < self.params.min_words
                and reading.result.category == FALLBACK and not reading.scores.keys() - {FALLBACK})

    def _emergency(self, reading: Reading, cat: Category, odds: float) -> tuple[bool, str]:
        if reading.emergency:
            return True, "emergency " + _quoted(reading.emergency) + " → critical"
        if cat.urgent_now and reading.now and not reading.past:
            return True, f"now {_quoted(reading.now)} in {cat.code} → critical"
        if reading.past and not reading.now or not cat.actionable:
            return False, ""
        if cat.priority is Priority.CRITICAL:
            return True, f"{cat.code} is critical unless told in the past"
        if odds > self.params.emergency_threshold:
            return True, f"the model reads an emergency ({odds:+.2f})"
        return False, ""

    def _sensitive(self, reading: Reading, cat: Category, emergency: bool) -> tuple[bool, str]:
        if cat.sensitive:
            return True, ""
        cats = self.taxonomy.categories
        if cat.actionable:
            source = next((c for c in reading.scores if c in cats and cats[c].actionable and cats[c].sensitive), None)
            if source is not None:
                return True, f"sensitive from {source}"
        if emergency and reading.emergency_sensitive:
            return True, f"sensitive from emergency {_quoted(reading.emergency_sensitive)}"
        return False, ""

    def _explain(self, reading: Reading, scores: np.ndarray, best: int, evidence: Evidence,
                 phrase_pick: str | None) -> str:
        code = self.codes[best]
        runner = int(np.argsort(-scores)[1]) if len(scores) > 1 else best
        told = self.model.telling_words(evidence, best, runner)
        text = f"model {code} ahead of {self.codes[runner]}" + (f" (words {_quoted(told)})" if told else "")
        if not self.taxonomy.categories[code].actionable:
            text += " (not actionable)"
        if phrase_pick == code:
            text += f"; phrases {_quoted(reading.phrases.get(code, []))} agree"
        elif phrase_pick is not None:
            text += f"; phrases {_quoted(reading.phrases.get(phrase_pick, []))} said {phrase_pick}"
        return text


def _quoted(phrases: Iterable[str]) -> str:
    return ", ".join(f'"{p}"' for p in phrases)


@functools.lru_cache(maxsize=8)
def model_classifier_for(taxonomy: Taxonomy) -> ModelClassifier:
    """The default classifier of ``taxonomy``, trained once (taxonomies hash by identity)."""
    return ModelClassifier(taxonomy)


__all__ = ["NGRAMS", "Model", "ModelClassifier", "Params", "keyword_examples", "model_classifier_for",
           "text_features", "train", "training_examples", "word_features"]
