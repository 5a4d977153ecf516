"""Routing through the real pipeline: ``[routing]`` rules from the configuration, place names,
and the routed unit's SLA override (SQLite file and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson

from shikayat.complaint import Complaint, RawPost, utcnow
from shikayat.config import build_config
from shikayat.pipeline import Pipeline
from shikayat.plugins import Plugins
from shikayat.store import Store

NOW = utcnow().replace(microsecond=0)


def raw(post_id: str, text: str, channel: str, **extra: Any) -> RawPost:
    body = {"id": post_id, "author": f"a{post_id}", "handle": f"user_{post_id}", "text": text,
            "created_at": NOW.isoformat(), **extra}
    return RawPost(platform="fake", external_id=post_id, channel=channel, payload=orjson.dumps(body))


def _run(pstore: Store, plugins: Plugins, config_raw: dict[str, Any], tmp_path: Path,
         posts: list[RawPost]) -> dict[str, Complaint]:
    config = build_config(config_raw, plugins, base=tmp_path)
    pipeline = Pipeline.from_config(config, plugins, pstore, lease_seconds=30)
    pstore.add_raw(posts)
    assert pipeline.drain().processed == len(posts)
    return {c.external_id: c for c in pstore.iter_complaints()}


def test_config_rules_and_place_names_route_and_the_unit_sla_applies(
        pstore: Store, plugins: Plugins, config_raw: dict[str, Any], tmp_path: Path) -> None:
    config_raw["routing"] = {"rules": [{"category": "uncategorised", "unit": "tf-city-ganj", "channel": "quiet"}]}
    by_id = _run(pstore, plugins, config_raw, tmp_path, [
        raw("r1", "kuch hua hai", "quiet"),             # the rule (default classifier: uncategorised)
        raw("r2", "Ganj me kal raat ghar se mobile phone chori ho gaya", "city"),   # no rule here: the place name
        raw("r3", "kuch hua hai", "city"),              # neither: the channel's unit
    ])
    assert (by_id["r1"].unit, by_id["r1"].unit_reason) == ("tf-city-ganj", "rule: category uncategorised → Ganj police station")
    assert (by_id["r2"].unit, by_id["r2"].unit_reason) == ("tf-city-ganj", "text names ganj → Ganj police station")
    assert by_id["r3"].unit == "tf-city"
    # the station overrides normal priority (a theft told in the past) with 1 h; the city has no override: the 2 h default
    assert by_id["r1"].sla_due == by_id["r1"].received_at + timedelta(hours=1)
    assert by_id["r2"].sla_due == by_id["r2"].received_at + timedelta(hours=1)
    assert by_id["r3"].sla_due == by_id["r3"].received_at + timedelta(hours=2)


def test_sample_directory_routes_lucknow_posts_to_their_station(
        pstore: Store, plugins: Plugins, config_raw: dict[str, Any], tmp_path: Path) -> None:
    del config_raw["units"]                              # the shipped sample directory
    config_raw["channels"] = {"lko": {"platform": "fake", "unit": "up-lko-cp", "account_id": "police"}}
    config_raw["routing"] = {"rules": [{"category": "uncategorised", "unit": "up-cyber-cell", "force": "rj"}]}
    by_id = _run(pstore, plugins, config_raw, tmp_path, [
        raw("s1", "हज़रतगंज में मेरी चेन छीन ली", "lko"),
        raw("s2", "Cantt area me bike chori", "lko"),
        raw("s3", "ग़ाज़ीपुर थाने के पास झगड़ा", "lko"),
        raw("s4", "Kanpur se aate hue Unnao me luta", "lko"),
    ])
    assert (by_id["s1"].unit, by_id["s1"].unit_reason) == ("up-lko-ps-hazratganj", "text names हजरतगंज → Hazratganj police station")
    assert by_id["s2"].unit == "up-lko-ps-cantt"
    assert by_id["s3"].unit == "up-lko-ps-gazipur"
    assert by_id["s4"].unit == "up-triage" and (by_id["s4"].unit_reason or "").startswith("ambiguous: text names kanpur and unnao")
