"""The default jurisdiction router over the shipped sample units directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from shikayat.complaint import Author, Complaint, Location, utcnow
from shikayat.config import build_config
from shikayat.decisions import DecisionContext, Route
from shikayat.defaults.route import route_complaint
from shikayat.errors import ConfigError
from shikayat.pipeline.dedupe import DedupeIndex
from shikayat.platforms import Channel
from shikayat.plugins import Plugins, load_plugins
from shikayat.routing import RoutingRule
from shikayat.testing.fakes import FakeFeed, FakePlugin, FakeSettings
from shikayat.textnorm import normalize_text
from shikayat.types import RouteBasis
from shikayat.units import UnitKind, UnitsDirectory, load_units, sample_units_path

NOW = utcnow()


@pytest.fixture(scope="module")
def units() -> UnitsDirectory:
    return load_units(sample_units_path())


def route(units: UnitsDirectory, text: str, channel_unit: str | None = "up-hq", *, mentions: tuple[str, ...] = (),
          category: str = "uncategorised", location: Location | None = None,
          rules: tuple[RoutingRule, ...] = ()) -> Route:
    channel = None
    if channel_unit is not None:
        channel = Channel("ch", "twitter", FakeSettings(platform="twitter", unit=channel_unit))
    complaint = Complaint(platform="twitter", external_id="1", channel="ch" if channel else None,
                          author=Author(id="a1"), text=text, created_at=NOW, mentions=mentions,
                          category=category, location=location, text_normalized=normalize_text(text))
    context = DecisionContext(units=units, index=DedupeIndex(), now=NOW, channel=channel, rules=rules)
    result = route_complaint(complaint=complaint, context=context)
    assert result is not None
    return result


# -- place names ---------------------------------------------------------------------------------

def test_text_names_a_station_in_either_script(units: UnitsDirectory) -> None:
    assert route(units, "हज़रतगंज में मेरी चेन छीन ली") == Route(
        "up-lko-ps-hazratganj", "text names हजरतगंज → Hazratganj police station", RouteBasis.PLACE)
    assert route(units, "mobile chori hua hajratganj market me").unit == "up-lko-ps-hazratganj"


def test_longest_name_wins(units: UnitsDirectory) -> None:
    assert route(units, "Gomti Nagar Extension sector 4 me chori").unit == "up-lko-ps-gomti-nagar-extension"
    assert route(units, "गोमती नगर विस्तार में चोरी").unit == "up-lko-ps-gomti-nagar-extension"
    assert route(units, "Gomti Nagar me chori").unit == "up-lko-ps-gomtinagar"
    # a station name inside a longer place name is not the station
    assert route(units, "Jhansi Rani Square par jam", "ngp-cp").unit == "ngp-ps-sitabuldi"


def test_names_are_matched_on_word_boundaries(units: UnitsDirectory) -> None:
    # "agra" inside "Agrawal", "mau" inside "mausam", "kota" inside "kotak": no place named
    assert route(units, "Agrawal ji ka mausam kharab, kotak bank ka fraud").unit == "up-hq"


def test_station_and_its_city_keep_the_station(units: UnitsDirectory) -> None:
    result = route(units, "Lucknow ke Hazratganj me chain snatching")
    assert result == Route("up-lko-ps-hazratganj", "text names lucknow and hazratganj → Hazratganj police station", RouteBasis.PLACE)


def test_two_stations_of_one_city_go_to_the_city(units: UnitsDirectory) -> None:
    result = route(units, "Aliganj se Hazratganj tak pichha kiya")
    assert result == Route("up-lko-cp", "text names aliganj and hazratganj → Lucknow Police Commissionerate", RouteBasis.PLACE)


def test_two_districts_named_go_to_triage(units: UnitsDirectory) -> None:
    result = route(units, "Kanpur se Lucknow aate hue bus me jeb kati")
    assert result.unit == "up-triage"
    assert result.reason == ("ambiguous: text names kanpur and lucknow: Kanpur Police Commissionerate and "
                             "Lucknow Police Commissionerate → triage (UP Police social media triage desk)")


def test_gazipur_station_and_ghazipur_district(units: UnitsDirectory) -> None:
    text = "ग़ाज़ीपुर में दुकान से चोरी"                    # == गाजीपुर after nukta removal
    assert route(units, text, "up-lko-cp").unit == "up-lko-ps-gazipur"        # Lucknow's channel
    at_hq = route(units, text, "up-hq")
    assert at_hq.unit == "up-triage"
    assert at_hq.reason == ("ambiguous: text names गाजीपुर: Gazipur police station or Ghazipur → "
                            "triage (UP Police social media triage desk)")
    assert route(units, "जिला गाजीपुर में दुकान से चोरी", "up-hq").unit == "up-ghazipur"
    assert route(units, "गाजीपुर जिले में चोरी", "up-lko-cp").unit == "up-ghazipur"    # the text beats the channel
    assert route(units, "लखनऊ के गाजीपुर में चोरी", "up-hq").unit == "up-lko-ps-gazipur"  # the text names the city
    assert route(units, "Ghazipur me chori", "up-hq").unit == "up-ghazipur"    # romanized spellings differ


def test_pratapgarh_in_two_states(units: UnitsDirectory) -> None:
    assert route(units, "Pratapgarh me zameen par kabza", "rj-hq").unit == "rj-pratapgarh"
    assert route(units, "प्रतापगढ़ में जमीन पर कब्जा", "up-hq").unit == "up-pratapgarh"
    elsewhere = route(units, "Pratapgarh me zameen par kabza", "ngp-cp")
    assert elsewhere == Route("ngp-triage", "ambiguous: text names pratapgarh: Pratapgarh (Rajasthan) or "
                                            "Pratapgarh (Uttar Pradesh) → triage (Nagpur City Police triage desk)", RouteBasis.DESK)
    assert route(units, "Pratapgarh me zameen par kabza", None).unit in {"up-triage", "rj-triage", "ngp-triage"}


def test_civil_lines_is_placed_only_by_context(units: UnitsDirectory) -> None:
    # Nagpur's channel: its Civil Lines (Sadar police station)
    assert route(units, "Civil Lines me chain snatching", "ngp-cp") == Route(
        "ngp-ps-sadar", "text names civil lines → Sadar police station", RouteBasis.PLACE)
    # UP's channel: many UP cities have a Civil Lines; which one? → triage, not the channel's unit
    assert route(units, "Civil Lines me chain snatching", "up-hq") == Route(
        "up-triage", "ambiguous: text names civil lines, which no other name places → "
                     "triage (UP Police social media triage desk)", RouteBasis.DESK)
    # the text names the city: Kanpur's Civil Lines is Kanpur's; "Civil Lines, Nagpur" is Nagpur's
    assert route(units, "Civil Lines Kanpur me chain snatching", "up-hq") == Route(
        "up-kanpur-cp", "text names kanpur → Kanpur Police Commissionerate", RouteBasis.PLACE)
    assert route(units, "Civil Lines, Nagpur me chain snatching", "up-hq").unit == "ngp-ps-sadar"


def test_cantt_and_sadar_bazar_belong_to_the_channel_city(units: UnitsDirectory) -> None:
    assert route(units, "Cantt area me gaadi chori", "up-lko-cp").unit == "up-lko-ps-cantt"
    assert route(units, "Cantt area me gaadi chori", "up-hq").unit == "up-triage"    # which city's Cantt?
    assert route(units, "Sadar Bazar me jhagda", "up-lko-cp").unit == "up-lko-ps-cantt"
    assert route(units, "Sadar Bazar me jhagda", "ngp-cp").unit == "ngp-ps-sadar"
    assert route(units, "sadar tehsil ke bahar jhagda", "up-hq").unit == "up-hq"       # not Nagpur's Sadar
    # another place in the same text places a common name
    assert route(units, "Hazratganj se Cantt jaate hue", "up-hq").unit == "up-lko-cp"


def test_common_words_are_not_places(units: UnitsDirectory) -> None:
    # basti (settlement), banda (a man), sambhal (take care), mal (goods), naka (checkpoint)
    text = "hamari basti me ek banda naka par maal le raha tha, sambhal ke rehna"
    assert route(units, text, "up-hq").unit == "up-hq"
    assert route(units, "जिला बस्ती में चोरी", "up-hq").unit == "up-basti"


def test_a_district_in_a_road_name_does_not_place_the_complaint(units: UnitsDirectory) -> None:
    # the other names decide
    assert route(units, "Faizabad Road, Lucknow me Chinhat ke paas truck ne takkar maari").unit == "up-lko-ps-chinhat"
    assert route(units, "Kanpur Road par Krishna Nagar ke paas jhagda", "up-lko-cp").unit == "up-lko-ps-krishna-nagar"
    assert route(units, "लखनऊ-कानपुर हाईवे पर उन्नाव के पास ट्रक पलटा").unit == "up-unnao"
    assert route(units, "agra lucknow expressway par etawah ke paas loot").unit == "up-etawah"
    # a hospital named after a district stands in the city where the text places it
    assert route(units, "Charbagh pe accident, ghayal ko Balrampur hospital le gaye", "up-lko-cp").unit == "up-lko-ps-naka"
    # on a city's channel a road named after another district is the city's road
    assert route(units, "Sitapur road par bheed ne ek aadmi ko peeta", "up-lko-cp") == Route(
        "up-lko-cp", "received on channel ch → Lucknow Police Commissionerate", RouteBasis.CHANNEL)
    # nothing else named, on a state's channel: the road's names as usual
    assert route(units, "Agra Road par accident").unit == "up-agra-cp"
    assert route(units, "सीकर-जयपुर हाईवे पर बस पलटी", "rj-hq").unit == "rj-triage"
    # a station's name before "road" still names the station
    assert route(units, "Aliganj road par chain chheeni").unit == "up-lko-ps-aliganj"


def test_contractions_are_not_place_names(units: UnitsDirectory) -> None:
    # "can't" is not Cantt, "Lucknow's" is Lucknow
    assert route(units, "I can't reach anyone, please help", "up-lko-cp").unit == "up-lko-cp"
    assert route(units, "Aliganj: I can't find my scooter", "up-lko-cp").unit == "up-lko-ps-aliganj"
    assert route(units, "Lucknow's traffic is terrible").unit == "up-lko-cp"


def test_the_writer_s_correction_wins(units: UnitsDirectory) -> None:
    assert route(units, "chori Aliganj me hui? nahi, Hazratganj me", "up-lko-cp").unit == "up-lko-ps-hazratganj"
    assert route(units, "Gomti Nagar extension? No sorry, Vibhuti Khand", "up-lko-cp").unit == "up-lko-ps-vibhuti-khand"
    assert route(units, "Hazratganj, sorry I mean Aliganj", "up-lko-cp").unit == "up-lko-ps-aliganj"
    # a correction with no place after it changes nothing
    assert route(units, "Aliganj se Hazratganj tak pichha kiya, sorry for my English", "up-lko-cp").unit == "up-lko-cp"


def test_hindi_oblique_forms_find_the_place(units: UnitsDirectory) -> None:
    assert route(units, "आगरे में चोरी हुई").unit == "up-agra-cp"
    assert route(units, "गोल दरवाजे के पास ठेले", "up-lko-cp").unit == "up-lko-ps-chowk"
    assert route(units, "पारा थाने में रिपोर्ट नहीं लिखी").unit == "up-lko-ps-para"


def test_a_police_station_word_places_a_station(units: UnitsDirectory) -> None:
    # a name many cities share, next to thana / थाना क्षेत्र / kotwali, is the station's
    assert route(units, "Krishna Nagar thane me koi sunwai nahi").unit == "up-lko-ps-krishna-nagar"
    assert route(units, "थाना क्षेत्र सरोजिनी नगर में चोरी").unit == "up-lko-ps-sarojini-nagar"
    assert route(units, "Krishna Nagar me koi sunwai nahi").unit == "up-triage"        # which Krishna Nagar?
    # a name a district and a station share: the station
    assert route(units, "गाजीपुर थाने में शिकायत की थी").unit == "up-lko-ps-gazipur"
    assert route(units, "गाजीपुर में शिकायत की थी").unit == "up-triage"


def test_on_a_city_channel_places_inside_the_city_win(units: UnitsDirectory) -> None:
    text = "PGI thana area me ghar me chori, hum Kanpur gaye the shaadi me"
    assert route(units, text, "up-lko-cp").unit == "up-lko-ps-pgi"
    assert route(units, text, "up-hq").unit == "up-triage"               # no city to prefer
    # the city itself against another district: still two places
    assert route(units, "Kanpur se Lucknow aate hue jeb kati", "up-lko-cp").unit == "up-triage"


def test_a_shared_name_nothing_places_lets_coordinates_decide(units: UnitsDirectory) -> None:
    near_ganj = Location(latitude=26.8505, longitude=80.9465)
    assert route(units, "Civil Lines me chain chheen li", location=near_ganj).unit == "up-lko-ps-hazratganj"
    # ordinary words that name a place only in one city ("sadar") say nothing elsewhere
    assert route(units, "sadar tehsil ke bahar jhagda", "up-hq").unit == "up-hq"
    assert route(units, "mahanagar ki bheed me jeb kati", "up-hq").unit == "up-hq"
    assert route(units, "mahanagar me jeb kati", "up-lko-cp").unit == "up-lko-ps-mahanagar"


def test_chowk_is_lucknow_s_chowk_only_where_lucknow_is_meant(units: UnitsDirectory) -> None:
    assert route(units, "chowk me do guton me jhagda", "up-lko-cp").unit == "up-lko-ps-chowk"
    assert route(units, "चौक थाने में सुनवाई नहीं", "up-hq").unit == "up-lko-ps-chowk"     # a station word
    assert route(units, "chowk par bahut jam hai", "up-hq").unit == "up-hq"          # an ordinary word
    # after another name it only describes that place
    assert route(units, "Hazratganj chowk par jam", "up-lko-cp").unit == "up-lko-ps-hazratganj"
    assert route(units, "Polytechnic chowk par jam", "up-lko-cp").unit == "up-lko-ps-gazipur"


@pytest.mark.parametrize(("text", "channel_unit", "unit"), [
    ("बक्शी का तालाब में खनन", "up-lko-cp", "up-lko-ps-bkt"),               # another spelling
    ("Ekana stadium ke bahar jhagda", "up-lko-cp", "up-lko-ps-sushant-golf-city"),
    ("Modinagar me firing", "up-hq", "up-ghaziabad-cp"),                    # a district's town
    ("Oel ke paas accident", "up-hq", "up-lakhimpur-kheri"),
    ("रींगस में चोरी", "rj-hq", "rj-sikar"),
    ("Dashashwamedh ghat par bheed", "up-hq", "up-varanasi-cp"),            # a city's landmark
])
def test_localities_towns_and_landmarks(units: UnitsDirectory, text: str, channel_unit: str, unit: str) -> None:
    assert route(units, text, channel_unit).unit == unit


def test_place_in_another_force_is_routed_there(units: UnitsDirectory) -> None:
    assert route(units, "Jaipur me mera phone chori hua", "up-hq").unit == "rj-jaipur"


# -- the other steps ---------------------------------------------------------------------------

def test_rule_comes_first(units: UnitsDirectory) -> None:
    rules = (RoutingRule(category="cyber_fraud", unit="rj-cyber-cell", force="rj"),
             RoutingRule(category="cyber_fraud", unit="up-cyber-cell", force="up"))
    result = route(units, "Hazratganj: UPI fraud", mentions=("lkopshazratganj_example",),
                   category="cyber_fraud", rules=rules)
    assert result == Route("up-cyber-cell", "rule: category cyber_fraud → UP Cyber Crime Cell", RouteBasis.RULE)
    # another category, or a channel of another force, falls through to the other steps
    assert route(units, "Hazratganj: UPI fraud", category="theft", rules=rules).unit == "up-lko-ps-hazratganj"
    assert route(units, "UPI fraud", "ngp-cp", category="cyber_fraud", rules=rules).unit == "ngp-cp"
    narrow = (RoutingRule(category="cyber_fraud", unit="up-cyber-cell", platform="whatsapp"),
              RoutingRule(category="cyber_fraud", unit="up-triage", channel="other"))
    assert route(units, "UPI fraud", category="cyber_fraud", rules=narrow).unit == "up-hq"


def test_tagged_handle_beats_place_names_but_a_place_inside_it_refines(units: UnitsDirectory) -> None:
    assert route(units, "Aliganj me chori", mentions=("lkopshazratganj_example",)) == Route(
        "up-lko-ps-hazratganj", "tagged @lkopshazratganj_example → Hazratganj police station", RouteBasis.TAG)
    assert route(units, "Hazratganj me chori", mentions=("ssplucknow",)) == Route(
        "up-lko-ps-hazratganj", "tagged @ssplucknow, text names hazratganj → Hazratganj police station", RouteBasis.PLACE)
    assert route(units, "chori ho gayi", mentions=("uppolice", "ssplucknow")) == Route(
        "up-lko-cp", "tagged @ssplucknow → Lucknow Police Commissionerate", RouteBasis.TAG)
    assert route(units, "chori ho gayi", mentions=("nobody", "lkopsaliganj")).unit == "up-hq"   # unknown handles


def test_tagging_the_receiving_account_says_nothing(units: UnitsDirectory) -> None:
    # @uppolice is the channel's own unit: the place in the text decides
    assert route(units, "@uppolice Aliganj me chori", mentions=("uppolice",)).unit == "up-lko-ps-aliganj"
    assert route(units, "chori ho gayi", "up-lko-cp", mentions=("uppolice",)).unit == "up-lko-cp"


def test_coordinates_when_the_text_names_no_place(units: UnitsDirectory) -> None:
    near_ganj = Location(latitude=26.8505, longitude=80.9465)
    result = route(units, "chain chheen li", location=near_ganj)
    assert result.unit == "up-lko-ps-hazratganj"
    assert result.reason.startswith("coordinates 26.8505,80.9465 are 0.1 km from the centre of Hazratganj")
    assert route(units, "chain chheen li", location=Location(latitude=25.45, longitude=78.58)).unit == "up-jhansi"
    # far from every unit, or only a place name: the channel's unit
    assert route(units, "chain chheen li", location=Location(latitude=13.08, longitude=80.27)).unit == "up-hq"
    assert route(units, "chain chheen li", location=Location(place_name="Lucknow")).unit == "up-hq"
    # the text wins over coordinates
    assert route(units, "Aliganj me", location=near_ganj).unit == "up-lko-ps-aliganj"


def test_channel_unit_then_triage(units: UnitsDirectory) -> None:
    assert route(units, "kuch hua hai", "up-lko-cp") == Route("up-lko-cp", "received on channel ch → Lucknow Police Commissionerate", RouteBasis.CHANNEL)
    result = route(units, "kuch hua hai", None)            # no channel: some force's desk
    assert units.units[result.unit].kind is UnitKind.DESK
    assert result.reason.startswith("no rule, tag, place or channel unit")


# -- [routing] in the configuration ---------------------------------------------------------------

@pytest.fixture
def plugins() -> Plugins:
    return load_plugins(entry_points_enabled=False, extra=[FakePlugin(FakeFeed())])


def _config(plugins: Plugins, routing: object) -> object:
    raw = {"storage": {"url": "sqlite:///x.db"}, "routing": routing,
           "channels": {"up": {"platform": "fake", "unit": "up-hq"}}}
    return build_config(raw, plugins, base=Path("."))


def test_routing_rules_are_loaded(plugins: Plugins) -> None:
    config = _config(plugins, {"rules": [{"category": "cyber_fraud", "unit": "up-cyber-cell", "force": "up",
                                          "channel": "up", "platform": "fake"}]})
    assert config.routing.rules == (RoutingRule(category="cyber_fraud", unit="up-cyber-cell", force="up",  # type: ignore[attr-defined]
                                                channel="up", platform="fake"),)


def test_routing_rule_problems_name_the_rule_and_key(plugins: Plugins) -> None:
    with pytest.raises(ConfigError) as err:
        _config(plugins, {"rules": [
            {"category": "cyber_fraud", "unit": "x"},
            {"category": "cyber_fraud", "unit": "up-hq", "force": "mp", "channel": "nope", "platform": "telegram"},
        ]})
    lines = [str(p) for p in err.value.problems]
    assert "[routing] rules[0].unit: unknown unit 'x'" in lines
    assert any(line.startswith("[routing] rules[1].force: unknown force 'mp'") for line in lines)
    assert any(line.startswith("[routing] rules[1].channel: unknown channel 'nope'") for line in lines)
    assert any(line.startswith("[routing] rules[1].platform: no installed plugin provides 'telegram'") for line in lines)
    # shape errors are reported before the references are checked
    with pytest.raises(ConfigError) as err:
        _config(plugins, {"rules": [{"unit": "up-hq", "categry": "x"}, {"category": "Cyber Fraud", "unit": "up-hq"}]})
    lines = [str(p) for p in err.value.problems]
    assert "[routing] rules[0].category: required key is missing" in lines
    assert "[routing] rules[0].categry: unknown key" in lines
    assert any(line.startswith("[routing] rules[1].category:") for line in lines)
