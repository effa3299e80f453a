"""The upstream cache: canonical keys, reuse, short TTLs for PROCESSING, invalidation on create,
single flight across threads, stale copies while Argil fails, and never the key in the cache.

Every upstream call is counted on a real loopback server (the fake API), never a mock.
"""

import json
import pickle
import re
import socket
import threading
import time

import pytest
from django.core.cache import caches
from django.urls import reverse

from assets_browser import services, upstream_cache
from assets_browser.api import ArgilAPIError, ArgilNotFound, AssetStatus, AssetType
from assets_browser.browse_query import BrowseQuery
from tests import testdata
from tests.testdata import HTMX, totals

BROWSE = reverse("assets_browser:browse")
PRELOAD = {**HTMX, "HX-Preloaded": "true"}
STALE_NOTICE = "Argil is not answering right now"

pytestmark = pytest.mark.django_db


def asset(name="Harbour at dawn, fishing boats leaving", n=1, status="READY", type="VIDEO"):
    """The n-th asset of a page; one still processing has no media yet."""
    media = {"fileUrl": None, "thumbnailUrl": None} if status == "PROCESSING" else {}
    return testdata.asset(testdata.asset_id(n), name, status=status, type=type, **media)


def list_calls(fake) -> int:
    return sum(1 for r in fake.requests if r.method == "GET" and r.path.endswith("/assets"))


def key_for(query: BrowseQuery) -> str:
    return upstream_cache.list_key(
        services._scope(),
        types=[t.value for t in query.types],
        status=query.status.value,
        page=query.page,
        page_size=query.page_size,
    )


def entry_for(query: BrowseQuery) -> dict:
    return caches["default"].get(key_for(query))


def store_list(query: BrowseQuery, items, *, age: float, ttl: float = 30) -> None:
    """Put an answer for ``query`` in the cache as if Argil had sent it ``age`` seconds ago."""
    upstream_cache.store(
        key_for(query),
        {"body": items, "headers": totals(total=len(items))},
        ttl=ttl,
        generation=upstream_cache.list_generation(services._scope(), query.status.value),
        fetched_at=time.time() - age,
    )


def stored_items() -> dict[str, bytes]:
    """Every key and stored value, as bytes, of the LocMem or Redis cache the tests run on."""
    backend = caches["default"]
    if hasattr(backend, "_expire_info"):  # LocMemCache: {key: pickled value}
        return dict(backend._cache)
    client = backend._cache.get_client(None)  # RedisCache (make test-services)
    return {k.decode(): client.get(k) for k in client.keys("*")}


# Keys


def test_cache_key_ignores_type_order_and_repeats():
    scope = upstream_cache.scope_of("https://api.argil.ai/v1", "sk-live-workspace-key-1")
    one = upstream_cache.list_key(
        scope, types=["VIDEO", "IMAGE"], status="READY", page=2, page_size=20
    )
    other = upstream_cache.list_key(
        scope, types=["IMAGE", "VIDEO", "IMAGE"], status="READY", page=2, page_size=20
    )
    next_page = upstream_cache.list_key(
        scope, types=["IMAGE", "VIDEO"], status="READY", page=3, page_size=20
    )
    assert one == other
    assert one != next_page


@pytest.mark.parametrize(
    "field",
    [{"status": "PROCESSING"}, {"page_size": 100}, {"types": ["AUDIO"]}, {"page": 1}],
)
def test_cache_key_covers_every_forwarded_filter(field):
    scope = upstream_cache.scope_of("https://api.argil.ai/v1", "sk-live-workspace-key-1")
    base = {"types": [], "status": "READY", "page": 2, "page_size": 20}
    assert upstream_cache.list_key(scope, **base) != upstream_cache.list_key(
        scope, **(base | field)
    )


def test_cache_key_holds_a_hash_of_the_key_never_the_key():
    api_key = "sk-live-workspace-key-1"
    scope = upstream_cache.scope_of("https://api.argil.ai/v1", api_key)
    key = upstream_cache.list_key(scope, types=["VIDEO"], status="READY", page=1, page_size=100)
    assert api_key not in key
    assert scope != upstream_cache.scope_of("https://api.argil.ai/v1", "sk-live-workspace-key-2")
    assert scope != upstream_cache.scope_of("http://127.0.0.1:8001/v1", api_key)
    assert len(key) < 80
    assert key.isascii()
    assert " " not in key


# Reuse


@pytest.mark.parametrize("htmx", [False, True])
def test_cache_second_identical_view_makes_no_upstream_call(editor_client, use_fake_api, htmx):
    use_fake_api.default(200, [asset()], headers=totals())
    headers = HTMX if htmx else {}
    first = editor_client.get(BROWSE + "?type=VIDEO&type=IMAGE", headers=headers)
    second = editor_client.get(BROWSE + "?type=IMAGE&type=VIDEO", headers=headers)
    assert first.status_code == second.status_code == 200
    assert "Harbour at dawn" in second.content.decode()
    assert list_calls(use_fake_api) == 1


def test_cache_a_cold_view_calls_the_upstream_exactly_once(editor_client, use_fake_api):
    use_fake_api.default(200, [asset()], headers=totals())
    response = editor_client.get(BROWSE + "?status=FAILED&pageSize=50")
    assert response.status_code == 200
    assert len(use_fake_api.requests) == 1


def test_cache_another_page_is_another_upstream_call(editor_client, use_fake_api):
    use_fake_api.default(200, [asset()], headers=totals(total=60))
    editor_client.get(BROWSE)
    editor_client.get(BROWSE + "?page=2")
    assert [r.query["page"] for r in use_fake_api.requests] == [["1"], ["2"]]


def test_cache_unreadable_answers_are_not_kept(editor_client, use_fake_api):
    use_fake_api.enqueue(200, {"not": "a list"})
    use_fake_api.enqueue(200, [asset()], headers=totals())
    assert editor_client.get(BROWSE).status_code == 502
    assert editor_client.get(BROWSE).status_code == 200
    assert list_calls(use_fake_api) == 2


def test_cache_ready_lists_live_for_the_configured_ttl(editor_client, use_fake_api, settings):
    settings.ARGIL_CACHE_TTL = 45
    use_fake_api.default(200, [asset()], headers=totals())
    editor_client.get(BROWSE)
    entry = entry_for(BrowseQuery())
    assert entry["fresh_until"] - entry["fetched_at"] == pytest.approx(45)


def test_cache_processing_lists_get_the_short_ttl(editor_client, use_fake_api):
    items = [asset("Upload: street market, Marrakech", status="PROCESSING"), asset(n=2)]
    use_fake_api.default(200, items, headers=totals(total=2))
    editor_client.get(BROWSE + "?status=PROCESSING")
    entry = entry_for(BrowseQuery(status=AssetStatus.PROCESSING))
    assert entry["fresh_until"] - entry["fetched_at"] == pytest.approx(
        upstream_cache.PROCESSING_TTL
    )


# Invalidation


def test_cache_create_invalidates_lists(editor_client, use_fake_api):
    use_fake_api.default(200, [asset()], headers=totals())
    editor_client.get(BROWSE + "?status=PROCESSING")
    editor_client.get(BROWSE + "?status=PROCESSING")
    use_fake_api.enqueue(201, asset("New upload: rooftop timelapse", n=9, status="PROCESSING"))
    services.create_asset(
        name="New upload: rooftop timelapse",
        type=AssetType.VIDEO,
        url="https://files.example.com/rooftop.mp4",
    )
    editor_client.get(BROWSE + "?status=PROCESSING")
    assert [r.method for r in use_fake_api.requests] == ["GET", "POST", "GET"]


def test_cache_failed_create_still_invalidates(editor_client, use_fake_api):
    use_fake_api.default(200, [asset()], headers=totals())
    editor_client.get(BROWSE + "?status=PROCESSING")
    use_fake_api.enqueue(500, {"message": "created, then crashed"})
    with pytest.raises(ArgilAPIError):
        services.create_asset(
            name="Night traffic, long exposure",
            type=AssetType.VIDEO,
            url="https://files.example.com/traffic.mp4",
        )
    editor_client.get(BROWSE + "?status=PROCESSING")
    assert list_calls(use_fake_api) == 2


def test_cache_creates_keep_the_ready_and_failed_lists(editor_client, use_fake_api):
    """A new asset is PROCESSING: it changes no READY or FAILED list until it settles."""
    use_fake_api.default(200, [asset()], headers=totals())
    editor_client.get(BROWSE)
    editor_client.get(BROWSE + "?status=FAILED")
    for number in range(5):
        use_fake_api.enqueue(201, asset(f"Upload {number}", n=20 + number, status="PROCESSING"))
        services.create_asset(
            name=f"Upload {number}", type=AssetType.VIDEO, url="https://files.example.com/a.mp4"
        )
    editor_client.get(BROWSE)
    editor_client.get(BROWSE + "?status=FAILED")
    assert list_calls(use_fake_api) == 2


def test_cache_refused_create_invalidates_nothing(editor_client, use_fake_api):
    use_fake_api.default(200, [asset()], headers=totals())
    editor_client.get(BROWSE + "?status=PROCESSING")
    use_fake_api.enqueue(400, {"message": "url is not reachable"})
    with pytest.raises(ArgilAPIError):
        services.create_asset(
            name="Night traffic", type=AssetType.VIDEO, url="https://files.example.com/x.mp4"
        )
    editor_client.get(BROWSE + "?status=PROCESSING")
    assert list_calls(use_fake_api) == 1


@pytest.mark.parametrize(
    ("settles_as", "invalidates"),
    [("READY", True), ("FAILED", True), (None, True), ("PROCESSING", False)],  # None: deleted
)
def test_cache_status_poll_invalidates_lists_when_an_asset_settles(
    editor_client, use_fake_api, settles_as, invalidates
):
    """A READY list cached a moment ago must not hide an upload that has just finished."""
    status_url = reverse("assets_browser:asset_status")
    upload = asset("Rooftop timelapse", n=9, status="PROCESSING")
    use_fake_api.enqueue(200, [upload], headers=totals())
    editor_client.get(BROWSE + "?status=PROCESSING")  # the editor sees it processing
    use_fake_api.enqueue(200, [asset()], headers=totals())
    editor_client.get(BROWSE)  # the READY list, now cached
    # The poll: the PROCESSING list no longer holds the upload (unless it still processes),
    # then the upload itself: settled, or gone.
    use_fake_api.enqueue(200, [upload] if settles_as == "PROCESSING" else [], headers=totals(0))
    if settles_as == "READY" or settles_as == "FAILED":
        use_fake_api.enqueue(200, {**upload, "status": settles_as})
    elif settles_as is None:
        use_fake_api.enqueue(404, {"message": "not found"})
    response = editor_client.get(status_url, {"id": upload["id"]})
    assert response.status_code == (200 if settles_as == "PROCESSING" else 286)  # 286: stop polling
    use_fake_api.default(200, [asset(), {**upload, "status": "READY"}], headers=totals(2))
    editor_client.get(BROWSE)
    assert list_calls(use_fake_api) == (4 if invalidates else 3)


@pytest.mark.parametrize("answer", [(404, {"message": "not found"}), (200, asset(n=5))])
def test_cache_status_poll_of_an_asset_never_seen_processing_keeps_the_lists(
    editor_client, use_fake_api, answer
):
    """Only an upload seen PROCESSING that settles changes the lists: asking about an unknown
    id, or one that was READY all along, must not empty every editor's cached lists."""
    use_fake_api.enqueue(200, [asset()], headers=totals())
    editor_client.get(BROWSE)
    use_fake_api.enqueue(200, [], headers=totals(0))  # the PROCESSING list
    use_fake_api.enqueue(*answer)
    status_url = reverse("assets_browser:asset_status")
    assert editor_client.get(status_url, {"id": asset(n=5)["id"]}).status_code == 286  # done
    editor_client.get(BROWSE)
    assert list_calls(use_fake_api) == 2  # the READY list once, the PROCESSING list once


def test_cache_an_upload_settling_invalidates_once(editor_client, use_fake_api):
    upload = asset("Rooftop timelapse", n=9, status="PROCESSING")
    status_url = reverse("assets_browser:asset_status")
    use_fake_api.enqueue(200, [upload], headers=totals())
    editor_client.get(BROWSE + "?status=PROCESSING")
    use_fake_api.answer(f"/v1/assets/{upload['id']}", 200, {**upload, "status": "READY"})
    use_fake_api.default(200, [asset()], headers=totals())
    editor_client.get(BROWSE)
    for _ in range(3):  # three tabs, or three polls, see it settled
        editor_client.get(status_url, {"id": upload["id"]})
    editor_client.get(BROWSE)
    ready_list_calls = [
        r
        for r in use_fake_api.requests
        if r.path.endswith("/assets") and r.query["status"] == ["READY"]
    ]
    assert len(ready_list_calls) == 2


def test_cache_invalidated_lists_remain_as_stale_copies(editor_client, use_fake_api):
    use_fake_api.enqueue(200, [asset()], headers=totals())
    editor_client.get(BROWSE)
    services.invalidate_asset_lists()
    use_fake_api.default(503, {"message": "maintenance"})
    response = editor_client.get(BROWSE)
    assert response.status_code == 200
    assert STALE_NOTICE in response.content.decode()


# Single flight


def test_cache_single_flight_threads_make_one_upstream_call(use_fake_api):
    use_fake_api.default(200, [asset()], headers=totals(), delay=0.3)
    start = threading.Barrier(8)
    results, failures = [], []

    def browse():
        start.wait()
        try:
            results.append(services.list_assets(BrowseQuery(types=(AssetType.VIDEO,))))
        except Exception as exc:  # reported below, with the thread's answer
            failures.append(exc)

    threads = [threading.Thread(target=browse) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(results) == 8
    assert {r.page.items[0].name for r in results} == {"Harbour at dawn, fishing boats leaving"}
    assert len(use_fake_api.requests) == 1


def test_cache_single_flight_shares_the_upstream_error(use_fake_api):
    use_fake_api.default(401, {"message": "invalid key"}, delay=0.3)
    start = threading.Barrier(6)
    errors = []

    def browse():
        start.wait()
        try:
            services.list_assets(BrowseQuery())
        except ArgilAPIError as exc:
            errors.append(type(exc).__name__)

    threads = [threading.Thread(target=browse) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == ["ArgilAuthError"] * 6
    assert len(use_fake_api.requests) == 1


def waiting(key: str) -> bool:
    """A thread of this process is waiting on (or making) the call for ``key``."""
    return any(k.startswith(key + ":") for k in upstream_cache._flights._flights)


def test_cache_waits_for_another_process_holding_the_lock(use_fake_api):
    """Another process (simulated by holding its lock) is asking Argil: we take its answer."""
    query = BrowseQuery(types=(AssetType.IMAGE,))
    scope = services._scope()
    key = upstream_cache.list_key(scope, types=["IMAGE"], status="READY", page=1, page_size=20)
    assert caches["default"].add(f"{key}:lock", "another-process", timeout=10)
    results = []
    waiter = threading.Thread(target=lambda: results.append(services.list_assets(query)))
    waiter.start()
    deadline = time.monotonic() + 5
    while not waiting(key) and time.monotonic() < deadline:
        time.sleep(0.005)  # until the waiter has missed the cache and is waiting
    store_list(query, [asset("Macro shot: ink in water", type="IMAGE")], age=0)
    waiter.join()
    assert results[0].page.items[0].name == "Macro shot: ink in water"
    assert use_fake_api.requests == []


# Stale copies while Argil fails


@pytest.mark.parametrize("htmx", [False, True])
@pytest.mark.parametrize(
    ("status", "headers"),
    [(503, {}), (500, {}), (429, {"Retry-After": "120"})],
)
def test_cache_stale_if_error_shows_the_notice_with_200(
    editor_client, use_fake_api, htmx, status, headers
):
    query = BrowseQuery(types=(AssetType.VIDEO,))
    store_list(query, [asset("Drone flyover, Lisbon rooftops")], age=185)
    use_fake_api.default(status, {"message": "busy"}, headers=headers)
    response = editor_client.get(BROWSE + "?type=VIDEO", headers=HTMX if htmx else {})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Shown from <time datetime=" in html
    assert "3 minutes ago</time> — Argil is not answering right now." in html
    assert "Drone flyover, Lisbon rooftops" in html
    assert "no-cache" in response["Cache-Control"]


def test_cache_stale_copy_under_a_minute_old_says_so(editor_client, use_fake_api):
    store_list(BrowseQuery(), [asset()], age=40, ttl=30)
    use_fake_api.default(503, {"message": "maintenance"})
    html = editor_client.get(BROWSE).content.decode()
    assert "less than a minute ago</time> — Argil is not answering right now." in html


def test_cache_stale_copy_older_than_the_hard_ttl_is_not_shown(editor_client, use_fake_api):
    store_list(BrowseQuery(), [asset()], age=upstream_cache.STALE_TTL + 60)
    use_fake_api.default(503, {"message": "maintenance"})
    response = editor_client.get(BROWSE, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 502
    assert "Argil is unreachable right now" in html
    assert STALE_NOTICE not in html
    assert "Harbour at dawn" not in html


def test_cache_auth_errors_are_never_hidden_behind_a_stale_copy(editor_client, use_fake_api):
    store_list(BrowseQuery(), [asset()], age=120)
    use_fake_api.default(401, {"message": "invalid key"})
    response = editor_client.get(BROWSE)
    assert response.status_code == 502
    assert "check ARGIL_API_KEY" in response.content.decode()


def test_cache_stale_copies_spare_a_failing_upstream(editor_client, use_fake_api):
    store_list(BrowseQuery(), [asset()], age=120)
    use_fake_api.default(429, {"error": "slow down"}, headers={"Retry-After": "30"})
    for _ in range(5):
        assert STALE_NOTICE in editor_client.get(BROWSE).content.decode()
    assert list_calls(use_fake_api) == 1  # then Argil is left alone for Retry-After


def test_cache_fresh_answer_shows_no_notice(editor_client, use_fake_api):
    use_fake_api.default(200, [asset()], headers=totals())
    assert STALE_NOTICE not in editor_client.get(BROWSE).content.decode()


# One asset


def test_cache_get_asset_is_cached(use_fake_api):
    use_fake_api.default(200, asset("Slow pan across a wheat field"))
    first = services.get_asset(asset()["id"])
    second = services.get_asset(asset()["id"].upper())
    assert first == second
    assert first.name == "Slow pan across a wheat field"
    assert len(use_fake_api.requests) == 1


def test_cache_get_asset_processing_is_asked_again(use_fake_api):
    use_fake_api.enqueue(200, asset("Upload: canal boats, Amsterdam", status="PROCESSING"))
    use_fake_api.enqueue(200, asset("Upload: canal boats, Amsterdam"))
    assert services.get_asset(asset()["id"]).status == AssetStatus.PROCESSING
    assert services.get_asset(asset()["id"]).status == AssetStatus.READY
    assert len(use_fake_api.requests) == 2


def age_asset_entry(asset_id: str, seconds: float) -> None:
    """Make the cached answer for ``asset_id`` look ``seconds`` older than it is."""
    key = upstream_cache.asset_key(services._scope(), asset_id)
    entry = caches["default"].get(key)
    entry["fetched_at"] -= seconds
    caches["default"].set(key, entry)


def asset_calls(fake) -> int:
    return sum(1 for r in fake.requests if "/assets/" in r.path)


def test_cache_get_asset_is_reused_briefly_by_previews_and_for_a_minute_by_the_export(
    use_fake_api, settings
):
    use_fake_api.default(200, asset())
    services.get_asset(asset()["id"])
    age_asset_entry(asset()["id"], upstream_cache.ASSET_TTL + 5)
    services.get_asset(asset()["id"], max_age=services.SETTLED_MAX_AGE)
    assert asset_calls(use_fake_api) == 1  # the export takes an answer from the last minute
    services.get_asset(asset()["id"])
    assert asset_calls(use_fake_api) == 2  # a preview wants one from the last few seconds
    assert upstream_cache.ASSET_TTL < services.SETTLED_MAX_AGE <= settings.ARGIL_CACHE_TTL * 2


def test_cache_not_found_is_kept_briefly(use_fake_api):
    use_fake_api.enqueue(404, {"error": "Asset not found"})
    use_fake_api.enqueue(200, asset())
    for _ in range(3):  # a preview of an unknown id, opened again and again
        with pytest.raises(ArgilNotFound):
            services.get_asset(asset()["id"])
    assert asset_calls(use_fake_api) == 1
    age_asset_entry(asset()["id"], upstream_cache.ASSET_TTL + 1)
    assert services.get_asset(asset()["id"]).name == "Harbour at dawn, fishing boats leaving"
    assert asset_calls(use_fake_api) == 2


# What is stored


def test_cache_never_stores_the_api_key(editor_client, use_fake_api, settings):
    use_fake_api.default(200, [asset(), asset(n=2, status="PROCESSING")], headers=totals(2))
    editor_client.get(BROWSE + "?type=VIDEO")
    editor_client.get(BROWSE + "?status=PROCESSING", headers=PRELOAD)
    use_fake_api.enqueue(200, asset())
    services.get_asset(asset()["id"])
    services.invalidate_asset_lists()
    use_fake_api.default(503, {"message": "down"})
    editor_client.get(BROWSE + "?type=VIDEO")
    stored = stored_items()
    key = settings.ARGIL_API_KEY
    assert len(stored) >= 3
    for cache_key, raw in stored.items():
        assert key not in cache_key
        assert key.encode() not in raw
        value = int(raw) if raw.isdigit() else pickle.loads(raw)  # Redis keeps ints as ints
        assert key not in json.dumps(value)  # plain JSON: it pickles alike everywhere


# The browser's cache: only a preload is kept, briefly


def test_preloaded_fragment_is_briefly_cacheable(editor_client, use_fake_api):
    use_fake_api.default(200, [asset()], headers=totals(total=60))
    response = editor_client.get(BROWSE + "?page=2", headers=PRELOAD)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, max-age=10"
    assert "HX-Request" in response["Vary"]
    assert "HX-History-Restore-Request" in response["Vary"]


@pytest.mark.parametrize(
    "headers",
    [{}, HTMX, {**PRELOAD, "HX-History-Restore-Request": "true"}],
    ids=["page", "fragment", "history-restore"],
)
def test_other_browse_responses_are_never_reused(editor_client, use_fake_api, headers):
    use_fake_api.default(200, [asset()], headers=totals(total=60))
    response = editor_client.get(BROWSE + "?page=2", headers=headers)
    assert "no-cache" in response["Cache-Control"]
    assert "max-age" not in response["Cache-Control"]


def test_preloaded_error_or_stale_copy_is_not_cacheable(editor_client, use_fake_api):
    use_fake_api.default(503, {"message": "maintenance"})
    assert "no-cache" in editor_client.get(BROWSE, headers=PRELOAD)["Cache-Control"]
    store_list(BrowseQuery(), [asset()], age=120)
    response = editor_client.get(BROWSE, headers=PRELOAD)
    assert STALE_NOTICE in response.content.decode()
    assert "no-cache" in response["Cache-Control"]


# Lean responses


@pytest.mark.parametrize(
    ("accepted", "coding"),
    [
        ("gzip, deflate, br, zstd", "zstd"),  # what browsers send over HTTPS
        ("gzip, deflate, br", "br"),
        ("gzip, deflate", "gzip"),
        ("identity", None),
    ],
)
def test_pages_are_compressed_as_the_browser_accepts(editor_client, use_sandbox, accepted, coding):
    import gzip

    import brotli
    from backports import zstd

    plain = editor_client.get(BROWSE + "?pageSize=100", headers={"Accept-Encoding": "identity"})
    response = editor_client.get(BROWSE + "?pageSize=100", headers={"Accept-Encoding": accepted})
    assert response.get("Content-Encoding") == coding
    if coding:
        assert "accept-encoding" in response["Vary"].lower()
    decode = {"zstd": zstd.decompress, "br": brotli.decompress, "gzip": gzip.decompress}
    body = decode[coding](response.content) if coding else response.content
    # The same page (bar the per-response CSRF masking and CSP nonce), a fraction of its size.
    mask = re.compile(rb'value="[A-Za-z0-9]{64}"|"x-csrftoken": "[A-Za-z0-9]{64}"|nonce="[^"]+"')
    assert mask.sub(b"", body) == mask.sub(b"", plain.content)
    if coding:
        assert len(response.content) < len(plain.content) / 8


def test_fragment_carries_only_the_results(editor_client, use_sandbox):
    page = editor_client.get(BROWSE).content.decode()
    fragment = editor_client.get(BROWSE, headers=HTMX).content.decode()
    assert fragment.lstrip().startswith('<section id="results"')
    # After the results, only the out-of-band updates of the counts, the catalogue status and
    # the duration presets' links (they carry the rest of the query).
    _, _, after = fragment.rpartition("</section>")
    presets = r'<ul id="duration-presets" [^>]*hx-swap-oob="true">.*?</ul>'
    after = re.sub(presets, "", after, flags=re.S)
    oob = r'<(span|p) [^>]*hx-swap-oob="true"[^>]*>[^<]*</\1>'
    assert re.sub(oob, "", after).strip() == ""
    assert len(fragment) < len(page)


def test_page_loads_one_script_of_ours_beside_htmx(editor_client, use_sandbox):
    html = editor_client.get(BROWSE).content.decode()
    scripts = re.findall(r'<script(?: type="module")? src="([^"]+)"', html)
    ours = [src for src in scripts if "django_htmx/" not in src]
    assert ours == ["/static/assets_browser/js/main.js"]  # it loads the other modules
    assert any(src.endswith("ext/hx-preload-2.min.js") for src in scripts)


def test_next_page_link_is_preloaded(editor_client, use_sandbox):
    html = editor_client.get(BROWSE).content.decode()
    assert 'hx-ext="preload"' in html
    next_link = html[html.index('rel="next"') :].split(">", 1)[0]
    assert 'preload="mouseover"' in next_link


def test_cache_outage_falls_back_to_asking_argil(editor_client, use_fake_api, settings):
    with socket.socket() as unused:  # a port nothing listens on: Redis is down
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    settings.CACHES = {
        "default": {
            "BACKEND": "assets_browser.redis_cache.RedisCache",  # as settings.py has it
            "LOCATION": f"redis://127.0.0.1:{port}/0",
        }
    }
    use_fake_api.default(200, [asset()], headers=totals())
    first = editor_client.get(BROWSE)
    second = editor_client.get(BROWSE, headers=HTMX)
    assert first.status_code == second.status_code == 200
    assert "Harbour at dawn" in second.content.decode()
    assert list_calls(use_fake_api) == 2  # no cache, no error
