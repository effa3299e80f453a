"""The client against a hostile upstream: dripping, huge, deeply nested or lying answers.

Everything runs against the loopback fake (tests/fake_api.py); nothing is mocked. A dripped
answer here would take seconds to finish: the client must give up at its deadline instead, so
on a client without one these tests fail (the call succeeds late) rather than time anything.
"""

import base64
import binascii
from urllib.parse import quote, quote_plus

import pytest

from assets_browser.api import (
    RETRY_AFTER_CAP,
    ArgilBadRequest,
    ArgilBadResponse,
    ArgilClient,
    ArgilNotFound,
    ArgilRateLimited,
    ArgilResponseTooLarge,
    ArgilUnavailable,
    UpstreamCall,
    redact,
)
from tests.testdata import API_KEY, HARBOUR, LISBON, asset, many_assets, totals

DEEP_JSON = b"[" * 100_000 + b"]" * 100_000


@pytest.fixture
def quick_client(fake_api):
    """A client whose whole call may take 2 s: ample for loopback even on a busy machine,
    short for a drip (each dripped answer below takes 25 s or more)."""
    with ArgilClient(
        base_url=fake_api.url, api_key=API_KEY, timeout=(1.0, 0.5), deadline=2.0
    ) as client:
        yield client


# Deadline


def test_a_dripped_body_ends_at_the_deadline(quick_client, fake_api):
    # 0.1 s a byte between bytes (each read well within the 0.5 s read timeout): over 30 s.
    fake_api.default(200, many_assets(1), headers=totals(), drip=0.1)
    with pytest.raises(ArgilUnavailable) as info:
        quick_client.list_assets()
    assert info.value.reason == "timeout"


def test_dripped_headers_end_at_the_deadline(quick_client, fake_api):
    fake_api.default(200, many_assets(1), headers=totals(), header_drip=0.1)
    with pytest.raises(ArgilUnavailable) as info:
        quick_client.get_asset(LISBON)
    assert info.value.reason == "timeout"


def test_headers_cut_at_the_deadline_are_a_timeout_not_an_answer(quick_client, fake_api):
    # The status line arrives in time; the deadline falls among the headers.
    fake_api.default(200, [], headers={"X-Padding": "x" * 150, **totals()}, header_drip=0.02)
    with pytest.raises(ArgilUnavailable) as info:
        quick_client.list_assets()
    assert info.value.reason == "timeout"


def test_a_write_is_held_to_the_deadline_too(quick_client, fake_api):
    fake_api.default(201, asset(), drip=0.1)
    with pytest.raises(ArgilUnavailable) as info:
        quick_client.create_asset(name="Drone", type="VIDEO", url="https://example.com/d.mp4")
    assert info.value.reason == "timeout"
    assert len(fake_api.requests) == 1


def test_the_client_works_again_after_a_deadline(quick_client, fake_api):
    fake_api.enqueue(200, many_assets(1), headers=totals(), drip=0.1)
    with pytest.raises(ArgilUnavailable):
        quick_client.list_assets()
    fake_api.default(200, many_assets(2), headers=totals(total="2", page="1", pages="1"))
    assert len(quick_client.list_assets().items) == 2


def test_default_deadline_is_the_documented_worst_case():
    with ArgilClient(base_url="https://api.argil.ai/v1", api_key=API_KEY) as client:
        assert client.deadline == 28.0


# Size


@pytest.mark.parametrize("content_length", [True, False])
def test_a_huge_body_is_refused_while_reading(quick_client, fake_api, content_length):
    # 60 MB of JSON whitespace after a valid page: valid JSON, far too big to buffer.
    fake_api.default(200, [], headers=totals(), pad=60 * 1024 * 1024, content_length=False)
    if content_length:
        fake_api.default(200, [], headers=totals(), pad=60 * 1024 * 1024)
    with pytest.raises(ArgilResponseTooLarge) as info:
        quick_client.list_assets()
    assert isinstance(info.value, ArgilBadResponse)  # an unreadable answer, for the views
    assert "larger than 4 MB" in info.value.message


def test_a_huge_error_body_is_cut_not_refused(quick_client, fake_api):
    fake_api.default(404, b"<html>" + b"x" * 10_000_000)
    with pytest.raises(ArgilNotFound) as info:
        quick_client.get_asset(LISBON)
    assert len(info.value.body) <= 500


# Depth


def test_deeply_nested_json_is_an_unreadable_list(quick_client, fake_api):
    fake_api.default(200, DEEP_JSON, headers={"Content-Type": "application/json", **totals()})
    with pytest.raises(ArgilBadResponse):
        quick_client.list_assets()


def test_deeply_nested_json_is_an_unreadable_asset(quick_client, fake_api):
    fake_api.default(200, DEEP_JSON, headers={"Content-Type": "application/json"})
    with pytest.raises(ArgilBadResponse):
        quick_client.get_asset(LISBON)


def test_deeply_nested_error_body_is_kept_as_text(quick_client, fake_api):
    fake_api.default(400, DEEP_JSON)
    with pytest.raises(ArgilBadRequest):
        quick_client.list_assets()


# Wrong answers


def test_an_answer_about_another_asset_is_an_upstream_error(quick_client, fake_api):
    fake_api.default(200, asset(HARBOUR))
    with pytest.raises(ArgilBadResponse) as info:
        quick_client.get_asset(LISBON)
    assert "another asset" in info.value.message


def test_uppercase_ids_are_asked_for_in_lowercase(quick_client, fake_api):
    fake_api.default(200, asset(LISBON.upper()))
    answer = quick_client.get_asset(LISBON.upper())
    assert answer.id == LISBON
    assert fake_api.requests[0].path == f"/v1/assets/{LISBON}"


@pytest.mark.parametrize(
    "request_id",
    [
        API_KEY,  # short and plain, but the key
        base64.b64encode(API_KEY.encode()).decode().rstrip("="),
        "req_" + "a" * 61,  # 65 characters
        "<script>alert(1)</script>",
        "req 42",
        "",
    ],
)
def test_odd_request_ids_are_dropped(fake_api, request_id):
    calls: list[UpstreamCall] = []
    with ArgilClient(base_url=fake_api.url, api_key=API_KEY, on_call=calls.append) as client:
        fake_api.default(200, many_assets(1), headers={**totals(), "X-Request-Id": request_id})
        page = client.list_assets()
        _body, headers = client.fetch_asset_list()
    assert page.request_id is None
    assert calls[0].request_id is None
    assert "X-Request-Id" not in headers


def test_a_plain_request_id_is_kept(quick_client, fake_api):
    fake_api.default(200, many_assets(1), headers={**totals(), "X-Request-Id": "req_7Hq-2"})
    assert quick_client.list_assets().request_id == "req_7Hq-2"


@pytest.mark.parametrize("retry_after", ["2147484", "Fri, 31 Dec 2099 23:59:59 GMT"])
def test_a_far_retry_after_is_capped(quick_client, fake_api, retry_after):
    fake_api.default(429, {"error": "slow down"}, headers={"Retry-After": retry_after})
    with pytest.raises(ArgilRateLimited) as info:
        quick_client.list_assets()
    assert info.value.retry_after == RETRY_AFTER_CAP
    assert f"{RETRY_AFTER_CAP} s" in info.value.message


def test_an_error_message_never_echoes_the_key(quick_client, fake_api):
    b64 = base64.b64encode(b"k=" + API_KEY.encode()).decode()
    message = f"bad key {API_KEY.upper()} b={b64} u={quote(API_KEY)} h={API_KEY.encode().hex()}"
    fake_api.default(400, {"code": "E_KEY", "message": message})
    with pytest.raises(ArgilBadRequest) as info:
        quick_client.create_asset(name="Drone", type="VIDEO", url="https://example.com/d.mp4")
    shown = info.value.message
    assert shown.startswith("bad key [redacted]")
    assert shown.endswith("(code E_KEY)")
    assert not leaks(shown, API_KEY)
    assert not leaks(repr(info.value.body), API_KEY)


def test_an_odd_error_code_is_left_out(quick_client, fake_api):
    fake_api.default(400, {"code": "<b>x</b> " * 20, "message": "name is too long"})
    with pytest.raises(ArgilBadRequest) as info:
        quick_client.create_asset(name="Drone", type="VIDEO", url="https://example.com/d.mp4")
    assert info.value.message == "name is too long"


# redact()


def encoded_forms(secret: str, prefix: bytes = b"") -> list[str]:
    raw = prefix + secret.encode()
    return [
        secret,
        secret.upper(),
        secret.lower(),
        quote(secret, safe=""),
        quote_plus(secret),
        quote(secret, safe="").lower(),
        binascii.hexlify(secret.encode()).decode(),
        binascii.hexlify(secret.encode()).decode().upper(),
        base64.b64encode(raw).decode(),
        base64.urlsafe_b64encode(raw).decode(),
        base64.b64encode(raw).decode().rstrip("="),
    ]


def leaks(text: str, secret: str) -> list[str]:
    forms = encoded_forms(secret) + encoded_forms(secret, b"x") + encoded_forms(secret, b"xy")
    return [form for form in forms if form in text]


@pytest.mark.parametrize(
    "secret", [API_KEY, "AK_CANARY/+?&= 9f", "sk-test-SECRET-never-shown-7f3a9c"]
)
@pytest.mark.parametrize("prefix", [b"", b"k", b"k=", b"key: "])
def test_redact_removes_every_form_of_the_secret(secret, prefix):
    for form in encoded_forms(secret, prefix):
        text = f"Argil refused this: {form} (see docs)"
        cleaned = redact(text, secret)
        assert "[redacted]" in cleaned, form
        assert not leaks(cleaned, secret), (form, cleaned)


def test_redact_leaves_other_text_alone():
    assert redact("pageSize must be <= 100", API_KEY) == "pageSize must be <= 100"
    assert redact("", API_KEY) == ""
    assert redact("anything", "") == "anything"
