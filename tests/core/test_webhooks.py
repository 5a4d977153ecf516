from __future__ import annotations

import pytest

from shikayat.errors import WebhookRejected
from shikayat.webhooks import check_timestamp, hmac_sha256, verify_hmac_sha256, verify_hub_handshake

# Test vectors from the platform reference (X: base64; computed independently).
X_SECRET = b"fake-consumer-secret"
X_BODY = b'{"for_user_id":"1000000000000000001"}'
X_SIGNATURE = "sha256=h6LW78tlDLdQBdWZolIO04QNvrMfN92F2cpj2reJ9K0="


def test_base64_vector() -> None:
    assert "sha256=" + hmac_sha256(X_SECRET, X_BODY, "base64") == X_SIGNATURE
    assert "sha256=" + hmac_sha256(X_SECRET, b"crc-token-123", "base64") == \
        "sha256=dZMyCg1f07T9NKwLHhs/BlQ3rj9l1XrWIY1enPosc4I="


def test_valid_signature_passes_with_any_header_case() -> None:
    verify_hmac_sha256({"X-Twitter-Webhooks-Signature": X_SIGNATURE}, X_BODY, secret=X_SECRET,
                       header="x-twitter-webhooks-signature", encoding="base64")


@pytest.mark.parametrize(("headers", "body", "reason"), [
    ({}, X_BODY, "missing"),
    ({"x-sig": "md5=abc"}, X_BODY, "does not start"),
    ({"x-sig": X_SIGNATURE}, X_BODY + b" ", "does not match"),        # one byte changed
    ({"x-sig": X_SIGNATURE.replace("h6", "H6")}, X_BODY, "does not match"),
    ({"x-sig": "sha256=ü"}, X_BODY, "does not match"),                  # non-ASCII garbage
])
def test_bad_signatures_are_rejected(headers: dict[str, str], body: bytes, reason: str) -> None:
    with pytest.raises(WebhookRejected, match=reason):
        verify_hmac_sha256(headers, body, secret=X_SECRET, header="x-sig", encoding="base64")


def test_hex_encoding() -> None:
    sig = "sha256=" + hmac_sha256(b"app-secret", b"{}", "hex")
    assert len(sig) == 7 + 64
    verify_hmac_sha256({"X-Hub-Signature-256": sig}, b"{}", secret=b"app-secret",
                       header="X-Hub-Signature-256", encoding="hex")


# -- the Meta-style subscription handshake ------------------------------------------------------

def _hub(**overrides: str) -> dict[str, str]:
    return {"hub.mode": "subscribe", "hub.verify_token": "my-verify-token", "hub.challenge": "1158201444",
            **overrides}


def test_hub_handshake_echoes_the_challenge() -> None:
    answer = verify_hub_handshake(_hub(), verify_token="my-verify-token")
    assert (answer.status, answer.body, answer.media_type) == (200, b"1158201444", "text/plain")


@pytest.mark.parametrize(("query", "token", "reason"), [
    (_hub(**{"hub.verify_token": "guess"}), "my-verify-token", "does not match"),
    (_hub(**{"hub.verify_token": "my-verify-token-"}), "my-verify-token", "does not match"),
    ({k: v for k, v in _hub().items() if k != "hub.verify_token"}, "my-verify-token", "does not match"),
    (_hub(**{"hub.mode": "unsubscribe"}), "my-verify-token", "hub.mode"),
    (_hub(**{"hub.challenge": ""}), "my-verify-token", "challenge is missing"),
    (_hub(**{"hub.verify_token": ""}), "", "does not match"),          # no token configured: never accept
    (_hub(**{"hub.verify_token": "ü"}), "my-verify-token", "does not match"),
])
def test_hub_handshake_rejections(query: dict[str, str], token: str, reason: str) -> None:
    with pytest.raises(WebhookRejected, match=reason):
        verify_hub_handshake(query, verify_token=token)


# -- signed timestamps --------------------------------------------------------------------------

def test_fresh_timestamp_passes() -> None:
    assert check_timestamp("1000", max_age=300, now=1200) == 1000.0
    assert check_timestamp("1290.5", max_age=300, now=1200) == 1290.5


@pytest.mark.parametrize(("value", "reason"), [
    (None, "missing"), ("", "missing"), ("yesterday", "not a unix time"), ("nan", "not a unix time"),
    ("inf", "not a unix time"), ("899", "stale"), ("1501", "in the future"),
])
def test_bad_timestamps_are_rejected(value: str | None, reason: str) -> None:
    with pytest.raises(WebhookRejected, match=reason):
        check_timestamp(value, max_age=300, now=1200, what="X-Signature-Timestamp")
