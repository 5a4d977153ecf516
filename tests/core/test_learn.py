"""The default classifier (a model trained on examples, weighed with the phrases) on phrasings no
keyword list holds, and its training data: shipped, extended through config, checked."""

from __future__ import annotations

import importlib.util
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from shikayat.complaint import Author, Complaint, detect_language
from shikayat.config import build_config
from shikayat.decisions import Classification, DecisionContext
from shikayat.errors import ConfigError
from shikayat.learn import ModelClassifier, Params, _perceptron, model_classifier_for, train
from shikayat.pipeline.dedupe import DedupeIndex
from shikayat.plugins import Plugins, load_plugins
from shikayat.taxonomy import shipped_taxonomy
from shikayat.testing.fakes import FakePlugin
from shikayat.textnorm import normalize_text
from shikayat.training import Example, parse_examples, shipped_examples, shipped_training_paths
from shikayat.types import Language, Priority
from shikayat.units import UnitsDirectory

ROOT = Path(__file__).parents[2]
UNITS = Path(__file__).parent / "fixtures" / "units"


@pytest.fixture
def plugins() -> Plugins:
    return load_plugins(extra=[FakePlugin()])


@pytest.fixture
def config_raw() -> dict[str, object]:
    return {"storage": {"url": "sqlite:///unused.db"}, "units": {"path": str(UNITS)}}


def classify(text: str) -> Classification:
    return model_classifier_for(shipped_taxonomy()).classify(normalize_text(text), detect_language(text))


# Phrasings checked to match no phrase of the taxonomy's category keywords: the model decides.
@pytest.mark.parametrize(("text", "category"), [
    ("meri scooty kal se society ke neeche se gaayab hai, koi utha le gaya", "vehicle_theft"),
    ("bhaiya ki activa koi le gaya mandi ke bahar se", "vehicle_theft"),
    ("मेरी मोटरसाइकिल बाजार से कोई ले गया", "vehicle_theft"),
    ("somebody drove off with my motorbike from outside the gym", "vehicle_theft"),
    ("sasural wale gaadi aur paiso ki demand karte hai warna beti ko nikal denge", "dowry_harassment"),
    ("ससुराल वाले मायके से पैसे लाने को कहते हैं और ताने मारते हैं", "dowry_harassment"),
    ("bank wale ban ke call aaya aur khate se rupay nikal gaye", "cyber_fraud"),
    ("raat bhar nadi se ret bhar ke dumper nikalte hai", "illegal_mining"),
    ("पहाड़ काटकर पत्थर निकाले जा रहे हैं रात में", "illegal_mining"),
])
def test_unseen_phrasings_get_their_category(text: str, category: str) -> None:
    result = classify(text)
    assert result.category == category, result.reason
    assert result.reason.startswith(f"model {category} ahead of ")


@pytest.mark.parametrize(("text", "category"), [
    ("bahut shukriya sir aapke thane ne meri madad ki", "praise"),
    ("सभी को छठ पर्व की हार्दिक शुभकामनाएं", "greetings"),
    ("work from home and make lakhs, whatsapp me now for the link", "spam"),
])
def test_non_actionable_posts_stay_non_actionable(text: str, category: str) -> None:
    result = classify(text)
    assert (result.category, result.actionable, result.priority) == (category, False, Priority.LOW), result.reason
    assert "(not actionable)" in result.reason


@pytest.mark.parametrize("text", [
    "road accident near the toll, a biker is lying on the road bleeding, send ambulance",
    "गांव में आग लग गई है, कई घर जल रहे हैं",
    "mera 7 saal ka beta mele me kho gaya hai",
    "do ladke chaku le kar ghar me ghus aaye hai bachao",
])
def test_an_emergency_now_is_critical(text: str) -> None:
    result = classify(text)
    assert result.priority is Priority.CRITICAL and result.actionable, result.reason


@pytest.mark.parametrize("text", [
    "there was a road accident on the highway last week, i need the fir copy for insurance",
    "पिछले महीने हुई दुर्घटना की जांच आगे नहीं बढ़ी",
    "last month's fire in our shop was set deliberately, please investigate",
])
def test_the_same_incident_in_the_past_is_not_critical(text: str) -> None:
    result = classify(text)
    assert result.priority is not Priority.CRITICAL, result.reason


def test_sensitive_flag_and_few_words_stay_uncategorised() -> None:
    assert classify("ससुराल वाले पैसे के लिए मारते पीटते हैं").sensitive
    assert not classify("meri bike chori ho gayi market se").sensitive
    result = classify("kuch hua hai")
    assert (result.category, result.priority) == ("uncategorised", Priority.NORMAL)
    assert "too little to go on" in result.reason


def test_training_is_deterministic_and_the_classifier_is_built_once() -> None:
    examples = [Example("bike chori ho gayi", "vehicle_theft", False), Example("aag lagi hai", "fire", True)]
    a, b = train(examples, ["vehicle_theft", "fire"]), train(examples, ["vehicle_theft", "fire"])
    post = ["bike", "gayi"]
    assert a.features == b.features and (a.scores(a.read(post)) == b.scores(b.read(post))).all()
    assert model_classifier_for(shipped_taxonomy()) is model_classifier_for(shipped_taxonomy())


def test_a_text_read_again_gets_its_first_answer_and_another_language_is_read_anew() -> None:
    """Classifications are kept per text and language: a repeat is answered as a fresh reading
    would be, and the same words read as another language are not given the first answer."""
    model = model_classifier_for(shipped_taxonomy())
    text = normalize_text("mera phone chori ho gaya kal raat bazar mein koi madad karo")
    english = model.classify(text, Language.ENGLISH)
    unknown = model.classify(text, Language.UNKNOWN)
    assert english.language is Language.MIXED and unknown.language is Language.UNKNOWN
    assert model.classify(text, Language.ENGLISH) == english == model._classify(text, Language.ENGLISH)
    assert model.classify(text, Language.UNKNOWN) == unknown == model._classify(text, Language.UNKNOWN)


def test_every_category_has_shipped_examples_and_every_example_a_known_category() -> None:
    taxonomy = shipped_taxonomy()
    hand = [e for e in shipped_examples() if e.source != "corpus-dev.txt"]
    assert {e.category for e in hand} == set(taxonomy.categories)
    assert all(e.category in taxonomy for e in shipped_examples())
    assert {p.name for p in shipped_training_paths()} >= {"corpus-dev.txt", "not-actionable.txt"}


def _corpus_training() -> ModuleType:
    spec = importlib.util.spec_from_file_location("corpus_training", ROOT / "tests" / "corpus" / "training.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_shipped_corpus_examples_are_what_the_export_produces_and_only_dev_cases() -> None:
    module = _corpus_training()
    assert module.OUTPUT.read_text(encoding="utf-8") == module.render()
    assert all(case % 2 == 0 for case, _, _ in module.dev_examples())


def test_bad_training_lines_are_named_by_file_and_line() -> None:
    lines = ["# examples", "before any header", "[vehicle_theft]", "bike chori", "[no_such_code]",
             "text", "[Bad Header]", "[fire]", "!  ...  "]
    with pytest.raises(ConfigError) as info:
        parse_examples(lines, "ours.txt", shipped_taxonomy().categories)
    problems = [str(p) for p in info.value.problems]
    assert problems == [
        "[ours.txt] line 2: an example before any [category] header",
        "[ours.txt] line 5: unknown category 'no_such_code' (not in the taxonomy)",
        "[ours.txt] line 7: '[Bad Header]' is no category header (write [code], lower case letters, digits and _)",
        "[ours.txt] line 9: the example has no letters or digits",
    ]
    good = parse_examples(["[fire]", "! aag lagi hai", "#AagLagi in the market"], "ours.txt")
    assert [(e.text, e.emergency) for e in good] == [("aag lagi hai", True), ("aaglagi in the market", False)]


def _context(taxonomy: object) -> DecisionContext:
    return DecisionContext(units=UnitsDirectory(), index=DedupeIndex(), now=datetime.now(UTC),
                           taxonomy=taxonomy)  # type: ignore[arg-type]


def test_a_deployment_extends_the_training_through_config(
        plugins: Plugins, config_raw: dict[str, object], tmp_path: Path) -> None:
    text = "khet se pump set ki motor aur pipe utha le gaye"
    complaint = Complaint(platform="fake", external_id="1", author=Author(id="u"), created_at=datetime.now(UTC),
                          text=text, language=Language.MIXED)
    assert plugins.hook.classify_complaint(complaint=complaint, context=_context(shipped_taxonomy())).category \
        != "farm_equipment_theft"
    (tmp_path / "ours.yaml").write_text(
        "categories:\n- {code: farm_equipment_theft, name: {en: Farm equipment theft}, priority: normal}\n",
        encoding="utf-8")
    (tmp_path / "ours.txt").write_text(
        "[farm_equipment_theft]\nkhet se motor chori ho gayi\nkheton se pump aur pipe utha le gaye\n"
        "tubewell ki motor aur pipe chori\nसबमर्सिबल पंप और पाइप खेत से चोरी\n", encoding="utf-8")
    config = build_config({**config_raw, "classify": {"taxonomy": ["ours.yaml"], "training": ["ours.txt"]}},
                          plugins, base=tmp_path)
    assert len(config.taxonomy.examples) == 4
    result = plugins.hook.classify_complaint(complaint=complaint, context=_context(config.taxonomy))
    assert result.category == "farm_equipment_theft", result.reason


def test_a_bad_training_file_in_config_is_a_clear_error(
        plugins: Plugins, config_raw: dict[str, object], tmp_path: Path) -> None:
    (tmp_path / "ours.txt").write_text("[fire]\naag\n[tractor_theft]\ntractor le gaye\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        build_config({**config_raw, "classify": {"training": ["ours.txt", "missing.txt"]}}, plugins, base=tmp_path)
    assert "[classify] training:" in str(info.value) and "missing.txt does not exist" in str(info.value)
    with pytest.raises(ConfigError) as info:
        build_config({**config_raw, "classify": {"training": ["ours.txt"]}}, plugins, base=tmp_path)
    assert str(info.value) == "[classify: ours.txt] line 3: unknown category 'tractor_theft' (not in the taxonomy)"


def test_a_plugin_classifier_still_wins(plugins: Plugins) -> None:
    from shikayat.hookspecs import hookimpl

    class Ours:
        @hookimpl
        def classify_complaint(self, complaint: Complaint, context: DecisionContext) -> Classification:
            return Classification(category="praise", reason="ours")

    plugins.pm.register(Ours(), name="ours-classifier")
    try:
        complaint = Complaint(platform="fake", external_id="1", author=Author(id="u"), created_at=datetime.now(UTC),
                              text="meri bike chori ho gayi")
        assert plugins.hook.classify_complaint(complaint=complaint, context=_context(shipped_taxonomy())).reason == "ours"
    finally:
        plugins.pm.unregister(name="ours-classifier")


def test_parameters_change_the_model() -> None:
    examples = [Example("bike chori ho gayi", "vehicle_theft", False), Example("aag lagi hai", "fire", True)]
    loose = ModelClassifier(shipped_taxonomy(), examples, Params(emergency_threshold=-100.0))
    strict = ModelClassifier(shipped_taxonomy(), examples, Params(emergency_threshold=100.0))
    text = normalize_text("meri bike chori ho gayi hai dekhiye zara")
    assert loose.classify(text).priority is Priority.CRITICAL
    assert strict.classify(text).priority is not Priority.CRITICAL


def test_the_perceptron_separates_the_examples_naive_bayes_weighs_alike() -> None:
    """Features 1 and 2 occur in both categories; only 0 and 3 tell them apart. The averaged
    perceptron's weights classify every example right, and are scaled to at most 1."""
    docs = [np.array([0, 1]), np.array([0, 2]), np.array([1, 3]), np.array([2, 3]), np.array([1, 2, 3])]
    cats = [0, 0, 1, 1, 1]
    weights = _perceptron(docs, cats, n_features=4, n_codes=2, epochs=3)
    assert [int(np.argmax(weights[ids].sum(0))) for ids in docs] == cats
    assert np.abs(weights).max() == pytest.approx(1.0)
    assert weights[0, 0] > 0 > weights[0, 1] and weights[3, 1] > 0 > weights[3, 0]


def test_the_perceptron_adds_to_naive_bayes_only_when_weighted() -> None:
    examples = [Example("bike chori ho gayi", "vehicle_theft", False), Example("mobile chori ho gaya", "theft", False),
                Example("purse chori ho gaya bazaar me", "theft", False)]
    codes = ["vehicle_theft", "theft"]
    plain = train(examples, codes, Params(perceptron_weight=0.0))
    mixed = train(examples, codes, Params())
    post = ["bike", "chori", "ho", "gaya"]
    assert plain.features == mixed.features
    assert not np.allclose(plain.scores(plain.read(post))[:2], mixed.scores(mixed.read(post))[:2])
    assert plain.scores(plain.read(post))[2] == mixed.scores(mixed.read(post))[2]   # emergency column untouched
