"""Preview (asset page and dialog), live status, and add B-roll by URL; real loopback servers."""

import dataclasses
import json
import re
import time
import uuid

import pytest
from django.test import Client
from django.urls import reverse

from assets_browser import services
from assets_browser.api import AssetType
from assets_browser.browse_query import BrowseQuery
from tests.testdata import HTMX, LISBON, asset

pytestmark = pytest.mark.django_db

CLIP_ID = LISBON
STATUS = reverse("assets_browser:asset_status")
CREATE = reverse("assets_browser:asset_create")


def detail_url(asset_id=CLIP_ID):
    return reverse("assets_browser:asset_detail", kwargs={"asset_id": asset_id})


def enqueue_processing_list(fake_api, *items):
    """The answer to the status poll's one list call: GET /assets?status=PROCESSING."""
    fake_api.enqueue(
        200,
        list(items),
        headers={"X-Total-Count": str(len(items)), "X-Page": "1", "X-Page-Size": "100"},
    )


# Preview: the asset page and the dialog fragment


@pytest.mark.parametrize("htmx", [False, True])
def test_asset_detail_renders_page_or_fragment(editor_client, use_fake_api, htmx):
    use_fake_api.enqueue(200, asset())
    response = editor_client.get(detail_url(), headers=HTMX if htmx else {})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="preview-title"' in html
    assert "Drone flyover, Lisbon rooftops at dusk" in html
    assert '<video class="preview-video" controls preload="metadata"' in html
    assert 'poster="https://cdn.example.com/5b0c6f0e.jpg"' in html
    assert CLIP_ID in html
    assert 'data-copy="' + CLIP_ID + '"' in html
    assert ("<title>" in html) is not htmx
    assert ("Back to the library" in html) is not htmx


def test_asset_detail_calls_the_upstream_once(editor_client, use_fake_api):
    use_fake_api.enqueue(200, asset())
    editor_client.get(detail_url(), headers=HTMX)
    assert [(r.method, r.path) for r in use_fake_api.requests] == [("GET", f"/v1/assets/{CLIP_ID}")]


def test_asset_detail_history_restore_gets_full_page(editor_client, use_fake_api):
    use_fake_api.enqueue(200, asset())
    response = editor_client.get(
        detail_url(), headers={**HTMX, "HX-History-Restore-Request": "true"}
    )
    assert "<title>" in response.content.decode()


def test_asset_detail_varies_on_htmx_headers_and_is_private(editor_client, use_fake_api):
    use_fake_api.enqueue(200, asset())
    response = editor_client.get(detail_url())
    assert "HX-Request" in response["Vary"]
    assert "HX-History-Restore-Request" in response["Vary"]
    assert "private" in response["Cache-Control"]


def test_asset_detail_deep_link_in_sandbox(editor_client, use_sandbox):
    image = services.list_assets(BrowseQuery(types=(AssetType.IMAGE,))).page.items[0]
    response = editor_client.get(detail_url(image.id))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>" in html
    assert f'<img class="preview-image" src="{image.file_url}"' in html
    assert f'<a class="button" href="{image.file_url}" target="_blank" rel="noopener">' in html
    assert f'href="{reverse("assets_browser:browse")}"' in html


@pytest.mark.parametrize(
    ("kind", "player"),
    [
        ("IMAGE", '<img class="preview-image" src="https://cdn.example.com/harbour.jpg"'),
        ("VIDEO", '<video class="preview-video" controls preload="metadata" playsinline'),
        ("AUDIO", '<audio controls preload="metadata" src="https://cdn.example.com/harbour.jpg"'),
    ],
)
def test_asset_detail_player_fits_the_type(editor_client, use_fake_api, kind, player):
    use_fake_api.enqueue(
        200, asset(name="Harbour at dawn", type=kind, fileUrl="https://cdn.example.com/harbour.jpg")
    )
    html = editor_client.get(detail_url(), headers=HTMX).content.decode()
    assert player in html
    assert html.count("<video") + html.count("<audio") + html.count("<img") == 1


@pytest.mark.parametrize(
    ("status", "says"),
    [
        ("PROCESSING", "Still processing."),
        ("FAILED", "upload a new asset"),
    ],
)
def test_asset_detail_processing_or_failed_says_so(editor_client, use_fake_api, status, says):
    use_fake_api.enqueue(200, asset(status=status, fileUrl=None, thumbnailUrl=None))
    html = editor_client.get(detail_url(), headers=HTMX).content.decode()
    assert says in html
    assert "<video" not in html
    assert "Open file in a new tab" not in html


@pytest.mark.parametrize("name", [None, ""])
def test_asset_detail_without_a_name_says_untitled(editor_client, use_fake_api, name):
    use_fake_api.enqueue(200, asset(name=name))
    html = editor_client.get(detail_url(), headers=HTMX).content.decode()
    assert '<h2 id="preview-title" class="preview-title">Untitled</h2>' in html


def test_asset_detail_escapes_the_name(editor_client, use_fake_api):
    use_fake_api.enqueue(200, asset(name='<img src=x onerror="alert(1)">B-roll'))
    html = editor_client.get(detail_url()).content.decode()
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;B-roll" in html


def test_asset_detail_links_only_http_urls(editor_client, use_fake_api):
    use_fake_api.enqueue(
        200,
        asset(fileUrl="javascript:alert(document.cookie)", thumbnailUrl="data:image/png,xx"),
    )
    html = editor_client.get(detail_url(), headers=HTMX).content.decode()
    assert "javascript:" not in html
    assert "data:image" not in html
    assert "Open file in a new tab" not in html
    assert "nothing to play" in html


@pytest.mark.parametrize("htmx", [False, True])
def test_asset_detail_unknown_id_is_404(editor_client, use_fake_api, htmx):
    use_fake_api.enqueue(404, {"error": "Asset not found"})
    response = editor_client.get(detail_url(), headers=HTMX if htmx else {})
    html = response.content.decode()
    assert response.status_code == 404
    assert '<h2 id="preview-title">Asset not found</h2>' in html
    assert ("<title>" in html) is not htmx


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "5b0c6f0e-2f64", "%3Cscript%3Ealert(1)"])
def test_asset_detail_malformed_id_is_404_without_asking_argil(editor_client, use_fake_api, bad_id):
    response = editor_client.get(f"/assets/{bad_id}/")
    assert response.status_code == 404
    assert "Asset not found" in response.content.decode()
    assert use_fake_api.requests == []


def test_asset_detail_upstream_failure_renders_inside_the_dialog(editor_client, use_fake_api):
    use_fake_api.default(503, {"code": 503, "message": "maintenance"})
    response = editor_client.get(detail_url(), headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 502
    assert 'role="alert"' in html
    assert '<h2 id="preview-title">Argil is unreachable right now</h2>' in html
    assert f'hx-get="{detail_url()}"' in html  # the retry button
    assert "maintenance" not in html


def test_asset_detail_rate_limited_says_when_to_retry(editor_client, use_fake_api):
    use_fake_api.enqueue(429, {"code": 429, "message": "slow down"}, headers={"Retry-After": "40"})
    response = editor_client.get(detail_url(), headers=HTMX)
    assert response.status_code == 503
    assert response["Retry-After"] == "40"
    assert "Try again in 40 seconds" in response.content.decode()


# The browse page: cards link to the preview, the dialog lives outside #results


@pytest.mark.parametrize("htmx", [False, True])
def test_browse_cards_link_to_their_preview(editor_client, use_fake_api, htmx):
    use_fake_api.enqueue(200, [asset()], headers={"X-Total-Count": "1", "X-Total-Pages": "1"})
    html = editor_client.get(reverse("assets_browser:browse"), headers=HTMX if htmx else {})
    html = html.content.decode()
    assert f'<li id="asset-{CLIP_ID}"' in html
    assert f'href="{detail_url()}" hx-get="{detail_url()}" hx-target="#preview-body"' in html
    assert 'data-preview-src="https://cdn.example.com/5b0c6f0e.webm"' in html
    assert ('<dialog id="preview"' in html) is not htmx  # outside #results: swaps keep it
    assert ('id="add-broll"' in html) is not htmx


@pytest.mark.parametrize(
    "fields",
    [
        {"type": "IMAGE", "fileUrl": "https://cdn.example.com/harbour.jpg"},
        {"status": "PROCESSING", "fileUrl": None},
        {"fileUrl": "ftp://cdn.example.com/lisbon-dusk.webm"},
    ],
)
def test_browse_hover_preview_only_for_ready_http_videos(editor_client, use_fake_api, fields):
    use_fake_api.enqueue(200, [asset(**fields)], headers={"X-Total-Count": "1"})
    html = editor_client.get(reverse("assets_browser:browse"), headers=HTMX).content.decode()
    assert f'<li id="asset-{CLIP_ID}"' in html
    assert "data-preview-src" not in html


# Live status


def test_asset_status_swaps_settled_cards_out_of_band(editor_client, use_fake_api):
    still = str(uuid.uuid4())
    enqueue_processing_list(
        use_fake_api, asset(name="Night market, Taipei", id=still, status="PROCESSING")
    )
    use_fake_api.enqueue(200, asset(status="READY"))
    response = editor_client.get(STATUS, {"id": [still, CLIP_ID]})
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<li id="asset-{CLIP_ID}"' in html
    assert 'data-status="READY"' in html
    assert 'hx-swap-oob="true"' in html
    assert still not in html
    assert "<title>" not in html
    list_call, get_call = use_fake_api.requests
    assert list_call.query == {"status": ["PROCESSING"], "page": ["1"], "pageSize": ["100"]}
    assert (get_call.method, get_call.path) == ("GET", f"/v1/assets/{CLIP_ID}")


def test_asset_status_renders_failed_cards(editor_client, use_fake_api):
    enqueue_processing_list(use_fake_api)
    use_fake_api.enqueue(200, asset(status="FAILED", fileUrl=None, thumbnailUrl=None))
    html = editor_client.get(STATUS, {"id": CLIP_ID}).content.decode()
    assert 'data-status="FAILED"' in html
    assert "card--failed" in html


def test_asset_status_nothing_changed_is_one_upstream_call(editor_client, use_fake_api):
    ids = [str(uuid.uuid4()) for _ in range(30)]
    enqueue_processing_list(
        use_fake_api,
        *(asset(name=f"Upload {n}", id=i, status="PROCESSING") for n, i in enumerate(ids)),
    )
    response = editor_client.get(STATUS, {"id": ids})
    assert response.status_code == 200
    assert "<li" not in response.content.decode()
    assert len(use_fake_api.requests) == 1


def test_asset_status_upstream_calls_are_bounded(editor_client, use_fake_api):
    ids = [str(uuid.uuid4()) for _ in range(100)]
    enqueue_processing_list(use_fake_api)  # none is processing any more
    for asset_id in ids:
        use_fake_api.enqueue(200, asset(id=asset_id))
    html = editor_client.get(STATUS, {"id": ids}).content.decode()
    lookups = services.STATUS_LOOKUPS_PER_POLL
    assert len(use_fake_api.requests) == 1 + lookups  # one list, then a few lookups a poll
    assert html.count("hx-swap-oob") == lookups


def test_asset_status_dedupes_ids(editor_client, use_fake_api):
    enqueue_processing_list(use_fake_api)
    use_fake_api.enqueue(200, asset())
    html = editor_client.get(STATUS, {"id": [CLIP_ID, CLIP_ID, f" {CLIP_ID}"]}).content.decode()
    assert len(use_fake_api.requests) == 2
    assert html.count(f'id="asset-{CLIP_ID}"') == 1


def test_asset_status_removes_deleted_cards(editor_client, use_fake_api):
    enqueue_processing_list(use_fake_api)
    use_fake_api.enqueue(404, {"error": "Asset not found"})
    html = editor_client.get(STATUS, {"id": CLIP_ID}).content.decode()
    assert f'<li id="asset-{CLIP_ID}" hx-swap-oob="delete"></li>' in html


def test_asset_status_stops_lookups_at_the_first_failure(editor_client, use_fake_api):
    ids = [str(uuid.uuid4()) for _ in range(3)]
    enqueue_processing_list(use_fake_api)
    use_fake_api.enqueue(200, asset(id=ids[0]))
    use_fake_api.default(500, {"code": 500, "message": "boom"})
    response = editor_client.get(STATUS, {"id": ids})
    assert response.status_code == 200
    assert f'id="asset-{ids[0]}"' in response.content.decode()
    assert len(use_fake_api.requests) == 3  # list, ids[0], ids[1] failed: ids[2] waits


@pytest.mark.parametrize(
    "ids",
    [
        ["not-a-uuid"],
        [CLIP_ID, "5b0c6f0e-2f64-4c1e-9a57-0f7a4c1f1a0g"],
        [str(uuid.uuid4()) for _ in range(101)],
    ],
    ids=["not-a-uuid", "one-bad", "too-many"],
)
def test_asset_status_rejects_bad_ids_without_asking_argil(editor_client, use_fake_api, ids):
    response = editor_client.get(STATUS, {"id": ids})
    assert response.status_code == 400
    assert use_fake_api.requests == []


def poller(html):
    """The re-rendered poller's step, since and delay (seconds), or None when it is idle."""
    match = re.search(
        r'<div id="status-poll" hidden hx-get="/assets/status/\?step=(\d+)&amp;since=(\d+)"'
        r' hx-trigger="load delay:(\d+)s" hx-target="this" hx-swap="outerHTML"',
        html,
    )
    if match is None:
        assert (
            '<div id="status-poll" hidden>' in html or 'id="status-poll" hidden hx-swap-oob' in html
        )
        return None
    return int(match[1]), int(match[2]), int(match[3])


@pytest.mark.parametrize(
    ("step", "delay"), [(0, 3), (1, 5), (2, 8), (3, 13), (4, 15), (5, 15), (40, 15)]
)
def test_asset_status_renders_the_next_poll_with_the_next_delay(
    editor_client, use_fake_api, step, delay
):
    since = int(time.time()) - 30
    enqueue_processing_list(use_fake_api, asset(status="PROCESSING"))
    response = editor_client.get(STATUS, {"id": CLIP_ID, "step": step, "since": since})
    assert response.status_code == 200
    assert poller(response.content.decode()) == (step + 1, since, delay)


@pytest.mark.parametrize("query", [{}, {"step": "x", "since": "1"}, {"step": -1, "since": "1"}])
def test_asset_status_garbled_schedule_starts_again(editor_client, use_fake_api, query):
    enqueue_processing_list(use_fake_api, asset(status="PROCESSING"))
    before = int(time.time())
    html = editor_client.get(STATUS, {"id": CLIP_ID, **query}).content.decode()
    step, since, delay = poller(html)
    assert (step, delay) == (1, 3)
    assert before <= since <= time.time()


def test_asset_status_stops_polling_with_286_once_everything_settled(editor_client, use_fake_api):
    enqueue_processing_list(use_fake_api)
    use_fake_api.enqueue(200, asset(status="READY"))
    response = editor_client.get(STATUS, {"id": CLIP_ID, "step": 3, "since": int(time.time())})
    html = response.content.decode()
    assert response.status_code == 286  # htmx: stop polling (django_htmx HttpResponseStopPolling)
    assert f'<li id="asset-{CLIP_ID}"' in html  # the last settled card still swaps in
    assert poller(html) is None  # idle: an upload can restart it


def test_asset_status_without_ids_stops_without_asking_argil(editor_client, use_fake_api):
    response = editor_client.get(STATUS, {"step": 2, "since": int(time.time())})
    assert response.status_code == 286
    assert poller(response.content.decode()) is None
    assert use_fake_api.requests == []


def test_asset_status_stops_after_ten_minutes_without_asking_argil(editor_client, use_fake_api):
    since = int(time.time()) - 10 * 60 - 5
    response = editor_client.get(STATUS, {"id": CLIP_ID, "step": 30, "since": since})
    assert response.status_code == 286
    assert poller(response.content.decode()) is None
    assert use_fake_api.requests == []


def test_asset_status_upstream_failure_polls_again_after_retry_after(editor_client, use_fake_api):
    use_fake_api.enqueue(429, {"code": 429, "message": "slow"}, headers={"Retry-After": "30"})
    response = editor_client.get(STATUS, {"id": CLIP_ID, "step": 0, "since": int(time.time())})
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert poller(response.content.decode())[::2] == (1, 30)  # no cards, the poller after 30 s
    assert "<li" not in response.content.decode()


@pytest.mark.parametrize("retry_after", ["3600", "99999999999"])
def test_asset_status_caps_a_long_retry_after(editor_client, use_fake_api, retry_after):
    use_fake_api.enqueue(429, {"code": 429}, headers={"Retry-After": retry_after})
    response = editor_client.get(STATUS, {"id": CLIP_ID, "step": 5, "since": int(time.time())})
    assert response.status_code == 503
    assert response["Retry-After"] == "60"  # never a timer past a minute
    assert poller(response.content.decode())[::2] == (6, 60)


def test_browse_starts_the_poller_only_with_processing_cards(editor_client, use_fake_api):
    use_fake_api.enqueue(200, [asset(status="PROCESSING")], headers={"X-Total-Count": "1"})
    html = editor_client.get(reverse("assets_browser:browse"), headers=HTMX).content.decode()
    assert poller(html)[::2] == (0, 2)
    use_fake_api.enqueue(200, [asset(status="READY")], headers={"X-Total-Count": "1"})
    html = editor_client.get(reverse("assets_browser:browse"), {"type": "VIDEO"}, headers=HTMX)
    assert poller(html.content.decode()) is None


def test_asset_status_is_never_cached(editor_client, use_fake_api):
    enqueue_processing_list(use_fake_api, asset(status="PROCESSING"))
    response = editor_client.get(STATUS, {"id": CLIP_ID})
    assert "no-store" in response["Cache-Control"]


def test_asset_status_follows_a_sandbox_upload_to_ready(editor_client, use_sandbox):
    app = use_sandbox.app
    config = app.config
    app.config = dataclasses.replace(config, processing_seconds=0)
    try:
        response = editor_client.post(
            CREATE,
            {"name": "Harbour at dawn", "type": "VIDEO", "url": "https://cdn.example.com/h.mp4"},
            headers={**HTMX, "HX-Current-URL": "http://testserver/?status=PROCESSING"},
        )
        new_id = re.search(r'<li id="asset-([0-9a-f-]{36})"', response.content.decode())[1]
        app.stats.reset()
        html = editor_client.get(STATUS, {"id": new_id}).content.decode()
    finally:
        app.config = config
    assert 'data-status="PROCESSING"' in response.content.decode()
    assert f'<li id="asset-{new_id}"' in html
    assert 'data-status="READY"' in html
    assert f"{use_sandbox.origin}/media/clip-" in html  # a real thumbnail now
    assert app.stats.snapshot()["routes"] == {"GET /v1/assets": 1, "GET /v1/assets/{id}": 1}


# Add B-roll by URL

VALID = {
    "name": "Harbour at dawn, drone",
    "type": "VIDEO",
    "url": "https://cdn.example.com/harbour-dawn.mp4",
}


def test_asset_create_adds_a_processing_card(editor_client, use_fake_api):
    use_fake_api.enqueue(201, asset(name=VALID["name"], status="PROCESSING", fileUrl=None))
    # The editor is looking at processing videos: the new one belongs at the top.
    on_page = {**HTMX, "HX-Current-URL": "http://testserver/?type=VIDEO&status=PROCESSING"}
    response = editor_client.post(CREATE, VALID, headers=on_page)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<ul hx-swap-oob="afterbegin:#asset-grid">' in html
    assert f'<li id="asset-{CLIP_ID}" class="card card--processing"' in html
    assert 'data-status="PROCESSING"' in html
    # Live status (re)starts from 2 s for every card still processing on the page.
    assert re.search(
        r'<div id="status-poll" hidden hx-get="[^"]+step=0&amp;since=\d+"'
        r' hx-trigger="load delay:2s"[^>]* hx-swap-oob="true"></div>',
        html,
    )
    assert "Added “Harbour at dawn, drone”" in html
    assert "It is first in the grid" in html
    assert f'data-created="{CLIP_ID}" data-inserted' in html
    assert 'value="Harbour at dawn, drone"' not in html  # the form starts afresh
    assert "<title>" not in html
    (sent,) = use_fake_api.requests
    assert (sent.method, sent.path) == ("POST", "/v1/assets")
    assert sent.json() == VALID


@pytest.mark.parametrize(
    ("page", "not_among"),
    [
        ("/", "not among ready assets"),  # the default: ready ones only
        ("/?type=IMAGE&status=PROCESSING", "not among processing images"),
        ("/?status=PROCESSING&page=2", "not among processing assets"),  # the top is on page 1
        ("/assets/new/", ""),  # the form's own page: no grid
    ],
)
def test_asset_create_outside_the_filters_says_where_it_is(
    editor_client, use_fake_api, page, not_among
):
    use_fake_api.enqueue(201, asset(name=VALID["name"], status="PROCESSING", fileUrl=None))
    on_page = {**HTMX, "HX-Current-URL": f"http://testserver{page}"}
    html = editor_client.post(CREATE, VALID, headers=on_page).content.decode()
    assert "afterbegin:#asset-grid" not in html  # no card where it does not belong
    assert "status-poll" not in html
    assert not_among in html
    link = '<a href="/?type=VIDEO&amp;status=PROCESSING">processing videos</a>'
    assert f"find it among {link}" in html
    assert "data-inserted" not in html


def test_asset_create_without_js_redirects_to_the_new_asset(editor_client, use_fake_api):
    use_fake_api.enqueue(201, asset(name=VALID["name"], status="PROCESSING", fileUrl=None))
    response = editor_client.post(CREATE, VALID)
    assert response.status_code == 302
    assert response["Location"] == detail_url()


def test_asset_create_page_renders_the_form(editor_client):
    response = editor_client.get(CREATE)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Add B-roll by URL" in html
    assert 'id="add-broll"' in html
    assert 'name="csrfmiddlewaretoken"' in html


@pytest.mark.parametrize(
    "data",
    [
        None,  # the fresh form every browse page shows
        VALID,
        {"name": 'Dawn <b>"x"</b>', "type": "IMAGE", "url": "https://cdn.example.com/a.jpg"},
        {"name": "", "type": "AUDIO", "url": "http://10.0.0.5/x"},
        {},
    ],
)
def test_add_broll_inputs_are_the_form_widgets_markup(rf, data):
    """The add-by-URL inputs are written out in the template (for speed): they must stay what
    the form's own widgets print, values, errors and ARIA included."""
    from django.template.loader import render_to_string

    from assets_browser.forms import AddBrollForm

    form = AddBrollForm(data)
    form.is_valid()
    html = render_to_string(
        "assets_browser/asset_create.html#add-broll-form", {"form": form}, rf.get("/")
    )
    widgets = [str(form["name"]), str(form["url"]), *(radio.tag() for radio in form["type"])]
    for widget in widgets:
        assert widget in html
    assert html.count("<input") == len(widgets) + 1  # and the CSRF token, nothing else


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": ""}, "name", "This field is required."),
        ({"name": "x" * 257}, "name", "at most 256 characters"),
        ({"type": "AUDIO"}, "type", "Select a valid choice."),
        ({"url": "not a link"}, "url", "Enter a valid URL."),
        ({"url": "http://cdn.example.com/harbour.mp4"}, "url", "plain http"),
        ({"url": "ftp://cdn.example.com/harbour.mp4"}, "url", "Use an https:// link."),
        ({"url": "https://localhost/harbour.mp4"}, "url", "local or private address"),
        ({"url": "https://127.0.0.1:8001/media/clip.webm"}, "url", "local or private address"),
        ({"url": "https://192.168.1.20/harbour.mp4"}, "url", "local or private address"),
        ({"url": "https://10.0.0.5/harbour.mp4"}, "url", "local or private address"),
        ({"url": "https://169.254.169.254/latest/"}, "url", "local or private address"),
        ({"url": "https://[::1]/harbour.mp4"}, "url", "local or private address"),
        ({"url": "https://[::ffff:10.0.0.1]/harbour.mp4"}, "url", "local or private address"),
        ({"url": "https://nas.local/harbour.mp4"}, "url", "local or private address"),
        ({"url": "https://editor:hunter2@cdn.example.com/h.mp4"}, "url", "passwords"),
    ],
)
def test_asset_create_invalid_fields_are_422(editor_client, use_fake_api, changes, field, message):
    data = {**VALID, **changes}
    response = editor_client.post(CREATE, data, headers=HTMX)
    html = response.content.decode()
    error = re.search(rf'<p class="field-error" id="add_{field}_error">(.*?)</p>', html, re.S)
    assert response.status_code == 422
    assert error is not None
    assert message in error[1]
    assert use_fake_api.requests == []


def test_asset_create_keeps_what_was_typed(editor_client, use_fake_api):
    data = {**VALID, "type": "IMAGE", "url": "http://cdn.example.com/harbour.jpg"}
    html = editor_client.post(CREATE, data, headers=HTMX).content.decode()
    assert 'value="Harbour at dawn, drone"' in html
    assert 'value="http://cdn.example.com/harbour.jpg"' in html
    assert re.search(r'value="IMAGE"[^>]*checked', html)
    assert 'aria-invalid="true"' in html


def test_asset_create_without_js_errors_render_the_full_page(editor_client, use_fake_api):
    response = editor_client.post(CREATE, {**VALID, "name": ""})
    html = response.content.decode()
    assert response.status_code == 422
    assert "<title>Add B-roll by URL" in html
    assert 'id="add_name_error"' in html


@pytest.mark.parametrize(
    ("upstream_message", "field"),
    [
        ("url could not be downloaded: the server answered 403 Forbidden", "url"),
        ("name must be 1 to 256 characters; got 0", "name"),
        ("type must be IMAGE or VIDEO (audio upload is not supported)", "type"),
        ("File is not a supported video format", "url"),
    ],
)
def test_asset_create_upstream_refusal_shows_next_to_the_field(
    editor_client, use_fake_api, upstream_message, field
):
    use_fake_api.enqueue(400, {"code": 400, "message": upstream_message})
    response = editor_client.post(CREATE, VALID, headers=HTMX)
    html = response.content.decode()
    error = re.search(rf'<p class="field-error" id="add_{field}_error">(.*?)</p>', html, re.S)
    assert response.status_code == 422
    assert error is not None
    assert f"Argil refused this: {upstream_message}" in error[1]
    assert 'value="Harbour at dawn, drone"' in html


def test_asset_create_upstream_failure_keeps_the_form(editor_client, use_fake_api):
    use_fake_api.default(503, {"code": 503, "message": "maintenance"})
    response = editor_client.post(CREATE, VALID, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 502
    assert "Argil is unreachable right now" in html
    assert 'value="https://cdn.example.com/harbour-dawn.mp4"' in html
    assert len(use_fake_api.requests) == 1  # a write is never retried


def test_asset_create_timeout_warns_it_may_have_been_added(editor_client, use_fake_api):
    use_fake_api.enqueue(201, asset(status="PROCESSING"), delay=2)
    response = editor_client.post(CREATE, VALID, headers=HTMX)
    assert response.status_code == 504
    assert "may still have received it" in response.content.decode()


def test_asset_create_requires_csrf(editor, use_fake_api):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(editor)
    assert strict.post(CREATE, VALID, headers=HTMX).status_code == 403
    assert use_fake_api.requests == []


def test_asset_create_accepts_the_body_csrf_header(editor, use_fake_api):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(editor)
    page = strict.get(CREATE).content.decode()
    token = json.loads(re.search(r"hx-headers='(.*?)'", page)[1])["x-csrftoken"]
    use_fake_api.enqueue(201, asset(name=VALID["name"], status="PROCESSING", fileUrl=None))
    response = strict.post(CREATE, VALID, headers={**HTMX, "X-CSRFToken": token})
    assert response.status_code == 200
    assert len(use_fake_api.requests) == 1
