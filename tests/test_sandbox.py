"""Contract tests for the sandbox: a real server on loopback, called with requests, no mocks.

The module's sandbox is shared; tests that change its faults restore them (`live_app`), and tests
that would leave something behind (a hanging request, a deleted seed asset) start their own.
"""

import dataclasses
import math
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from http.client import HTTPConnection
from pathlib import Path
from typing import Any

import pytest
import requests

from argil_sandbox import RunningSandbox, SandboxApp, SandboxConfig, start_sandbox
from argil_sandbox.library import AWKWARD_NAMES, MEDIA_BY_TYPE, generate_seed_assets

KEY = "sandbox-contract-test-key"
TIMEOUT = 5  # seconds; generous, every answer here takes a few ms
ASSET_FIELDS = {"id", "name", "type", "status", "fileUrl", "thumbnailUrl", "createdAt"}
MEDIA_DIR = Path(__file__).resolve().parents[1] / "argil_sandbox" / "media"


@pytest.fixture(scope="module")
def argil() -> Iterator[RunningSandbox]:
    with start_sandbox(api_key=KEY, config=SandboxConfig(processing_seconds=0.2)) as running:
        yield running


@pytest.fixture(scope="module")
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


@pytest.fixture
def live_app(argil: RunningSandbox) -> Iterator[SandboxApp]:
    """The running app, with whatever config a test sets put back afterwards."""
    original = argil.app.config
    yield argil.app
    argil.app.config = original


def call(
    http: requests.Session, sandbox: RunningSandbox, method: str, path: str, **kwargs: Any
) -> requests.Response:
    """Call the API (`path` under /v1) or, for paths under /__sandbox__/, the control routes."""
    headers = {"x-api-key": KEY, **kwargs.pop("headers", {})}
    root = sandbox.origin if path.startswith("/__sandbox__/") else sandbox.base_url
    url = f"{root}{path}"
    return http.request(
        method, url, headers=headers, timeout=kwargs.pop("timeout", TIMEOUT), **kwargs
    )


def wait_for(check: Callable[[], Any], *, within: float = 5.0) -> Any:
    """Poll `check` until it returns something truthy, failing after `within` seconds."""
    deadline = time.monotonic() + within
    while not (result := check()):
        assert time.monotonic() < deadline, f"still false after {within} s"
        time.sleep(0.05)
    return result


def totals(response: requests.Response) -> tuple[int, int, int, int]:
    headers = response.headers
    return (
        int(headers["X-Total-Count"]),
        int(headers["X-Page"]),
        int(headers["X-Page-Size"]),
        int(headers["X-Total-Pages"]),
    )


def parse_time(value: str) -> datetime:
    assert value.endswith("Z")
    return datetime.fromisoformat(value)


# -- GET /v1/assets ------------------------------------------------------------------------------


def test_list_defaults_to_ready_assets_of_every_type_newest_first(argil, http):
    response = call(http, argil, "GET", "/assets")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assets = response.json()
    assert isinstance(assets, list)
    assert len(assets) == 20
    assert {a["status"] for a in assets} == {"READY"}
    assert {a["type"] for a in assets} == {"AUDIO", "IMAGE", "VIDEO"}
    dates = [parse_time(a["createdAt"]) for a in assets]
    assert dates == sorted(dates, reverse=True)
    assert response.json() == call(http, argil, "GET", "/assets?status=READY").json()


def test_assets_have_exactly_the_documented_fields(argil, http):
    for status in ("READY", "PROCESSING", "FAILED"):
        for asset in call(http, argil, "GET", f"/assets?status={status}&pageSize=100").json():
            assert set(asset) == ASSET_FIELDS
            assert len(asset["id"]) == 36
            assert asset["name"] is None or isinstance(asset["name"], str)
            ready = asset["status"] == "READY"
            assert (asset["fileUrl"] is not None) == ready
            has_picture = ready and asset["type"] != "AUDIO"
            assert (asset["thumbnailUrl"] is not None) == has_picture


def test_urls_are_absolute_and_follow_the_host_the_client_called(argil, http):
    host = f"localhost:{argil.port}"
    assets = call(http, argil, "GET", "/assets?type=VIDEO", headers={"Host": host}).json()

    assert assets[0]["fileUrl"].startswith(f"http://{host}/media/clip-")
    assert assets[0]["thumbnailUrl"].startswith(f"http://{host}/media/clip-")
    media = http.get(assets[0]["fileUrl"].replace(host, f"127.0.0.1:{argil.port}"), timeout=TIMEOUT)
    assert media.status_code == 200


def test_first_page_shows_the_awkward_names(argil, http):
    # 100, not 40: uploads made by other tests are newer and push the seed down a little.
    names = [a["name"] for a in call(http, argil, "GET", "/assets?pageSize=100").json()]

    assert set(AWKWARD_NAMES.values()) <= set(names)
    assert None in names
    assert "" in names
    assert 240 in {len(n) for n in names if n}
    assert "<img src=x onerror=alert(1)>" in names


@pytest.mark.parametrize("page_size", [1, 7, 20, 100])
def test_pagination_headers_add_up(argil, http, page_size):
    response = call(http, argil, "GET", f"/assets?pageSize={page_size}&page=2")

    total, page, size, pages = totals(response)
    assert (page, size) == (2, page_size)
    assert pages == math.ceil(total / page_size)
    assert len(response.json()) == min(page_size, max(0, total - page_size))


def test_walking_every_page_yields_each_asset_once_newest_first(argil, http):
    first = call(http, argil, "GET", "/assets?status=FAILED&pageSize=7")
    total, _, _, pages = totals(first)
    walked = [
        asset
        for page in range(1, pages + 1)
        for asset in call(
            http, argil, "GET", f"/assets?status=FAILED&pageSize=7&page={page}"
        ).json()
    ]

    assert len(walked) == total
    assert len({a["id"] for a in walked}) == total
    dates = [parse_time(a["createdAt"]) for a in walked]
    assert dates == sorted(dates, reverse=True)


def test_a_page_past_the_last_is_empty_with_headers(argil, http):
    total, _, _, pages = totals(call(http, argil, "GET", "/assets?pageSize=50"))
    response = call(http, argil, "GET", f"/assets?pageSize=50&page={pages + 1}")

    assert response.status_code == 200
    assert response.json() == []
    assert totals(response) == (total, pages + 1, 50, pages)


def test_no_match_gives_zero_total_and_zero_pages(argil, http):
    # Audio is Argil's system music library: it never fails.
    response = call(http, argil, "GET", "/assets?type=AUDIO&status=FAILED")

    assert response.json() == []
    assert totals(response) == (0, 1, 20, 0)


def test_type_filter_repeats_and_combines(argil, http):
    count = {
        t: totals(call(http, argil, "GET", f"/assets?type={t}"))[0] for t in ("IMAGE", "VIDEO")
    }
    both = call(http, argil, "GET", "/assets?type=IMAGE&type=VIDEO&pageSize=100")

    assert totals(both)[0] == count["IMAGE"] + count["VIDEO"]
    assert {a["type"] for a in both.json()} == {"IMAGE", "VIDEO"}
    only_audio = call(http, argil, "GET", "/assets?type=AUDIO&type=AUDIO").json()
    assert {a["type"] for a in only_audio} == {"AUDIO"}


@pytest.mark.parametrize("status", ["PROCESSING", "READY", "FAILED"])
def test_status_filter(argil, http, status):
    response = call(http, argil, "GET", f"/assets?status={status}&pageSize=100")

    assert totals(response)[0] > 0
    assert {a["status"] for a in response.json()} == {status}


def test_library_mix_is_mostly_ready(argil, http):
    count = {
        s: totals(call(http, argil, "GET", f"/assets?status={s}"))[0]
        for s in ("READY", "PROCESSING", "FAILED")
    }
    assert count["READY"] > 0.7 * sum(count.values())


def test_unknown_parameters_are_ignored(argil, http):
    response = call(http, argil, "GET", "/assets?sort=name&pageSize=5&q=latte")

    assert response.status_code == 200
    assert len(response.json()) == 5


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("type=video", "type"),
        ("type=", "type"),
        ("type=IMAGE&type=GIF", "type"),
        ("type=IMAGE,VIDEO", "type"),
        ("status=DONE", "status"),
        ("status=ready", "status"),
        ("status=READY&status=FAILED", "status"),
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=abc", "page"),
        ("page=1.5", "page"),
        ("page=", "page"),
        ("page=1&page=2", "page"),
        ("pageSize=0", "pageSize"),
        ("pageSize=101", "pageSize"),
        ("pageSize=ten", "pageSize"),
    ],
)
def test_invalid_list_parameters_are_400_naming_the_parameter(argil, http, query, parameter):
    response = call(http, argil, "GET", f"/assets?{query}")

    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == 400
    assert body["message"].split()[0] == parameter


# -- Authentication and common headers -----------------------------------------------------------


@pytest.mark.parametrize("headers", [{}, {"x-api-key": "wrong-key"}, {"x-api-key": ""}])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/assets"),
        ("GET", "/v1/assets/90c192cf-d3ac-44af-8f21-ddb66cad4a26"),
        ("POST", "/v1/assets"),
        ("DELETE", "/v1/assets/90c192cf-d3ac-44af-8f21-ddb66cad4a26"),
        ("GET", "/__sandbox__/stats"),
        ("POST", "/__sandbox__/faults"),
    ],
)
def test_a_missing_or_wrong_key_is_401(argil, method, path, headers):
    response = requests.request(method, argil.origin + path, headers=headers, timeout=TIMEOUT)

    assert response.status_code == 401
    assert response.json() == {"code": 401, "message": "Invalid or missing API key"}
    assert "wrong-key" not in response.text


def test_every_response_carries_a_request_id(argil, http):
    responses = [
        call(http, argil, "GET", "/assets"),
        call(http, argil, "GET", "/assets?page=0"),
        call(http, argil, "GET", "/assets/00000000-0000-4000-8000-000000000000"),
        http.get(argil.base_url + "/assets", timeout=TIMEOUT),
        http.get(argil.origin + "/media/image-01.jpg", timeout=TIMEOUT),
        http.get(argil.origin + "/nowhere", timeout=TIMEOUT),
    ]
    ids = [r.headers.get("X-Request-Id") for r in responses]
    assert all(ids)
    assert len(set(ids)) == len(ids)


# -- GET /v1/assets/{id} -------------------------------------------------------------------------


def test_get_one_asset(argil, http):
    listed = call(http, argil, "GET", "/assets?pageSize=1").json()[0]
    response = call(http, argil, "GET", f"/assets/{listed['id']}")

    assert response.status_code == 200
    assert response.json() == listed


@pytest.mark.parametrize(
    "asset_id", ["00000000-0000-4000-8000-000000000000", "not-a-uuid", "%3Cscript%3E"]
)
def test_an_unknown_asset_is_404_with_the_error_shape(argil, http, asset_id):
    response = call(http, argil, "GET", f"/assets/{asset_id}")

    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"error": "Asset not found"}


# -- POST /v1/assets and the upload lifecycle ----------------------------------------------------


def upload(http, argil, **overrides: Any) -> requests.Response:
    body = {"name": "Harbour at dawn", "type": "VIDEO", "url": "https://cdn.example.com/a.mp4"}
    return call(http, argil, "POST", "/assets", json={**body, **overrides})


def settled(http, argil, asset_id: str) -> dict[str, Any] | None:
    asset = call(http, argil, "GET", f"/assets/{asset_id}").json()
    return asset if asset["status"] != "PROCESSING" else None


@pytest.mark.parametrize("asset_type", ["IMAGE", "VIDEO"])
def test_an_upload_is_processing_then_ready_and_listed_first(argil, http, asset_type):
    created = upload(http, argil, type=asset_type, name="Barista pouring latte art")

    assert created.status_code == 201
    asset = created.json()
    assert set(asset) == ASSET_FIELDS
    assert (asset["status"], asset["fileUrl"], asset["thumbnailUrl"]) == ("PROCESSING", None, None)
    assert (asset["type"], asset["name"]) == (asset_type, "Barista pouring latte art")
    processing = call(http, argil, "GET", "/assets?status=PROCESSING").json()
    assert processing[0]["id"] == asset["id"]

    ready = wait_for(lambda: settled(http, argil, asset["id"]))

    assert ready["status"] == "READY"
    assert ready["createdAt"] == asset["createdAt"]
    assert http.get(ready["fileUrl"], timeout=TIMEOUT).status_code == 200
    assert http.get(ready["thumbnailUrl"], timeout=TIMEOUT).status_code == 200
    newest = call(http, argil, "GET", f"/assets?type={asset_type}").json()[0]
    assert newest["id"] == asset["id"]


@pytest.mark.parametrize(
    "url",
    [
        "https://cdn.example.invalid/clip.mp4",
        "https://cdn.example.com/broken/clip.mp4",
        "http://cdn.example.com/will-FAIL.jpg",
    ],
)
def test_an_upload_from_a_broken_url_ends_failed(argil, http, url):
    asset = upload(http, argil, url=url).json()

    failed = wait_for(lambda: settled(http, argil, asset["id"]))

    assert (failed["status"], failed["fileUrl"], failed["thumbnailUrl"]) == ("FAILED", None, None)


def test_an_upload_name_may_be_256_characters(argil, http):
    response = upload(http, argil, name="n" * 256, type="IMAGE")

    assert response.status_code == 201
    assert response.json()["name"] == "n" * 256


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"not json", "JSON"),
        (b'["a", "list"]', "object"),
        (b"{}", "name"),
        (b'{"name": "", "type": "VIDEO", "url": "https://e.com/a.mp4"}', "name"),
        (b'{"name": 5, "type": "VIDEO", "url": "https://e.com/a.mp4"}', "name"),
        (
            ('{"name": "' + "n" * 257 + '", "type": "VIDEO", "url": "https://e.com/a"}').encode(),
            "name",
        ),
        (b'{"name": "Dusk", "url": "https://e.com/a.mp4"}', "type"),
        (b'{"name": "Dusk", "type": "AUDIO", "url": "https://e.com/a.mp3"}', "type"),
        (b'{"name": "Dusk", "type": "video", "url": "https://e.com/a.mp4"}', "type"),
        (b'{"name": "Dusk", "type": "VIDEO"}', "url"),
        (b'{"name": "Dusk", "type": "VIDEO", "url": "ftp://e.com/a.mp4"}', "url"),
        (b'{"name": "Dusk", "type": "VIDEO", "url": "e.com/a.mp4"}', "url"),
        (b'{"name": "Dusk", "type": "VIDEO", "url": "http://"}', "url"),
        (b'{"name": "Dusk", "type": "VIDEO", "url": "javascript:alert(1)"}', "url"),
        (b'{"name": "Dusk", "type": "VIDEO", "url": ["https://e.com/a.mp4"]}', "url"),
    ],
)
def test_invalid_upload_bodies_are_400(argil, http, body, field):
    headers = {"Content-Type": "application/json"}
    response = call(http, argil, "POST", "/assets", data=body, headers=headers)

    assert response.status_code == 400
    assert response.json()["code"] == 400
    assert field in response.json()["message"]


# -- DELETE /v1/assets/{id} ----------------------------------------------------------------------


def test_delete_an_upload(argil, http):
    asset = upload(http, argil).json()

    deleted = call(http, argil, "DELETE", f"/assets/{asset['id']}")

    assert deleted.status_code == 204
    assert deleted.content == b""
    assert call(http, argil, "GET", f"/assets/{asset['id']}").status_code == 404
    again = call(http, argil, "DELETE", f"/assets/{asset['id']}")
    assert again.status_code == 404
    assert again.json() == {"error": "Asset not found"}


def test_deleting_a_seed_asset_updates_lists_and_counts(http):
    with start_sandbox(api_key=KEY, config=SandboxConfig(library_size=50)) as own:
        before = call(http, own, "GET", "/assets?type=IMAGE&type=VIDEO")
        victim = before.json()[0]

        assert call(http, own, "DELETE", f"/assets/{victim['id']}").status_code == 204

        after = call(http, own, "GET", "/assets?type=IMAGE&type=VIDEO")
        assert totals(after)[0] == totals(before)[0] - 1
        assert victim["id"] not in {a["id"] for a in after.json()}


# -- Media ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content_type"),
    [("image-01.jpg", "image/jpeg"), ("clip-03.webm", "video/webm"), ("track-02.ogg", "audio/ogg")],
)
def test_media_is_served_without_a_key_and_cacheable(argil, http, name, content_type):
    response = http.get(f"{argil.origin}/media/{name}", timeout=TIMEOUT)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == content_type
    assert response.headers["Cache-Control"] == "public, max-age=86400"
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.content == (MEDIA_DIR / name).read_bytes()
    etag = {"If-None-Match": response.headers["ETag"]}
    revalidated = http.get(f"{argil.origin}/media/{name}", headers=etag, timeout=TIMEOUT)
    assert revalidated.status_code == 304


@pytest.mark.parametrize(
    ("range_header", "first", "last"),
    [("bytes=0-99", 0, 99), ("bytes=100-", 100, None), ("bytes=-500", -500, None)],
)
def test_media_range_requests_get_206(argil, http, range_header, first, last):
    data = (MEDIA_DIR / "clip-01.webm").read_bytes()
    expected = data[first : None if last is None else last + 1]

    response = http.get(
        f"{argil.origin}/media/clip-01.webm", headers={"Range": range_header}, timeout=TIMEOUT
    )

    assert response.status_code == 206
    assert response.content == expected
    start = first if first >= 0 else len(data) + first
    assert response.headers["Content-Range"] == (
        f"bytes {start}-{start + len(expected) - 1}/{len(data)}"
    )


def test_media_range_past_the_end_is_416(argil, http):
    size = (MEDIA_DIR / "image-01.jpg").stat().st_size
    response = http.get(
        f"{argil.origin}/media/image-01.jpg", headers={"Range": f"bytes={size}-"}, timeout=TIMEOUT
    )

    assert response.status_code == 416
    assert response.headers["Content-Range"] == f"bytes */{size}"


@pytest.mark.parametrize(
    "raw_path",
    [
        "/media/nope.jpg",
        "/media/",
        "/media/../library.py",
        "/media/../../../etc/passwd",
        "/media/%2e%2e/app.py",
        "/media/..%2fserver.py",
        "/media/%2fetc%2fpasswd",
        "/media//etc/passwd",
    ],
)
def test_unknown_media_and_path_traversal_are_404(argil, raw_path):
    # http.client sends the path as written; requests would normalise the dots away.
    connection = HTTPConnection("127.0.0.1", argil.port, timeout=TIMEOUT)
    try:
        connection.request("GET", raw_path)
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()

    assert response.status == 404
    assert b"import" not in body


def test_every_catalogued_media_file_exists_and_the_set_stays_small():
    names = [n for files in MEDIA_BY_TYPE.values() for m in files for n in (m.file, m.thumbnail)]
    for name in filter(None, names):
        assert (MEDIA_DIR / name).stat().st_size > 1000, name
    assert sum(p.stat().st_size for p in MEDIA_DIR.iterdir()) < 2 * 1024 * 1024


# -- Determinism and scale -----------------------------------------------------------------------


def test_the_seed_library_is_deterministic():
    assert generate_seed_assets(240, seed=7) == generate_seed_assets(240, seed=7)
    assert generate_seed_assets(240, seed=7) != generate_seed_assets(240, seed=8)


def test_two_sandboxes_with_the_same_seed_answer_the_same(http):
    pages = []
    for _ in range(2):
        with start_sandbox(api_key=KEY) as own:
            response = call(http, own, "GET", "/assets?status=PROCESSING&pageSize=100")
            pages.append(response.text.replace(own.origin, "ORIGIN"))
    assert pages[0] == pages[1]


def test_a_100_000_asset_library_starts_and_answers_quickly(http):
    # How fast is for bench/ to measure; here: that it starts and answers correctly.
    with start_sandbox(api_key=KEY, config=SandboxConfig(library_size=100_000)) as big:
        for query in (
            "",
            "type=IMAGE&type=VIDEO&page=2000",
            "type=AUDIO&type=IMAGE&type=VIDEO&page=3000&pageSize=20",
            "status=FAILED&type=VIDEO&type=AUDIO&pageSize=100&page=40",
        ):
            response = call(http, big, "GET", f"/assets?{query}")
            assert response.status_code == 200
            assert response.json()
        assert totals(call(http, big, "GET", "/assets?status=READY"))[0] > 70_000


# -- Fault injection -----------------------------------------------------------------------------


def test_latency_applies_to_api_calls_only(argil, http, live_app):
    # A delay large enough that no loaded machine blurs the difference.
    live_app.config = dataclasses.replace(live_app.config, latency_ms=1500)

    started = time.perf_counter()
    assert call(http, argil, "GET", "/assets?pageSize=1").status_code == 200
    assert time.perf_counter() - started >= 1.5
    started = time.perf_counter()
    assert http.get(argil.origin + "/media/image-02.jpg", timeout=TIMEOUT).status_code == 200
    assert time.perf_counter() - started < 1.5


def test_media_latency_delays_media_only(argil, http, live_app):
    live_app.config = dataclasses.replace(live_app.config, media_latency_ms=300)

    started = time.perf_counter()
    assert http.get(argil.origin + "/media/image-02.jpg", timeout=TIMEOUT).status_code == 200
    assert time.perf_counter() - started >= 0.3


def test_every_call_fails_at_error_rate_one(argil, http, live_app):
    live_app.config = dataclasses.replace(live_app.config, error_rate=1.0)

    response = call(http, argil, "GET", "/assets")

    assert response.status_code == 503
    assert response.json()["code"] == 503
    assert http.get(argil.origin + "/media/image-02.jpg", timeout=TIMEOUT).status_code == 200


def test_some_calls_fail_at_error_rate_one_half(argil, http, live_app):
    live_app.config = dataclasses.replace(live_app.config, error_rate=0.5)

    statuses = {call(http, argil, "GET", "/assets?pageSize=1").status_code for _ in range(40)}

    assert statuses == {200, 503}


def test_a_timeout_fault_hangs_the_request(http):
    config = SandboxConfig(timeout_rate=1.0, hang_seconds=10)
    with start_sandbox(api_key=KEY, config=config) as own:  # stop() cuts the hang short
        with pytest.raises(requests.ReadTimeout):
            call(http, own, "GET", "/assets", timeout=0.3)
        own.app.config = dataclasses.replace(own.app.config, timeout_rate=0.0)
        assert call(http, own, "GET", "/assets", timeout=0.3).status_code == 200


def test_an_outage_set_over_http_fails_everything_until_it_ends(argil, http, live_app):
    response = call(http, argil, "POST", "/__sandbox__/faults", json={"outage_seconds": 0.4})

    assert response.status_code == 200
    assert 0 < response.json()["outage_remaining_seconds"] <= 0.4
    assert call(http, argil, "GET", "/assets").status_code == 503
    wait_for(lambda: call(http, argil, "GET", "/assets").status_code == 200)
    assert call(http, argil, "GET", "/__sandbox__/faults").json()["outage_remaining_seconds"] == 0


def test_faults_can_be_set_and_read_over_http(argil, http, live_app):
    changes = {"latency_ms": 5, "error_rate": 0.25, "timeout_rate": 0.1, "hang_seconds": 2}

    response = call(http, argil, "POST", "/__sandbox__/faults", json=changes)

    assert response.status_code == 200
    assert response.json() == {
        **changes,
        "outage_remaining_seconds": 0,
        "rate_limit_per_minute": 0,
        "rate_window_seconds": 60.0,
    }
    assert live_app.config.error_rate == 0.25


@pytest.mark.parametrize(
    "body",
    [
        {"error_rte": 0.1},
        {"error_rate": 1.5},
        {"error_rate": "high"},
        {"latency_ms": 1.5},
        {"latency_ms": True},
        {"outage_seconds": -1},
        ["error_rate"],
    ],
)
def test_bad_fault_changes_are_400(argil, http, live_app, body):
    before = live_app.config

    response = call(http, argil, "POST", "/__sandbox__/faults", json=body)

    assert response.status_code == 400
    assert response.json()["code"] == 400
    assert live_app.config == before


def test_config_rejects_impossible_values():
    with pytest.raises(ValueError, match="error_rate"):
        SandboxConfig(error_rate=2)


# -- Stats ---------------------------------------------------------------------------------------


def test_stats_count_api_calls_by_route_and_reset(argil, http):
    assert call(http, argil, "POST", "/__sandbox__/stats/reset").json()["total"] == 0

    call(http, argil, "GET", "/assets")
    call(http, argil, "GET", "/assets?page=2")
    call(http, argil, "GET", "/assets/00000000-0000-4000-8000-000000000000")
    http.get(argil.base_url + "/assets", timeout=TIMEOUT)  # no key: still an upstream call
    http.get(argil.origin + "/media/image-01.jpg", timeout=TIMEOUT)  # media: not counted

    stats = call(http, argil, "GET", "/__sandbox__/stats").json()
    assert stats == {
        "total": 4,
        "routes": {"GET /v1/assets": 3, "GET /v1/assets/{id}": 1},
        "statuses": {"200": 2, "401": 1, "404": 1},
    }
    assert argil.app.stats.snapshot() == stats
    argil.app.stats.reset()
    assert argil.app.stats.total == 0


def test_stop_is_idempotent_and_closes_the_port():
    own = start_sandbox(api_key=KEY, config=SandboxConfig(library_size=5))
    own.stop()
    own.stop()

    with pytest.raises(requests.ConnectionError):
        requests.get(own.base_url + "/assets", timeout=TIMEOUT)


def test_one_connection_serves_many_requests(argil):
    """HTTP/1.1 keep-alive, as Argil does: the client's pooled connection is really reused."""
    connection = HTTPConnection("127.0.0.1", argil.port, timeout=TIMEOUT)
    try:
        for _ in range(3):
            connection.request("GET", "/v1/assets?pageSize=1", headers={"x-api-key": KEY})
            response = connection.getresponse()
            response.read()
            assert response.status == 200
            assert response.version == 11
            assert response.getheader("Connection", "").lower() != "close"
        first_socket = connection.sock
        connection.request("GET", "/v1/assets?pageSize=1", headers={"x-api-key": KEY})
        connection.getresponse().read()
        assert connection.sock is first_socket  # http.client reconnects only if it was closed
    finally:
        connection.close()


def test_runs_as_its_own_program_and_stops_on_sigterm():
    env = {**os.environ, "ARGIL_API_KEY": KEY}
    command = [sys.executable, "-m", "argil_sandbox", "--port=0", "--library-size=5"]
    with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True) as process:
        banner = process.stdout.readline()
        assert banner.startswith("Argil sandbox: http://127.0.0.1:")
        base_url = banner.removeprefix("Argil sandbox: ").strip()
        answer = requests.get(base_url + "/assets", headers={"x-api-key": KEY}, timeout=TIMEOUT)
        assert answer.headers["X-Total-Count"] == str(
            sum(1 for a in generate_seed_assets(5, seed=7) if a.status == "READY")
        )
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        assert KEY not in process.stdout.read()
    with pytest.raises(requests.ConnectionError):
        requests.get(base_url + "/assets", timeout=TIMEOUT)
