from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from shikayat.errors import ConfigError
from shikayat.types import Priority
from shikayat.units import load_units, parse_duration

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
