from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

from shikayat.secrets import Secret


class _Settings(BaseModel):
    token: Secret


def test_env_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHIKAYAT_TEST_TOKEN", "s3cr3t-value")
    s = _Settings(token="env:SHIKAYAT_TEST_TOKEN")  # type: ignore[arg-type]
    assert s.token.get_secret_value() == "s3cr3t-value"
    assert "s3cr3t" not in repr(s) and "s3cr3t" not in str(s) and "s3cr3t" not in s.model_dump_json()


def test_file_reference(tmp_path: Path) -> None:
    (tmp_path / "tok").write_text("from-file\n")
    s = _Settings(token=f"file:{tmp_path / 'tok'}")  # type: ignore[arg-type]
    assert s.token.get_secret_value() == "from-file"


@pytest.mark.parametrize(("value", "message"), [
    ("plain-inline-secret", "not an inline value"),
    ("env:SHIKAYAT_SURELY_UNSET", "SHIKAYAT_SURELY_UNSET is not set"),
    ("file:/nonexistent/shikayat/token", "cannot read secret file"),
    (12345, "must be a secret reference"),
])
def test_bad_references_are_explained_without_the_value(value: object, message: str) -> None:
    with pytest.raises(ValidationError) as err:
        _Settings(token=value)  # type: ignore[arg-type]
    assert message in str(err.value)
    if isinstance(value, str) and value.startswith("plain"):
        assert "plain-inline-secret" not in str(err.value).split("input_value")[0]
