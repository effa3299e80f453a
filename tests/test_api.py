"""ArgilClient against a real HTTP server on loopback (tests/fake_api.py). Nothing is mocked."""

import socket
import threading
import time
from datetime import UTC, datetime
from email.utils import format_datetime

import pytest
from urllib3.exceptions import MaxRetryError, NewConnectionError

from assets_browser.api import (
    REDIRECT_MESSAGE,
    RETRY_AFTER_CAP,
    ArgilAPIError,
    ArgilAuthError,
    ArgilBadRequest,
    ArgilBadResponse,
    ArgilClient,
    ArgilNotFound,
    ArgilRateLimited,
    ArgilUnavailable,
    Asset,
    AssetPage,
    AssetStatus,
    AssetType,
    _build_retry,
    parse_asset_page,
    parse_retry_after,
)
from tests import testdata
from tests.fake_api import FakeArgilAPI
from tests.testdata import API_KEY, HARBOUR, LISBON, TAIPEI, many_assets, totals


@pytest.fixture
def client(fake_api):
    with ArgilClient(base_url=fake_api.url, api_key=API_KEY, timeout=(1.0, 2.0)) as client:
        yield client


@pytest.fixture
def no_retry_client(fake_api):
    """For status mapping tables: one request per call, no backoff sleeps."""
    with ArgilClient(base_url=fake_api.url, api_key=API_KEY, timeout=1.0, retries=0) as client:
        yield client


def refused_url():
    """A loopback URL nothing listens on (the port was just released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


# Header parsing


def test_list_assets_parses_all_four_headers(client, fake_api):
    fake_api.enqueue(
        200,
        many_assets(20),
        headers={**totals(1234, page=2, pages=62), "X-Request-Id": "req_8HkQ2"},
    )
    page = client.list_assets(page=2)
    assert page.total == 1234
    assert page.number == 2
    assert page.per_page == 20
    assert page.num_pages == 62
    assert page.request_id == "req_8HkQ2"
    assert page.totals_known
    assert len(page.items) == 20
    assert page.items[0].name == "Harbour timelapse, take 0"
    assert (page.start_index, page.end_index) == (21, 40)
    assert page.has_next
    assert page.has_previous
    assert page.next_page_number == 3
    assert page.previous_page_number == 1
    assert not page.is_past_end


def test_list_assets_last_page_arithmetic(client, fake_api):
    fake_api.enqueue(200, many_assets(14), headers=totals(1234, page=62, pages=62))
    page = client.list_assets(page=62)
    assert (page.start_index, page.end_index) == (1221, 1234)
    assert not page.has_next
    assert page.next_page_number is None
    assert page.previous_page_number == 61


def test_list_assets_first_page_has_no_previous(client, fake_api):
    fake_api.enqueue(200, many_assets(20), headers=totals(1234, page=1, pages=62))
    page = client.list_assets()
    assert (page.start_index, page.end_index) == (1, 20)
    assert not page.has_previous
    assert page.previous_page_number is None


def test_parse_asset_page_empty_result_is_one_empty_page():
    page = parse_asset_page([], totals(0, pages=0), requested_page=1, requested_page_size=20)
    assert (page.total, page.num_pages) == (0, 1)
    assert (page.start_index, page.end_index) == (0, 0)
    assert not page.has_next
    assert not page.is_past_end


def test_parse_asset_page_derives_num_pages_from_total():
    headers = {"X-Total-Count": "41", "X-Page": "1", "X-Page-Size": "20"}
    page = parse_asset_page(many_assets(20), headers, requested_page=1, requested_page_size=20)
    assert page.num_pages == 3
    assert page.totals_known


def test_parse_asset_page_reads_headers_case_insensitively():
    headers = {"x-total-count": "41", "x-page": "3", "x-page-size": "20", "x-request-id": "r1"}
    page = parse_asset_page(many_assets(1), headers, requested_page=3, requested_page_size=20)
    assert (page.total, page.num_pages, page.number, page.request_id) == (41, 3, 3, "r1")


@pytest.mark.parametrize("count", [0, 19, 20])
def test_parse_asset_page_missing_headers_fall_back_to_the_request(count):
    page = parse_asset_page(many_assets(count), {}, requested_page=4, requested_page_size=20)
    assert page.number == 4
    assert page.per_page == 20
    assert page.total is None
    assert page.num_pages is None
    assert page.request_id is None
    assert not page.totals_known
    assert page.has_next is (count == 20)  # unknown totals: a full page may have a next one
    assert page.has_previous
    assert page.is_past_end is (count == 0)


@pytest.mark.parametrize(
    ("headers", "number", "per_page", "total", "num_pages"),
    [
        ({"X-Total-Count": "lots"}, 2, 20, None, None),
        ({"X-Total-Count": "-5"}, 2, 20, None, None),
        ({"X-Total-Count": "9" * 5000}, 2, 20, None, None),  # int() would refuse this
        ({"X-Total-Count": "12.5"}, 2, 20, None, None),
        ({"X-Total-Count": ""}, 2, 20, None, None),
        ({"X-Total-Count": "١٢٣"}, 2, 20, None, None),  # non-ASCII digits
        ({"X-Total-Count": " 41 "}, 2, 20, 41, 3),  # surrounding whitespace is fine
        ({"X-Total-Count": "41", "X-Page": "0"}, 2, 20, 41, 3),
        ({"X-Total-Count": "41", "X-Page": "two"}, 2, 20, 41, 3),
        ({"X-Total-Count": "41", "X-Page-Size": "0"}, 2, 20, 41, 3),
        ({"X-Total-Count": "41", "X-Page-Size": "101"}, 2, 20, 41, 3),
        ({"X-Total-Count": "41", "X-Page-Size": "-20"}, 2, 20, 41, 3),
        ({"X-Total-Count": "41", "X-Page-Size": "2"}, 2, 20, 41, 3),  # fewer than items sent
        ({"X-Total-Count": "41", "X-Total-Pages": "many"}, 2, 20, 41, 3),
        ({"X-Total-Count": "41", "X-Total-Pages": "7"}, 2, 20, None, None),  # contradiction
        ({"X-Total-Count": "3"}, 2, 20, None, None),  # fewer than already shown
        ({"X-Total-Pages": "5"}, 2, 20, None, 5),
    ],
)
def test_parse_asset_page_garbled_headers_never_raise(headers, number, per_page, total, num_pages):
    page = parse_asset_page(many_assets(5), headers, requested_page=2, requested_page_size=20)
    assert (page.number, page.per_page, page.total, page.num_pages) == (
        number,
        per_page,
        total,
        num_pages,
    )


def test_parse_asset_page_past_the_end_keeps_the_totals():
    page = parse_asset_page(
        [], totals(41, page=9, pages=3), requested_page=9, requested_page_size=20
    )
    assert (page.total, page.num_pages) == (41, 3)
    assert page.is_past_end
    assert not page.has_next
    assert (page.start_index, page.end_index) == (0, 0)


def test_asset_page_page_one_is_never_past_end():
    assert not AssetPage(items=(), number=1, per_page=20, total=None, num_pages=None).is_past_end
    assert not AssetPage(items=(), number=1, per_page=20, total=0, num_pages=1).is_past_end


# Asset mapping


def test_asset_from_api_maps_every_field():
    asset = Asset.from_api(testdata.asset(createdAt="2026-10-30T10:15:00+01:00", extra="ignored"))
    assert asset == Asset(
        id=LISBON,
        name="Drone flyover, Lisbon rooftops at dusk",
        type=AssetType.VIDEO,
        status=AssetStatus.READY,
        file_url="https://cdn.example.com/5b0c6f0e.webm",
        thumbnail_url="https://cdn.example.com/5b0c6f0e.jpg",
        created_at=datetime(2026, 10, 30, 9, 15, tzinfo=UTC),
    )


def test_asset_from_api_tolerates_nulls_and_garbage_in_optional_fields():
    data = testdata.asset(
        name=None, fileUrl=None, thumbnailUrl=42, createdAt="last Tuesday", type="AUDIO"
    )
    asset = Asset.from_api(data)
    assert asset.name is None
    assert asset.file_url is None
    assert asset.thumbnail_url is None
    assert asset.created_at is None
    assert asset.type is AssetType.AUDIO


def test_asset_to_api_round_trips():
    asset = Asset.from_api(testdata.asset(createdAt="2026-10-30T09:15:00.250Z"))
    assert asset.to_api()["createdAt"] == "2026-10-30T09:15:00.250000Z"
    assert Asset.from_api(asset.to_api()) == asset


@pytest.mark.parametrize(
    "data",
    [
        ["not", "an", "object"],
        "Drone flyover",
        None,
        {k: v for k, v in testdata.asset().items() if k != "id"},
        testdata.asset(id="../../admin"),
        testdata.asset(id=12345),
        testdata.asset(type="SPREADSHEET"),
        testdata.asset(status="DELETED"),
        testdata.asset(type=None),
        testdata.asset(type=["VIDEO"]),  # unhashable: still a bad answer, not a TypeError
        testdata.asset(status={"READY": True}),
        testdata.asset(type="video"),
    ],
)
def test_asset_from_api_rejects_wrong_shapes(data):
    with pytest.raises(ArgilBadResponse):
        Asset.from_api(data)


# What the client sends


def test_list_assets_sends_key_headers_and_canonical_query(client, fake_api):
    client.list_assets(
        types=["VIDEO", AssetType.IMAGE, "VIDEO"], status="FAILED", page=3, page_size=50
    )
    (sent,) = fake_api.requests
    assert sent.method == "GET"
    assert sent.path == "/v1/assets"
    assert sent.query == {
        "type": ["IMAGE", "VIDEO"],
        "status": ["FAILED"],
        "page": ["3"],
        "pageSize": ["50"],
    }
    assert sent.headers["x-api-key"] == API_KEY
    assert sent.headers["accept"] == "application/json"
    assert "argil-asset-browser" in sent.headers["user-agent"]


def test_list_assets_defaults_to_ready_all_types(client, fake_api):
    client.list_assets()
    assert fake_api.requests[0].query == {"status": ["READY"], "page": ["1"], "pageSize": ["20"]}


def test_list_assets_one_type_as_a_string_is_one_type(client, fake_api):
    client.list_assets(types="AUDIO")
    assert fake_api.requests[0].query["type"] == ["AUDIO"]


@pytest.mark.parametrize(
    "kwargs",
    [{"types": ["GIF"]}, {"status": "DELETED"}, {"page": 0}, {"page_size": 0}, {"page_size": 101}],
)
def test_list_assets_rejects_bad_arguments_before_calling(client, fake_api, kwargs):
    with pytest.raises(ValueError, match=r"valid|must be"):
        client.list_assets(**kwargs)
    assert fake_api.requests == []


def test_client_ignores_proxy_and_netrc_from_the_environment(fake_api, monkeypatch, tmp_path):
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login intruder password hunter2\n")
    monkeypatch.setenv("NETRC", str(netrc))
    monkeypatch.setenv("HTTP_PROXY", refused_url())
    monkeypatch.setenv("http_proxy", refused_url())
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with ArgilClient(base_url=fake_api.url, api_key=API_KEY, timeout=1.0) as client:
        client.list_assets()
    (sent,) = fake_api.requests
    assert "authorization" not in sent.headers


def test_get_asset_requests_the_uuid_path(client, fake_api):
    fake_api.enqueue(200, testdata.asset(HARBOUR, "Harbour at first light"))
    asset = client.get_asset(HARBOUR)
    assert asset.name == "Harbour at first light"
    assert fake_api.requests[0].path == f"/v1/assets/{HARBOUR}"


@pytest.mark.parametrize(
    "asset_id",
    ["../admin", "https://evil.example/x", f"{LISBON}/../../users", "%2e%2e", "", LISBON[:-1]],
)
def test_get_asset_non_uuid_is_not_found_without_calling(client, fake_api, asset_id):
    with pytest.raises(ArgilNotFound):
        client.get_asset(asset_id)
    assert fake_api.requests == []


def test_base_url_path_is_kept_and_trailing_slash_dropped(fake_api):
    with ArgilClient(base_url=fake_api.url + "/", api_key=API_KEY, timeout=1.0) as client:
        client.list_assets()
    assert fake_api.requests[0].path == "/v1/assets"


@pytest.mark.parametrize(
    "base_url", ["api.argil.ai/v1", "ftp://api.argil.ai/v1", "https://", "https://h/v1?x=1"]
)
def test_client_rejects_a_base_url_that_is_not_http(base_url):
    with pytest.raises(ValueError, match="base_url"):
        ArgilClient(base_url=base_url, api_key=API_KEY)


# Writes


def test_create_asset_posts_json_and_accepts_201(client, fake_api):
    created = testdata.asset(TAIPEI, "Tram bells, Alfama", type="IMAGE", status="PROCESSING")
    fake_api.enqueue(201, {**created, "fileUrl": None, "thumbnailUrl": None})
    asset = client.create_asset(
        name="Tram bells, Alfama", type=AssetType.IMAGE, url="https://example.com/tram.jpg"
    )
    assert asset.status is AssetStatus.PROCESSING
    (sent,) = fake_api.requests
    assert (sent.method, sent.path) == ("POST", "/v1/assets")
    assert sent.headers["content-type"] == "application/json"
    assert sent.json() == {
        "name": "Tram bells, Alfama",
        "type": "IMAGE",
        "url": "https://example.com/tram.jpg",
    }


def test_create_asset_accepts_200(client, fake_api):
    fake_api.enqueue(200, testdata.asset(status="PROCESSING"))
    asset = client.create_asset(name="Drone", type="VIDEO", url="https://example.com/d.mp4")
    assert asset.id == LISBON


def test_create_asset_400_carries_the_upstream_message(client, fake_api):
    fake_api.enqueue(400, {"code": 400, "message": "url must be publicly reachable"})
    with pytest.raises(ArgilBadRequest) as info:
        client.create_asset(name="Drone", type="VIDEO", url="http://10.0.0.5/d.mp4")
    assert info.value.message == "url must be publicly reachable (code 400)"
    assert info.value.status == 400


@pytest.mark.parametrize("status", [500, 503])
def test_create_asset_server_error_is_not_retried(client, fake_api, status):
    fake_api.default(status, {"message": "upstream exploded"})
    with pytest.raises(ArgilUnavailable) as info:
        client.create_asset(name="Drone", type="VIDEO", url="https://example.com/d.mp4")
    assert info.value.reason == "server_error"
    assert len(fake_api.requests) == 1


def test_writes_are_never_resent_after_a_connection_error():
    retry = _build_retry(total=2, retry_after_max=2)
    refused = NewConnectionError(None, "Connection refused")
    assert retry.increment("GET", "/v1/assets", error=refused).total == 1
    for method in ("POST", "DELETE"):
        with pytest.raises(MaxRetryError):
            retry.increment(method, "/v1/assets", error=refused)


# Errors: one class per status


@pytest.mark.parametrize(
    ("status", "body", "error_class", "message"),
    [
        (401, {"error": "Invalid API key"}, ArgilAuthError, "the API key was rejected"),
        (403, {"error": "Forbidden"}, ArgilAuthError, "the API key was rejected"),
        (404, {"error": "Asset not found"}, ArgilNotFound, "asset not found"),
        (400, {"code": 400, "message": "pageSize must be <= 100"}, ArgilBadRequest, None),
        (422, {"error": "type is invalid"}, ArgilBadRequest, "type is invalid"),
        (400, b"", ArgilBadRequest, "400 Bad Request"),
        (429, {"error": "Too many requests"}, ArgilRateLimited, None),
        (500, {"message": "boom"}, ArgilUnavailable, None),
        (502, b"<html>Bad gateway</html>", ArgilUnavailable, None),
        (418, {"error": "I'm a teapot"}, ArgilBadResponse, None),
    ],
)
def test_error_class_for_status(no_retry_client, fake_api, status, body, error_class, message):
    fake_api.enqueue(status, body, headers={"X-Request-Id": "req_Q7"})
    with pytest.raises(error_class) as info:
        no_retry_client.list_assets()
    error = info.value
    assert isinstance(error, ArgilAPIError)
    assert error.status == status
    assert error.request_id == "req_Q7"
    if message is not None:
        assert error.message == message
    if status == 400 and isinstance(body, dict):
        assert error.message == "pageSize must be <= 100 (code 400)"
        assert error.body == body


def test_server_error_carries_the_reason_and_text_body(no_retry_client, fake_api):
    fake_api.enqueue(502, b"<html>Bad gateway</html>", headers={"Content-Type": "text/html"})
    with pytest.raises(ArgilUnavailable) as info:
        no_retry_client.list_assets()
    assert info.value.reason == "server_error"
    assert info.value.body == "<html>Bad gateway</html>"


def test_get_asset_404_is_not_found(client, fake_api):
    fake_api.enqueue(404, {"error": "Asset not found"})
    with pytest.raises(ArgilNotFound) as info:
        client.get_asset(LISBON)
    assert info.value.body == {"error": "Asset not found"}


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (b"<html><body>Maintenance</body></html>", {"Content-Type": "text/html"}),
        (b"", {}),
        ({"items": []}, {}),
        ("just a string", {}),
        ([testdata.asset(), {"id": "nope"}], {}),
    ],
)
def test_list_assets_bad_body_is_bad_response(client, fake_api, body, headers):
    fake_api.enqueue(200, body, headers={**headers, "X-Request-Id": "req_Z1"})
    with pytest.raises(ArgilBadResponse) as info:
        client.list_assets()
    assert info.value.request_id == "req_Z1"


def test_get_asset_non_object_body_is_bad_response(client, fake_api):
    fake_api.enqueue(200, [testdata.asset()])
    with pytest.raises(ArgilBadResponse):
        client.get_asset(LISBON)


# Retries


def test_503_once_then_200_is_retried(client, fake_api):
    fake_api.enqueue(503, {"error": "deploying"})
    fake_api.enqueue(200, many_assets(3), headers=totals(3))
    page = client.list_assets()
    assert page.total == 3
    assert len(fake_api.requests) == 2


def test_429_with_short_retry_after_waits_and_retries(client, fake_api):
    fake_api.enqueue(429, {"error": "slow down"}, headers={"Retry-After": "1"})
    fake_api.enqueue(200, many_assets(1), headers=totals(1))
    started = time.monotonic()
    page = client.list_assets()
    assert time.monotonic() - started >= 0.9  # it honoured the header
    assert len(page.items) == 1
    assert len(fake_api.requests) == 2


def test_429_with_long_retry_after_raises_at_once(client, fake_api):
    fake_api.default(429, {"error": "slow down"}, headers={"Retry-After": "3600"})
    started = time.monotonic()
    with pytest.raises(ArgilRateLimited) as info:
        client.list_assets()
    assert info.value.retry_after == RETRY_AFTER_CAP  # an hour is capped on the server
    assert info.value.status == 429
    assert len(fake_api.requests) == 1  # no sleep, no second request
    assert time.monotonic() - started < 5  # guard: the cap works, nobody sleeps an hour


def test_429_with_http_date_retry_after(client, fake_api):
    later = format_datetime(datetime.fromtimestamp(time.time() + 600, UTC), usegmt=True)
    fake_api.default(429, {"error": "slow down"}, headers={"Retry-After": later})
    with pytest.raises(ArgilRateLimited) as info:
        client.list_assets()
    assert info.value.retry_after == RETRY_AFTER_CAP  # ten minutes, capped
    assert len(fake_api.requests) == 1


def test_429_without_retry_after_gives_up_after_retries(client, fake_api):
    fake_api.default(429, {"error": "slow down"})
    with pytest.raises(ArgilRateLimited) as info:
        client.list_assets()
    assert info.value.retry_after is None
    assert len(fake_api.requests) == 3


def test_502_every_time_is_unavailable_after_retries(client, fake_api):
    fake_api.default(502, b"Bad gateway")
    with pytest.raises(ArgilUnavailable) as info:
        client.list_assets()
    assert info.value.reason == "server_error"
    assert info.value.status == 502
    assert len(fake_api.requests) == 3


def test_500_is_not_retried(client, fake_api):
    fake_api.default(500, {"message": "NullPointerException"})
    with pytest.raises(ArgilUnavailable):
        client.list_assets()
    assert len(fake_api.requests) == 1


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (" 7 ", 7.0),
        ("0", 0.0),
        ("-1", None),
        ("1.5", None),
        ("soon", None),
        ("9" * 5000, None),
    ],
)
def test_parse_retry_after(value, seconds):
    assert parse_retry_after(value) == seconds


def test_parse_retry_after_past_http_date_is_zero():
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0


# Transport failures


def test_hung_upstream_is_a_timeout(fake_api):
    fake_api.default(200, many_assets(1), delay=30)
    with (
        ArgilClient(base_url=fake_api.url, api_key=API_KEY, timeout=(1.0, 0.3)) as client,
        pytest.raises(ArgilUnavailable) as info,
    ):
        client.list_assets()
    assert info.value.reason == "timeout"
    assert info.value.status is None
    assert len(fake_api.requests) == 1  # a read timeout means Argil is stuck: not retried


def test_hung_upstream_on_post_is_a_timeout_without_retry(fake_api):
    fake_api.default(201, testdata.asset(), delay=30)
    with (
        ArgilClient(base_url=fake_api.url, api_key=API_KEY, timeout=(1.0, 0.3)) as client,
        pytest.raises(ArgilUnavailable) as info,
    ):
        client.create_asset(name="Drone", type="VIDEO", url="https://example.com/d.mp4")
    assert info.value.reason == "timeout"
    assert len(fake_api.requests) == 1


def test_connection_refused_is_unavailable():
    with (
        ArgilClient(base_url=refused_url(), api_key=API_KEY, timeout=1.0) as client,
        pytest.raises(ArgilUnavailable) as info,
    ):
        client.list_assets()
    assert info.value.reason == "connection"
    assert info.value.status is None


def test_redirect_to_another_host_is_not_followed(client, fake_api):
    with FakeArgilAPI() as elsewhere:
        fake_api.default(302, b"", headers={"Location": elsewhere.url + "/assets"})
        with pytest.raises(ArgilBadResponse) as info:
            client.list_assets()
        assert elsewhere.requests == []
    assert info.value.message == REDIRECT_MESSAGE
    assert info.value.status == 302
    assert len(fake_api.requests) == 1


def test_redirect_on_the_same_host_is_not_followed_either(client, fake_api):
    fake_api.default(301, b"", headers={"Location": "/v1/moved-assets-marker"})
    with pytest.raises(ArgilBadResponse):
        client.get_asset(LISBON)
    assert [r.path for r in fake_api.requests] == [f"/v1/assets/{LISBON}"]


# The key never reaches an error


def _raise_timeout(fake_api):
    fake_api.default(200, [], delay=30)
    with ArgilClient(base_url=fake_api.url, api_key=API_KEY, timeout=(1.0, 0.2), retries=0) as c:
        c.list_assets()


def _raise_refused(fake_api):
    with ArgilClient(base_url=refused_url(), api_key=API_KEY, timeout=1.0) as c:
        c.list_assets()


def _raise_for(status, body, headers=None):
    def call(fake_api):
        fake_api.default(status, body, headers=headers)
        with ArgilClient(base_url=fake_api.url, api_key=API_KEY, timeout=1.0, retries=0) as c:
            c.list_assets()

    return call


ECHO = f"Invalid API key {API_KEY}"


@pytest.mark.parametrize(
    ("make_error", "error_class"),
    [
        (_raise_for(401, {"error": ECHO}), ArgilAuthError),
        (_raise_for(403, ECHO.encode()), ArgilAuthError),
        (_raise_for(404, {"error": ECHO}), ArgilNotFound),
        (_raise_for(400, {"code": 400, "message": ECHO, "echo": {"x-api-key": API_KEY}}), None),
        (_raise_for(422, {"error": ECHO}), ArgilBadRequest),
        (_raise_for(429, {"error": ECHO}, {"Retry-After": "3600"}), ArgilRateLimited),
        (_raise_for(503, {"message": ECHO}), ArgilUnavailable),
        (_raise_for(302, ECHO.encode(), {"Location": f"http://x.example/?k={API_KEY}"}), None),
        (_raise_for(200, ECHO.encode()), ArgilBadResponse),
        (_raise_timeout, ArgilUnavailable),
        (_raise_refused, ArgilUnavailable),
    ],
)
def test_key_never_appears_in_errors(fake_api, make_error, error_class):
    with pytest.raises(ArgilAPIError) as info:
        make_error(fake_api)
    error = info.value
    if error_class is not None:
        assert isinstance(error, error_class)
    for text in (str(error), repr(error), error.message, repr(error.body)):
        assert API_KEY not in text
    assert "127.0.0.1" not in error.message  # no upstream URL either


def test_client_repr_hides_the_key(fake_api):
    with ArgilClient(base_url=fake_api.url, api_key=API_KEY) as client:
        assert API_KEY not in repr(client)


# Sessions


def test_fetch_asset_list_returns_json_and_the_headers_that_matter(client, fake_api):
    headers = {
        **totals(1234, page=2, pages=62),
        "X-Request-Id": "req_1",
        "Set-Cookie": "s=1",
        "Server": "argil",
    }
    fake_api.enqueue(200, many_assets(20), headers=headers)
    body, kept = client.fetch_asset_list(page=2)
    assert body == many_assets(20)
    assert kept == {**totals(1234, page=2, pages=62), "X-Request-Id": "req_1"}
    page = parse_asset_page(body, kept, requested_page=2, requested_page_size=20)
    assert (page.total, page.start_index) == (1234, 21)


def test_each_thread_gets_its_own_session_and_close_closes_all(fake_api):
    client = ArgilClient(base_url=fake_api.url, api_key=API_KEY, timeout=1.0)
    sessions = []

    def browse():
        client.list_assets()
        sessions.append(client._session())

    threads = [threading.Thread(target=browse) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    browse()
    browse()
    assert len({id(s) for s in sessions}) == 4  # three threads, and this one reused its own
    assert all(s.trust_env is False for s in sessions)
    client.close()
    # urllib3 2 closes a forgotten pool when it is garbage-collected, so ResourceWarning alone
    # cannot catch a missing close(): check the pools were emptied.
    assert all(not s.get_adapter(fake_api.url).poolmanager.pools for s in sessions)
    with pytest.raises(RuntimeError, match="closed"):
        client.list_assets()


# The fake itself


def test_fake_api_stop_cuts_a_hung_response_short():
    errors = []

    def wait_for_hung_asset():
        try:
            client.get_asset(LISBON)
        except ArgilAPIError as exc:
            errors.append(exc)

    with FakeArgilAPI() as fake, ArgilClient(base_url=fake.url, api_key=API_KEY) as client:
        client.list_assets()  # leaves an idle keep-alive connection open on the server
        fake.default(200, [], delay=60)
        caller = threading.Thread(target=wait_for_hung_asset)
        caller.start()
        deadline = time.monotonic() + 2
        while len(fake.requests) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        started = time.monotonic()
        fake.stop()
        assert time.monotonic() - started < 2
        caller.join(timeout=5)
    assert not caller.is_alive()
    assert isinstance(errors[0], ArgilUnavailable)
