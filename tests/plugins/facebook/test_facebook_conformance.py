"""The Facebook Pages plugin passes the platform conformance suite, driven the way Meta behaves."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import orjson
import pytest
from pydantic import SecretStr

from shikayat.testing import PlatformSuite
from shikayat_facebook import FacebookPlatform
from shikayat_facebook.conformance import (
    PAGES_THROTTLE,
    graph_error_response,
    hub_handshake_query,
    meta_suite_config,
    sign_meta,
)
from shikayat_facebook.graph import parse_usage
from shikayat_facebook.settings import FacebookSettings

PAGE = "100000000000001"


class TestFacebookConformance(PlatformSuite):
    platform_class = FacebookPlatform
    settings = {"platform": "facebook", "page_id": PAGE, "access_token": "test-page-token",
                "app_secret": "test-app-secret", "verify_token": "test-verify-token",
                "base_url": "https://graph.example.test"}
    fixtures_dir = Path(__file__).parent / "fixtures"
    config = meta_suite_config(throttle_code=PAGES_THROTTLE, usage_type="pages", object_id=PAGE,
                               reply_id="222222222222222_171717171717171")


# -- the Meta knobs themselves: what the suite is told Meta sends ---------------------------------

@pytest.mark.parametrize(("condition", "sent", "code"), [
    (401, 400, 190), (403, 403, 200), (400, 400, 100), (429, 400, PAGES_THROTTLE), (500, 500, 1), (503, 503, 2)])
def test_errors_are_graph_envelopes(condition: int, sent: int, code: int) -> None:
    """Meta reports most conditions in the envelope's code, not the HTTP status: a plugin that
    maps statuses alone fails the suite's error checks with these answers."""
    response = graph_error_response(object_id=PAGE)(condition, 120.0)
    assert response.status_code == sent
    error = orjson.loads(response.content)["error"]
    assert set(error) >= {"message", "type", "code", "fbtrace_id"} and error["code"] == code
    usage = parse_usage(response.headers)
    if condition == 429:
        assert usage is not None and usage.regain_seconds == 120.0 and PAGE in usage.business
    else:
        assert usage is None


def test_signature_and_handshake_are_the_meta_scheme() -> None:
    settings = FacebookSettings.model_validate({
        "platform": "facebook", "page_id": PAGE, "access_token": SecretStr("t"),
        "app_secret": SecretStr("s3cret"), "verify_token": SecretStr("v")})
    body = b'{"object": "page", "entry": []}'
    headers = sign_meta(body, settings, 0.0)
    expected = hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert headers == {"X-Hub-Signature-256": f"sha256={expected}"}
    assert hub_handshake_query(settings, "c1") == {"hub.mode": "subscribe", "hub.verify_token": "v",
                                                   "hub.challenge": "c1"}
