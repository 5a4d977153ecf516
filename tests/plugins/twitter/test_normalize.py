from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from shikayat import Language, MediaType, RawPost, UnparseablePayload
from shikayat_twitter import TwitterPlatform

FIXTURES = Path(__file__).parent / "fixtures"
PLATFORM = TwitterPlatform()


def _raw(payload: bytes, channel: str | None = "up_x") -> RawPost:
    (post,) = PLATFORM.split(payload, channel)
    return post


def test_full_post_normalizes_field_by_field() -> None:
    c = PLATFORM.normalize(_raw((FIXTURES / "payloads" / "post_full.json").read_bytes()))
    assert c.external_id == "1900000000000000123" and isinstance(c.external_id, str)
    assert c.channel == "up_x"
    assert c.permalink == "https://x.com/asha_verma/status/1900000000000000123"
    assert (c.author.id, c.author.handle, c.author.name) == ("1000000000000000042", "asha_verma", "Asha Verma")
    assert c.created_at == datetime(2026, 5, 1, 9, 30, tzinfo=UTC)
    assert c.language is Language.HINDI                        # handles, tags and links do not count
    assert c.mentions == ("uppolice", "lkopshazratganj")
    assert c.hashtags == ("twittersewa",)
    assert c.links == ("https://example.org/photo/1",)
    assert [(m.type, m.id, m.url) for m in c.media] == [(MediaType.IMAGE, "3_1900000000000000999",
                                                          "https://pbs.example/media/1.jpg")]
    assert c.location is not None
    assert (c.location.latitude, c.location.longitude) == (26.8467, 80.9462)   # GeoJSON is [lon, lat]
    assert c.location.place_name == "Lucknow, India"
    assert c.thread.reply_to == "1900000000000000100" and c.thread.quote_of == "1900000000000000050"
    assert c.thread.conversation_id == "1900000000000000100"


def test_repost_takes_the_full_text_of_the_original() -> None:
    c = PLATFORM.normalize(_raw((FIXTURES / "payloads" / "repost.json").read_bytes()))
    assert c.thread.repost_of == "1900000000000000123"
    assert c.text.endswith("https://t.co/abc") and "…" not in c.text


@pytest.mark.parametrize(("text", "lang", "expected"), [
    ("मेरा फोन चोरी हो गया", "hi", Language.HINDI),
    ("my phone was stolen", "en", Language.ENGLISH),
    ("mera phone chori ho gaya", "und", Language.ENGLISH),        # romanized Hindi reads as Latin script
    ("मेरा फोन चोरी हो गया", None, Language.HINDI),
])
def test_language(text: str, lang: str | None, expected: Language) -> None:
    post = {"id": "1", "text": text, "author_id": "2", "created_at": "2026-05-01T00:00:00.000Z"}
    if lang:
        post["lang"] = lang
    assert PLATFORM.normalize(_raw(orjson.dumps({"data": post}))).language is expected


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda p: p.pop("author_id"), "'author_id' is missing"),
    (lambda p: p.update(created_at="yesterday"), "created_at 'yesterday' is not an ISO 8601 time"),
    (lambda p: p.update(created_at="2026-05-01T00:00:00"), "has no timezone"),
    (lambda p: p.update(text=None), "'text' is missing"),
    (lambda p: p.update(referenced_tweets="x"), "'referenced_tweets' is not a list"),
])
def test_unreadable_posts_name_the_field(mutate: object, message: str) -> None:
    post = {"id": "9", "text": "t", "author_id": "2", "created_at": "2026-05-01T00:00:00.000Z"}
    mutate(post)  # type: ignore[operator]
    with pytest.raises(UnparseablePayload, match=message):
        PLATFORM.normalize(_raw(orjson.dumps({"data": post})))


def test_split_keys_posts_without_an_id_by_their_bytes_and_refuses_non_objects() -> None:
    (raw,) = PLATFORM.split(b'{"data": {"text": "no id"}}')
    assert raw.external_id.startswith("sha256:")
    with pytest.raises(UnparseablePayload):
        PLATFORM.split(b"[1, 2]")
    with pytest.raises(UnparseablePayload):
        PLATFORM.split(b"{oops")


def test_bare_post_object_is_accepted() -> None:
    post = json.loads((FIXTURES / "payloads" / "post_full.json").read_text())["data"]
    c = PLATFORM.normalize(_raw(orjson.dumps(post)))
    assert c.author.handle is None and c.permalink == "https://x.com/i/web/status/1900000000000000123"


def test_normalizing_twice_gives_the_same_complaint_but_the_internal_id() -> None:
    raw = _raw((FIXTURES / "payloads" / "post_full.json").read_bytes())
    a, b = PLATFORM.normalize(raw), PLATFORM.normalize(raw)
    assert a.model_dump(exclude={"id"}) == b.model_dump(exclude={"id"})


def test_own_accounts() -> None:
    from shikayat_twitter.settings import TwitterSettings

    s = TwitterSettings.model_construct(platform="twitter", user_id="1", own_user_ids=["5"])
    assert PLATFORM.own_account_ids(s) == {"1", "5"}
