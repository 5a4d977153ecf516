from __future__ import annotations

import pytest

from shikayat.errors import WebhookRejected
from shikayat.webhooks import hmac_sha256, verify_hmac_sha256

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
