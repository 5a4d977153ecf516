"""The taxonomy file: the shipped one is valid and stable, deployments extend it, bad files
are reported one line per problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from shikayat.config import load_config
from shikayat.errors import ConfigError
from shikayat.plugins import Plugins, load_plugins
from shikayat.taxonomy import FALLBACK, build_taxonomy, load_taxonomy, shipped_taxonomy
from shikayat.testing.fakes import FakePlugin
from shikayat.textnorm import normalize_text
from shikayat.types import Priority

UNITS = Path(__file__).parent / "fixtures" / "units"

# Codes are stored with every complaint and used by routing rules: never renamed or dropped.
CODES = """
murder attempt_to_murder assault firing kidnapping threat_to_life extortion mob_lynching
human_trafficking theft burglary vehicle_theft robbery chain_snatching mobile_snatching cattle_theft
rape sexual_harassment stalking molestation dowry_harassment domestic_violence women_safety
acid_attack missing_child child_sexual_abuse child_labour child_marriage cyber_fraud
online_harassment sextortion fake_profile online_job_loan_fraud cheating land_dispute fake_currency
illegal_mining illegal_liquor drugs gambling illegal_arms noise_pollution encroachment
communal_tension hate_speech suspicious_activity neighbour_dispute traffic_jam wrong_parking
drunk_driving road_accident hit_and_run rash_driving police_misconduct police_inaction
lost_documents verification_request missing_person senior_citizen_harassment animal_cruelty fire
dead_body_found suicide_attempt mental_health_crisis uncategorised praise greetings
political_content spam general_query
""".split()


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _problems(exc: pytest.ExceptionInfo[ConfigError]) -> list[str]:
    return [str(p) for p in exc.value.problems]


# -- the shipped taxonomy ---------------------------------------------------------------------


def test_shipped_codes_are_stable() -> None:
    assert list(shipped_taxonomy().categories) == CODES


def test_shipped_taxonomy_is_loaded_once() -> None:
    assert shipped_taxonomy() is shipped_taxonomy() is load_taxonomy([])
    assert repr(shipped_taxonomy()) == "Taxonomy(70 categories from taxonomy.yaml)"


def test_shipped_keywords_are_normalized_and_belong_to_one_category() -> None:
    taxonomy = shipped_taxonomy()
    owner: dict[str, str] = {}
    for cat in taxonomy:
        assert cat.keywords, f"{cat.code} has no keywords"
        for keyword in cat.keywords:
            assert normalize_text(keyword) == keyword
            assert owner.setdefault(keyword, cat.code) == cat.code, (keyword, owner[keyword], cat.code)
    # written naturally in the file (nukta, chandrabindu, half nasal), normalized at load
    assert "तेजाब" in taxonomy["acid_attack"].keywords
    assert {"पोक्सो"} <= set(taxonomy["child_sexual_abuse"].keywords)
    assert taxonomy.emergency and taxonomy.emergency_sensitive and taxonomy.calm_phrases


def test_shipped_flags_follow_the_files_rules() -> None:
    taxonomy = shipped_taxonomy()
    sensitive = {c.code for c in taxonomy if c.sensitive}
    # sexual offences, children, trafficking, acid attack, domestic abuse, suicide and mental health
    assert {"rape", "sexual_harassment", "stalking", "molestation", "sextortion", "missing_child",
            "child_sexual_abuse", "child_labour", "child_marriage", "human_trafficking", "acid_attack",
            "domestic_violence", "dowry_harassment", "women_safety", "suicide_attempt",
            "mental_health_crisis"} == sensitive
    assert {c.code for c in taxonomy if not c.actionable} == {"praise", "greetings", "political_content",
                                                               "spam", "general_query"}
    assert taxonomy[FALLBACK].actionable and taxonomy[FALLBACK].priority is Priority.NORMAL
    assert taxonomy["vehicle_theft"].overrides == ("theft",)


# -- extension files --------------------------------------------------------------------------

EXTENSION = """
categories:
  - code: tractor_trolley_theft
    name: {en: Tractor trolley theft, hi: ट्रॉली चोरी}
    priority: normal
    overrides: [vehicle_theft]
    keywords:
      latn: [Trolley Chori, trolley chori]      # written naturally; duplicates collapse
      hi: [ट्रॉली चोरी]
  - code: cyber_fraud
    priority: critical
    keywords: {latn: [paisa nikal liya]}
  - code: illegal_liquor
    keywords: {latn: [tharra]}
  - code: drugs
    keywords: {latn: [sharab]}               # moves from illegal_liquor to drugs
emergency:
  latn: [jaldi aao]
  sensitive: {en: [locked in a room]}
calm:
  phrases: {latn: [jaldi aao jaldi jao]}
"""


def test_an_extension_adds_categories_keywords_and_overrides(tmp_path: Path) -> None:
    shipped = shipped_taxonomy()
    taxonomy = load_taxonomy([_write(tmp_path, "ours.yaml", EXTENSION)])
    assert taxonomy is not shipped and taxonomy.sources == ("taxonomy.yaml", "ours.yaml")
    new = taxonomy["tractor_trolley_theft"]
    assert (new.name.en, new.priority, new.actionable, new.sensitive, new.group) == (
        "Tractor trolley theft", Priority.NORMAL, True, False, "local")
    assert new.keywords == ("ट्रोली चोरी", "trolley chori") and new.overrides == ("vehicle_theft",)
    assert list(taxonomy.categories)[-1] == "tractor_trolley_theft"
    fraud = taxonomy["cyber_fraud"]
    assert fraud.priority is Priority.CRITICAL and fraud.keywords[-1] == "paisa nikal liya"
    assert fraud.keywords[:-1] == shipped["cyber_fraud"].keywords and fraud.sensitive is False
    assert "tharra" in taxonomy["illegal_liquor"].keywords
    assert "sharab" not in taxonomy["illegal_liquor"].keywords and "sharab" in taxonomy["drugs"].keywords
    assert "jaldi aao" in taxonomy.emergency and "locked in a room" in taxonomy.emergency_sensitive
    assert "jaldi aao jaldi jao" in taxonomy.calm_phrases
    # the shipped taxonomy itself is untouched
    assert shipped["cyber_fraud"].priority is Priority.HIGH and "sharab" in shipped["illegal_liquor"].keywords


def test_a_moved_keyword_takes_its_spelling_variants_along(tmp_path: Path) -> None:
    shipped = shipped_taxonomy()["land_dispute"].keywords
    assert {"jameen par kabja", "zameen par kabza"} <= set(shipped)
    ext = _write(tmp_path, "ext.yaml", "categories:\n- {code: encroachment, keywords: {latn: [Zamin Par Kabza]}}\n")
    taxonomy = load_taxonomy([ext])
    assert not {"jameen par kabja", "zameen par kabza"} & set(taxonomy["land_dispute"].keywords)
    assert "zamin par kabza" in taxonomy["encroachment"].keywords
    bad = _write(tmp_path, "bad.yaml", "categories:\n- {code: theft, keywords: {latn: [zameen par kabza]}}\n"
                                       "- {code: drugs, keywords: {latn: [jamin par kabja]}}\n")
    with pytest.raises(ConfigError, match="'jamin par kabja' is also a keyword of theft in this file"):
        load_taxonomy([bad])


def test_a_later_extension_changes_an_earlier_ones_category(tmp_path: Path) -> None:
    first = _write(tmp_path, "a.yaml", "categories:\n- {code: mine, name: {en: Mine}, priority: low}\n")
    second = _write(tmp_path, "b.yaml", "categories:\n- {code: mine, priority: high, sensitive: true,"
                                        " keywords: {en: [my thing]}}\n")
    mine = load_taxonomy([first, second])["mine"]
    assert (mine.priority, mine.sensitive, mine.keywords) == (Priority.HIGH, True, ("my thing",))


@pytest.mark.parametrize(("text", "expected"), [
    ("categories:\n- {code: cyberfraud, priority: high}\n",
     "[bad.yaml] categories[cyberfraud]: unknown category code; to add a category give it name"),
    ("categories:\n- {code: theft, priority: urgent}\n",
     "[bad.yaml] categories[theft].priority: unknown priority 'urgent' (use critical, high, normal, low)"),
    ("categories:\n- {code: theft, overrides: [nosuch]}\n",
     "[bad.yaml] categories[theft].overrides: unknown category 'nosuch'"),
    ("categories:\n- {code: theft, overrides: [theft]}\n",
     "[bad.yaml] categories[theft].overrides: a category cannot override itself"),
    ("categories:\n- {code: vehicle_theft, overrides: [x]}\n- {code: x, name: {en: X}, priority: low,"
     " overrides: [vehicle_theft]}\n",
     "[bad.yaml] categories[vehicle_theft].overrides: overrides form a cycle"),
    ("categories:\n- {code: theft, keywords: {en: [a b]}}\n- {code: theft, keywords: {en: [c d]}}\n",
     "[bad.yaml] categories[theft].code: category code is defined twice in this file"),
    ("categories:\n- {code: theft, keywords: {en: [joy ride]}}\n- {code: drugs, keywords: {en: [Joy  Ride!]}}\n",
     "[bad.yaml] categories[drugs].keywords: 'joy ride' is also a keyword of theft in this file"),
    ("categories:\n- {code: theft, keywords: {hi: ['!!!']}}\n",
     "[bad.yaml] categories[theft].keywords.hi: keyword '!!!' has no letters or digits"),
    ("categories:\n- {code: uncategorised, actionable: false}\n",
     "[bad.yaml] categories[uncategorised].actionable: the fallback category must be actionable"),
    ("categories:\n- {code: theft, colour: red}\n", "[bad.yaml] categories[theft].colour: unknown key"),
    ("categories:\n- {code: Theft}\n", "[bad.yaml] categories[Theft].code: String should match pattern"),
    ("categories:\n- {code: theft, sensitive: perhaps}\n", "[bad.yaml] categories[theft].sensitive:"),
    ("emergency: {fr: [au secours]}\n", "[bad.yaml] emergency.fr: unknown key"),
    ("tense: {soon: {en: [tomorrow]}}\n", "[bad.yaml] tense.soon: unknown key"),
    ("tense: {now: {en: ['...']}}\n", "[bad.yaml] tense.now.en: keyword '...' has no letters or digits"),
    ("categories:\n- {code: theft, cues: {en: ['?']}}\n",
     "[bad.yaml] categories[theft].cues.en: keyword '?' has no letters or digits"),
    ("categories:\n- {code: theft, urgent_now: sometimes}\n", "[bad.yaml] categories[theft].urgent_now:"),
    ("categories:\n- {code: theft, incident_window: soon}\n",
     "[bad.yaml] categories[theft].incident_window: not a duration: 'soon'"),
    ("version: 2\n", "[bad.yaml] version:"),
    ("categories: [\n", "[bad.yaml]: not valid YAML"),
])
def test_bad_extension_files_are_reported_with_file_code_and_key(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_taxonomy([_write(tmp_path, "bad.yaml", text)])
    lines = _problems(err)
    assert any(line.startswith(expected) for line in lines), lines


def test_every_problem_of_a_file_is_reported_at_once(tmp_path: Path) -> None:
    text = ("categories:\n"
            "- {code: theft, priority: urgent}\n"
            "- {code: new_one, keywords: {en: [x y]}}\n"
            "- {code: robbery, overrides: [nosuch]}\n"
            "- {priority: low}\n")
    with pytest.raises(ConfigError) as err:
        load_taxonomy([_write(tmp_path, "bad.yaml", text)])
    assert [str(p) for p in err.value.problems] == [
        "[bad.yaml] categories[theft].priority: unknown priority 'urgent' (use critical, high, normal, low)",
        "[bad.yaml] categories[#3].code: required key is missing",
        "[bad.yaml] categories[new_one]: unknown category code; to add a category give it name and priority",
        "[bad.yaml] categories[robbery].overrides: unknown category 'nosuch'",
    ]


def test_a_base_file_must_define_every_field(tmp_path: Path) -> None:
    base = _write(tmp_path, "base.yaml", "categories:\n- {code: uncategorised, name: {en: U}, priority: normal}\n")
    with pytest.raises(ConfigError, match=r"\[base.yaml\] categories\[uncategorised\]: a category needs group"):
        build_taxonomy([base], shipped=False)
    base = _write(tmp_path, "base.yaml", "categories:\n- {code: theft, name: {en: T}, priority: normal,"
                                         " group: g, sensitive: false, actionable: true}\n")
    with pytest.raises(ConfigError, match=r"\[base.yaml\] categories: the fallback category 'uncategorised'"):
        build_taxonomy([base], shipped=False)


# -- the [classify] config section ------------------------------------------------------------


@pytest.fixture
def plugins() -> Plugins:
    return load_plugins(entry_points_enabled=False, extra=[FakePlugin()])


def _config(tmp_path: Path, classify: str) -> Path:
    return _write(tmp_path, "shikayat.toml", f"""
[storage]
url = "sqlite:///x.db"

[units]
path = "{UNITS.as_posix()}"

[classify]
{classify}
""")


def test_config_extends_the_taxonomy_relative_to_the_config_file(tmp_path: Path, plugins: Plugins) -> None:
    (tmp_path / "taxonomy").mkdir()
    _write(tmp_path / "taxonomy", "ours.yaml", EXTENSION)
    config = load_config(_config(tmp_path, 'taxonomy = ["taxonomy/ours.yaml"]'), plugins)
    assert "tractor_trolley_theft" in config.taxonomy
    config = load_config(_config(tmp_path, 'taxonomy = "taxonomy/ours.yaml"'), plugins)   # one file
    assert "tractor_trolley_theft" in config.taxonomy
    config = load_config(_config(tmp_path, ""), plugins)
    assert config.taxonomy is shipped_taxonomy()


def test_config_reports_taxonomy_problems_naming_section_file_and_key(tmp_path: Path, plugins: Plugins) -> None:
    _write(tmp_path, "ours.yaml", "categories:\n- {code: theft, priority: urgent}\n- {code: nosuch}\n")
    with pytest.raises(ConfigError) as err:
        load_config(_config(tmp_path, 'taxonomy = ["ours.yaml", "missing.yaml"]'), plugins)
    assert _problems(err) == [f"[classify] taxonomy: {tmp_path / 'missing.yaml'} does not exist"]
    with pytest.raises(ConfigError) as err:
        load_config(_config(tmp_path, 'taxonomy = ["ours.yaml"]'), plugins)
    assert _problems(err) == [
        "[classify: ours.yaml] categories[theft].priority: unknown priority 'urgent' (use critical, high, normal, low)",
        "[classify: ours.yaml] categories[nosuch]: unknown category code; to add a category give it name and priority",
    ]
    with pytest.raises(ConfigError) as err:
        load_config(_config(tmp_path, 'taxonomy = ["ours.yaml"]\nthreshold = 3'), plugins)
    assert _problems(err) == ["[classify] threshold: unknown key"]


def test_an_extension_adds_cues_tense_words_and_the_urgent_now_flag(tmp_path: Path) -> None:
    shipped = shipped_taxonomy()
    ext = _write(tmp_path, "ext.yaml", "categories:\n"
                 "- {code: vehicle_theft, cues: {latn: [Tempo]}}\n"
                 "- {code: theft, urgent_now: true}\n"
                 "- {code: new_one, name: {en: New}, priority: low, urgent_now: true}\n"
                 "tense: {now: {latn: [Isi Waqt Abhi]}, past: {en: [a fortnight ago]}}\n")
    taxonomy = load_taxonomy([ext])
    assert taxonomy["vehicle_theft"].cues == (*shipped["vehicle_theft"].cues, "tempo")
    assert taxonomy["theft"].urgent_now and not shipped["theft"].urgent_now
    assert taxonomy["new_one"].urgent_now and not taxonomy["burglary"].urgent_now
    assert taxonomy.now_phrases[-1] == "isi waqt abhi" and taxonomy.past_phrases[-1] == "a fortnight ago"
    assert "abhi" in shipped.now_phrases and "yesterday" in shipped.past_phrases


def test_an_extension_gives_a_category_an_incident_window_or_takes_it_away(tmp_path: Path) -> None:
    from datetime import timedelta

    assert shipped_taxonomy().categories["fire"].incident_window == timedelta(hours=2)
    assert shipped_taxonomy().categories["chain_snatching"].incident_window is None
    ext = _write(tmp_path, "ext.yaml", "categories:\n- {code: chain_snatching, incident_window: 30m}\n"
                                       "- {code: fire, incident_window: 1d}\n")
    taxonomy = load_taxonomy([ext])
    assert taxonomy.categories["chain_snatching"].incident_window == timedelta(minutes=30)
    assert taxonomy.categories["fire"].incident_window == timedelta(days=1)
