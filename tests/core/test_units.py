from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from shikayat.errors import ConfigError
from shikayat.types import Priority
from shikayat.units import UnitKind, UnitsDirectory, load_units, parse_duration, sample_units_path

FIXTURE = Path(__file__).parent / "fixtures" / "units"


def test_loads_hierarchy_handles_and_sla() -> None:
    units = load_units(FIXTURE)
    assert len(units) == 4
    assert units.by_handle("fake", "@PS_Ganj").id == "tf-city-ganj"  # type: ignore[union-attr]
    assert units.by_handle("twitter", "ps_ganj") is None
    assert units.depth("tf-hq") == 0 and units.depth("tf-city-ganj") == 2
    assert [u.id for u in units.ancestors("tf-city-ganj")] == ["tf-city", "tf-hq"]
    assert units.triage_desk("tf").id == "tf-triage"  # type: ignore[union-attr]
    # own override, then the nearest ancestor's, else none
    assert units.sla_for("tf-city-ganj", Priority.NORMAL) == timedelta(hours=1)
    assert units.sla_for("tf-city-ganj", Priority.CRITICAL) == timedelta(minutes=15)
    assert units.sla_for("tf-city", Priority.LOW) is None


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_errors_name_file_unit_and_key(tmp_path: Path) -> None:
    path = _write(tmp_path, """
force: {id: x, name: {en: X}}
units:
  - {id: x-hq, kind: state_hq, name: {en: HQ}, parent: null}
  - {id: x-ps, kind: police_stationn, name: {en: PS}, parent: x-hq}
  - {id: x-ps2, kind: police_station, name: {en: PS2}, parent: x-nowhere, sla: {normal: soon}}
""")
    with pytest.raises(ConfigError) as err:
        load_units(path)
    text = str(err.value)
    assert "[bad.yaml] units[x-ps].kind" in text
    assert "units[x-ps2].sla.normal" in text and "not a duration" in text


def test_unknown_parent_duplicate_handle_and_roots(tmp_path: Path) -> None:
    path = _write(tmp_path, """
force: {id: x, name: {en: X}}
units:
  - {id: x-hq, kind: state_hq, name: {en: HQ}, parent: null, handles: {twitter: [same]}}
  - {id: x-a, kind: district, name: {en: A}, parent: x-missing, handles: {twitter: [Same]}}
  - {id: x-b, kind: district, name: {en: B}, parent: null}
""")
    with pytest.raises(ConfigError) as err:
        load_units(path)
    lines = [str(p) for p in err.value.problems]
    assert any("units[x-a].parent" in line and "x-missing" in line for line in lines)
    assert any("@Same already belongs to x-hq" in line for line in lines)
    assert any("exactly one root" in line for line in lines)


def test_missing_directory_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_units(tmp_path / "nope")


@pytest.mark.parametrize(("text", "seconds"), [("30m", 1800), ("2h", 7200), ("1d", 86400), ("45s", 45), (90, 90)])
def test_parse_duration(text: str | int, seconds: int) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("bad", ["soon", "-1h", "0m", 0, "2 weeks"])
def test_parse_duration_rejects(bad: str | int) -> None:
    with pytest.raises(ValueError):
        parse_duration(bad)


def test_bad_alias_and_location_are_reported_with_file_unit_and_key(tmp_path: Path) -> None:
    path = _write(tmp_path, """
force: {id: x, name: {en: X}}
units:
  - {id: x-hq, kind: state_hq, name: {en: HQ}, parent: null}
  - {id: x-d, kind: district, name: {en: D}, parent: x-hq, aliases: {latn: ["--"]}, location: {lat: 95, lon: 80}}
  - {id: x-e, kind: district, name: {en: E}, parent: x-hq, aliases: {urdu: [e]}}
""")
    with pytest.raises(ConfigError) as err:
        load_units(path)
    lines = [str(p) for p in err.value.problems]
    assert any(line.startswith("[bad.yaml] units[x-d].location.lat:") for line in lines)
    assert "[bad.yaml] units[x-e].aliases.urdu: unknown key" in lines
    # the file is not added, so the alias check runs once the location is fixed
    path.write_text(path.read_text(encoding="utf-8").replace("lat: 95", "lat: 25"), encoding="utf-8")
    path.write_text(path.read_text(encoding="utf-8").replace(", aliases: {urdu: [e]}", ""), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[bad.yaml\] units\[x-d\].aliases.latn: '--' has no letters"):
        load_units(path)


# -- the shipped sample directory ------------------------------------------------------------

UP_DISTRICTS = {
    "Agra": "up-agra-cp", "Aligarh": "up-aligarh", "Ambedkar Nagar": "up-ambedkar-nagar", "Amethi": "up-amethi",
    "Amroha": "up-amroha", "Auraiya": "up-auraiya", "Ayodhya": "up-ayodhya", "Azamgarh": "up-azamgarh",
    "Baghpat": "up-baghpat", "Bahraich": "up-bahraich", "Ballia": "up-ballia", "Balrampur": "up-balrampur",
    "Banda": "up-banda", "Barabanki": "up-barabanki", "Bareilly": "up-bareilly", "Basti": "up-basti",
    "Bhadohi": "up-bhadohi", "Bijnor": "up-bijnor", "Budaun": "up-budaun", "Bulandshahr": "up-bulandshahr",
    "Chandauli": "up-chandauli", "Chitrakoot": "up-chitrakoot", "Deoria": "up-deoria", "Etah": "up-etah",
    "Etawah": "up-etawah", "Farrukhabad": "up-farrukhabad", "Fatehpur": "up-fatehpur", "Firozabad": "up-firozabad",
    "Gautam Buddh Nagar": "up-gbn-cp", "Ghaziabad": "up-ghaziabad-cp", "Ghazipur": "up-ghazipur", "Gonda": "up-gonda",
    "Gorakhpur": "up-gorakhpur", "Hamirpur": "up-hamirpur", "Hapur": "up-hapur", "Hardoi": "up-hardoi",
    "Hathras": "up-hathras", "Jalaun": "up-jalaun", "Jaunpur": "up-jaunpur", "Jhansi": "up-jhansi",
    "Kannauj": "up-kannauj", "Kanpur Dehat": "up-kanpur-dehat", "Kanpur Nagar": "up-kanpur-cp", "Kasganj": "up-kasganj",
    "Kaushambi": "up-kaushambi", "Kushinagar": "up-kushinagar", "Lakhimpur Kheri": "up-lakhimpur-kheri",
    "Lalitpur": "up-lalitpur", "Lucknow": "up-lko-cp", "Maharajganj": "up-maharajganj", "Mahoba": "up-mahoba",
    "Mainpuri": "up-mainpuri", "Mathura": "up-mathura", "Mau": "up-mau", "Meerut": "up-meerut",
    "Mirzapur": "up-mirzapur", "Moradabad": "up-moradabad", "Muzaffarnagar": "up-muzaffarnagar",
    "Pilibhit": "up-pilibhit", "Pratapgarh": "up-pratapgarh", "Prayagraj": "up-prayagraj-cp",
    "Raebareli": "up-raebareli", "Rampur": "up-rampur", "Saharanpur": "up-saharanpur", "Sambhal": "up-sambhal",
    "Sant Kabir Nagar": "up-sant-kabir-nagar", "Shahjahanpur": "up-shahjahanpur", "Shamli": "up-shamli",
    "Shravasti": "up-shravasti", "Siddharthnagar": "up-siddharthnagar", "Sitapur": "up-sitapur",
    "Sonbhadra": "up-sonbhadra", "Sultanpur": "up-sultanpur", "Unnao": "up-unnao", "Varanasi": "up-varanasi-cp",
}
RJ_DISTRICTS = [
    "ajmer", "alwar", "balotra", "banswara", "baran", "barmer", "beawar", "bharatpur", "bhilwara", "bikaner",
    "bundi", "chittorgarh", "churu", "dausa", "deeg", "dholpur", "didwana-kuchaman", "dungarpur", "hanumangarh",
    "jaipur", "jaisalmer", "jalore", "jhalawar", "jhunjhunu", "jodhpur", "karauli", "khairthal-tijara", "kota",
    "kotputli-behror", "nagaur", "pali", "phalodi", "pratapgarh", "rajsamand", "salumbar", "sawai-madhopur",
    "sikar", "sirohi", "sri-ganganagar", "tonk", "udaipur",
]
EXISTING_IDS = [
    "up-hq", "up-triage", "up-cyber-cell", "up-women-helpline", "up-zone-lucknow", "up-range-lucknow", "up-lko-cp",
    "up-lko-central", "up-lko-east", "up-lko-north", "up-barabanki", "up-sitapur", "up-kanpur-cp", "up-meerut",
    *(f"up-lko-ps-{s}" for s in ("hazratganj", "aminabad", "kaiserbagh", "naka", "gomtinagar", "chinhat",
                                  "indiranagar", "aliganj", "vikasnagar", "jankipuram")),
]
PUBLIC_HANDLES = {"uppolice", "dgpup", "adgzonelucknow", "igrangelucknow", "ssplucknow"}
DISTRICT_LEVEL = {UnitKind.DISTRICT, UnitKind.COMMISSIONERATE}


@pytest.fixture(scope="module")
def sample() -> UnitsDirectory:
    return load_units(sample_units_path())


def test_sample_has_every_up_district_with_hindi_name_under_a_range_or_zone(sample: UnitsDirectory) -> None:
    districts = {uid for uid, u in sample.units.items() if sample.force_of[uid] == "up" and u.kind in DISTRICT_LEVEL}
    assert districts == set(UP_DISTRICTS.values())
    for uid in districts:
        unit = sample.units[uid]
        assert unit.name.hi and unit.aliases.hi, uid
        parent = sample.units[unit.parent]  # type: ignore[index]
        assert parent.kind in {UnitKind.RANGE, UnitKind.ZONE}, uid
    # the district's English name finds it (Sambhal and Basti only in their unambiguous forms)
    for name, uid in UP_DISTRICTS.items():
        if name not in {"Sambhal", "Basti", "Banda"}:
            assert uid in [e.unit for e in sample.places.lookup(name)], name
    for name, uid in {"जिला संभल": "up-sambhal", "basti jila": "up-basti", "बांदा": "up-banda"}.items():
        assert [e.unit for e in sample.places.lookup(name)] == [uid]


def test_sample_has_all_41_rajasthan_districts_and_ranges(sample: UnitsDirectory) -> None:
    districts = {uid for uid, u in sample.units.items() if sample.force_of[uid] == "rj" and u.kind in DISTRICT_LEVEL}
    assert districts == {f"rj-{d}" for d in RJ_DISTRICTS}
    assert all(sample.units[d].name.hi and sample.units[d].aliases.hi for d in districts)
    assert all(sample.units[sample.units[d].parent].kind is UnitKind.RANGE for d in districts)  # type: ignore[index]
    assert {"rj-hq", "rj-triage", "rj-cyber-cell"} <= set(sample.units)
    assert sample.triage_desk("rj").id == "rj-triage"  # type: ignore[union-attr]


def test_sample_lucknow_stations_nagpur_zone_2_and_kept_ids(sample: UnitsDirectory) -> None:
    stations = [u for uid, u in sample.units.items()
                if u.kind is UnitKind.POLICE_STATION and sample.within(uid, "up-lko-cp")]
    assert len(stations) >= 45
    assert all(u.id.startswith("up-lko-ps-") and sample.units[u.parent].kind is UnitKind.ZONE_DCP  # type: ignore[index]
               for u in stations)
    for uid in EXISTING_IDS:
        assert uid in sample, uid
    assert {"up-traffic", "up-lko-south", "up-lko-west", "up-lko-ps-gazipur", "up-lko-ps-gomti-nagar-extension"} <= set(sample.units)
    ngp = {uid for uid in sample.units if sample.force_of[uid] == "ngp"}
    assert {"ngp-cp", "ngp-triage", "ngp-zone-2", "ngp-ps-sitabuldi", "ngp-ps-sadar", "ngp-ps-ambazari"} <= ngp
    assert sample.units["ngp-cp"].parent is None


def test_sample_handles_are_public_or_marked_examples(sample: UnitsDirectory) -> None:
    seen_public = set()
    for unit in sample.units.values():
        handles = [h for hs in unit.handles.values() for h in hs]
        invented = [h for h in handles if h not in PUBLIC_HANDLES]
        assert all(h.endswith("_example") for h in invented), (unit.id, invented)
        assert unit.example == bool(invented), unit.id
        seen_public |= set(handles) & PUBLIC_HANDLES
    assert seen_public == PUBLIC_HANDLES
    # Nagpur's stations each have their own account, as in the real force
    assert all(sample.units[uid].handles for uid in sample.units if uid.startswith("ngp-ps-"))


def test_every_alias_finds_its_unit(sample: UnitsDirectory) -> None:
    for unit in sample.units.values():
        for name in [*unit.aliases.all(), *unit.aliases.common, *unit.aliases.local]:
            assert unit.id in [e.unit for e in sample.places.lookup(name)], (unit.id, name)


def test_shared_names_point_at_every_unit_that_bears_them(sample: UnitsDirectory) -> None:
    def units_of(name: str) -> set[str]:
        return {e.unit for e in sample.places.lookup(name)}

    # nukta removal makes Lucknow's Gazipur station and Ghazipur district one name in Devanagari
    assert units_of("ग़ाज़ीपुर") == units_of("गाजीपुर") == {"up-ghazipur", "up-lko-ps-gazipur"}
    assert units_of("Pratapgarh") == units_of("प्रतापगढ़") == {"up-pratapgarh", "rj-pratapgarh"}
    assert units_of("Sadar Bazar") == {"up-lko-ps-cantt", "ngp-ps-sadar"}
    assert all(e.common for e in sample.places.lookup("Civil Lines"))


@pytest.mark.parametrize(("written", "unit"), [
    ("Hajratganj", "up-lko-ps-hazratganj"), ("HAZRAT GANJ", "up-lko-ps-hazratganj"),
    ("हज़रतगंज", "up-lko-ps-hazratganj"), ("हजरतगंज", "up-lko-ps-hazratganj"),
    ("Rae Bareli", "up-raebareli"), ("raibareli", "up-raebareli"), ("रायबरेली", "up-raebareli"),
    ("Raebareilly", "up-raebareli"),                     # ae/ai, doubled letters
    ("Allahabad", "up-prayagraj-cp"), ("इलाहाबाद", "up-prayagraj-cp"), ("Faizabad", "up-ayodhya"),
    ("Mujaffarnagar", "up-muzaffarnagar"), ("Muzafarnagar", "up-muzaffarnagar"),       # z/j, doubled letters
    ("मुज़फ़्फ़रनगर", "up-muzaffarnagar"),
    ("Seetapur", "up-sitapur"), ("Gorakhpoor", "up-gorakhpur"), ("Phirozabad", "up-firozabad"),  # ee/i, oo/u, ph/f
    ("Vikasnagar", "up-lko-ps-vikasnagar"), ("Wikas Nagar", "up-lko-ps-vikasnagar"),            # spacing, w/v
    ("गोमतीनगर", "up-lko-ps-gomtinagar"), ("गोमतिनगर", "up-lko-ps-gomtinagar"),                  # ी/ि
    ("इन्दिरा नगर", "up-lko-ps-indiranagar"), ("कौशांबी", "up-kaushambi"), ("कौशाम्बी", "up-kaushambi"),  # न्/ं
    ("Didwana Kuchaman", "rj-didwana-kuchaman"), ("Didwana-Kuchaman", "rj-didwana-kuchaman"),
])
def test_spelling_variants_find_the_unit(sample: UnitsDirectory, written: str, unit: str) -> None:
    assert unit in {e.unit for e in sample.places.lookup(written)}


def test_located_prefers_the_most_specific_unit_within_its_radius(sample: UnitsDirectory) -> None:
    found = sample.located(26.8505, 80.9465)                   # by Hazratganj crossing
    assert found is not None and found[0].id == "up-lko-ps-hazratganj" and found[1] < 0.2
    found = sample.located(26.95, 80.80)                       # Lucknow outskirts: no station near
    assert found is not None and found[0].id == "up-lko-cp"
    found = sample.located(26.92, 75.80)                       # Jaipur
    assert found is not None and found[0].id == "rj-jaipur"
    assert sample.located(13.08, 80.27) is None                # Chennai: no unit anywhere near
