from __future__ import annotations

from pathlib import Path

import pytest

from shikayat.config import load_config
from shikayat.errors import ConfigError
from shikayat.plugins import Plugins, load_plugins
from shikayat.testing.fakes import FakePlugin

UNITS = Path(__file__).parent / "fixtures" / "units"


@pytest.fixture
def plugins() -> Plugins:
    return load_plugins(entry_points_enabled=False, extra=[FakePlugin()])


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "shikayat.toml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD = f"""
[storage]
url = "sqlite:///data/shikayat.db"

[units]
path = "{UNITS.as_posix()}"

[daemon]
port = 0

[dedupe]
window = "3d"
others_window = "1d"
others_similarity = 0.7
guards = ["vehicle", "phone"]
handle_platforms = ["fake"]

[sla]
critical = "10m"

[channels.city]
platform = "fake"
unit = "tf-city"
webhook_secret = "s"
"""


def test_good_config_resolves_paths_and_settings(tmp_path: Path, plugins: Plugins) -> None:
    config = load_config(_config(tmp_path, GOOD), plugins)
    assert config.storage.url == f"sqlite:///{(tmp_path / 'data' / 'shikayat.db').resolve()}"
    assert config.dedupe.window.days == 3 and config.dedupe.others_window.days == 1
    assert config.dedupe.follow_up_window.days == 3        # the default, not cut by a shorter window here
    assert config.dedupe.others_similarity == 0.7 and config.dedupe.same_author_similarity == 0.5
    assert config.dedupe.guards == ("vehicle", "phone") and config.dedupe.handle_platforms == ("fake",)
    assert config.sla.by_priority["critical"].total_seconds() == 600  # type: ignore[index]
    channel = config.channels["city"]
    assert channel.platform == "fake" and channel.unit == "tf-city"
    assert [c.name for c in config.enabled_channels] == ["city"]


def test_every_problem_is_one_line_naming_section_and_key(tmp_path: Path, plugins: Plugins) -> None:
    text = f"""
[storage]
uri = "sqlite:///x.db"

[units]
path = "{UNITS.as_posix()}"

[daemon]
port = "eighty"
reply_confirm_seconds = -5

[sla]
urgent = "1h"

[channels.a]
platform = "nosuch"

[channels.b]
platform = "fake"
unit = "tf-nowhere"
page_size = "many"

[channels.c]
enabled = true

[extra]
x = 1
"""
    with pytest.raises(ConfigError) as err:
        load_config(_config(tmp_path, text), plugins)
    lines = [str(p) for p in err.value.problems]
    expected = [
        "[storage] uri: unknown key",
        "[storage] url: required key is missing",
        "[daemon] port:",
        "[daemon] reply_confirm_seconds:",
        "[sla] urgent: unknown priority",
        "[channels.a] platform: no installed plugin provides 'nosuch'",
        "[channels.b] page_size:",
        "[channels.c] platform: required key is missing",
        "[extra]: unknown section",
    ]
    for prefix in expected:
        assert any(line.startswith(prefix) for line in lines), (prefix, lines)


def test_unknown_unit_is_reported(tmp_path: Path, plugins: Plugins) -> None:
    with pytest.raises(ConfigError, match=r"\[channels.city\] unit: unknown unit 'tf-nowhere'"):
        load_config(_config(tmp_path, GOOD.replace('unit = "tf-city"', 'unit = "tf-nowhere"')), plugins)


def test_unreadable_and_invalid_toml(tmp_path: Path, plugins: Plugins) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.toml", plugins)
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(_config(tmp_path, "[storage\nurl="), plugins)


def test_default_units_are_the_shipped_sample(tmp_path: Path, plugins: Plugins) -> None:
    config = load_config(_config(tmp_path, '[storage]\nurl = "sqlite:///x.db"\n'), plugins)
    assert "up-hq" in config.units


def test_dedupe_defaults_and_problems(tmp_path: Path, plugins: Plugins) -> None:
    config = load_config(_config(tmp_path, '[storage]\nurl = "sqlite:///x.db"\n'), plugins)
    assert config.dedupe.window.days == 7 and config.dedupe.others_window.days == 7
    assert "vehicle" in config.dedupe.guards and config.dedupe.handle_platforms == ()
    text = """
[storage]
url = "sqlite:///x.db"

[daemon]
dedupe_window = "3d"

[dedupe]
window = "2d"
others_window = "5d"
follow_up_window = "4d"
others_similarity = 1.5
thread_words = 0
guards = ["vehicle", "horoscope"]
handle_platforms = ["nosuch"]
similarity = 0.8
"""
    with pytest.raises(ConfigError) as err:
        load_config(_config(tmp_path, text), plugins)
    lines = [str(p) for p in err.value.problems]
    expected = [
        "[daemon] dedupe_window: moved: write it as [dedupe] window",
        "[dedupe] others_similarity: Input should be less than or equal to 1",
        "[dedupe] thread_words: Input should be greater than or equal to 1",
        "[dedupe] guards: unknown guard(s) 'horoscope' (known: vehicle, phone, fir, number, date, time, name)",
        "[dedupe] similarity: unknown key",
    ]
    for line in expected:
        assert line in lines, (line, lines)
    text = text.replace('others_similarity = 1.5\n', "").replace("thread_words = 0\n", "").replace(
        '"vehicle", "horoscope"', '"vehicle"').replace("similarity = 0.8\n", "").replace('dedupe_window = "3d"', "")
    with pytest.raises(ConfigError) as err:
        load_config(_config(tmp_path, text), plugins)
    assert [str(p) for p in err.value.problems] == [
        "[dedupe] others_window: must not be longer than window (2d)",
        "[dedupe] follow_up_window: must not be longer than window (2d)",
        "[dedupe] handle_platforms: no installed plugin provides 'nosuch' (installed: fake)",
    ]
