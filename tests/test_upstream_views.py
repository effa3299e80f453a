"""The pages when Argil answers wrongly: deeply nested JSON, another asset than the one asked
for, a Retry-After in 2099, uppercase ids, an error message that echoes the key.

Real loopback fake (tests/fake_api.py), Django's test client; nothing is mocked.
"""

import base64
from urllib.parse import quote

import pytest
from django.conf import settings
from django.urls import reverse

from assets_browser.api import RETRY_AFTER_CAP
from assets_browser.models import Pick
from tests.boards_data import make_board
from tests.testdata import HARBOUR, HTMX, LISBON, asset

pytestmark = pytest.mark.django_db

BROWSE = reverse("assets_browser:browse")
STATUS = reverse("assets_browser:asset_status")
CREATE = reverse("assets_browser:asset_create")
PRELOAD = {**HTMX, "HX-Preloaded": "true"}
DEEP_JSON = b"[" * 100_000 + b"]" * 100_000
UNREADABLE = "Argil sent an answer we could not read"


def detail_url(asset_id=LISBON):
    return reverse("assets_browser:asset_detail", kwargs={"asset_id": asset_id})


def toggle_url(asset_id=LISBON):
    return reverse("assets_browser:pick_toggle", kwargs={"asset_id": asset_id})


# Depth: 100,000 levels of nesting is an unreadable answer on every page that reads Argil

PAGES = {
    "browse": (BROWSE, {}),
    "browse fragment": (BROWSE, HTMX),
    "preload": (BROWSE + "?page=2", PRELOAD),
    "preview": (detail_url(), {}),
    "preview fragment": (detail_url(), HTMX),
}


@pytest.mark.parametrize("page", PAGES)
def test_deeply_nested_json_is_an_unreadable_answer(editor_client, use_fake_api, page):
    use_fake_api.default(200, DEEP_JSON, headers={"Content-Type": "application/json"})
    url, headers = PAGES[page]
    response = editor_client.get(url, headers=headers)
    assert response.status_code == 502
    assert UNREADABLE in response.content.decode()


def test_deeply_nested_json_on_the_status_poll(editor_client, use_fake_api):
    use_fake_api.default(200, DEEP_JSON, headers={"Content-Type": "application/json"})
    response = editor_client.get(STATUS, {"id": LISBON})
    assert response.status_code == 502


def test_a_huge_answer_is_refused_on_the_page(editor_client, use_fake_api):
    use_fake_api.default(200, [], headers={"X-Total-Count": "0"}, pad=6 * 1024 * 1024)
    response = editor_client.get(BROWSE)
    assert response.status_code == 502
    assert UNREADABLE in response.content.decode()


# Another asset than the one asked for


def test_a_pick_answered_with_another_asset_stores_nothing(editor_client, editor, use_fake_api):
    use_fake_api.default(200, asset(HARBOUR, "Harbour cranes at dawn"))
    response = editor_client.post(toggle_url(LISBON), {"action": "add"}, headers=HTMX)
    assert response.status_code == 502
    assert not Pick.objects.exists()


def test_an_export_answered_with_another_asset_exports_nothing(editor_client, editor, use_fake_api):
    board = make_board(editor, picks=[(LISBON, "VIDEO", "Drone flyover, Lisbon rooftops")])
    use_fake_api.default(200, asset(HARBOUR, "Harbour cranes at dawn"))
    url = reverse("assets_browser:board_export", kwargs={"board_id": board.pk})
    response = editor_client.get(url + "?format=json")
    assert response.status_code == 502
    assert HARBOUR not in response.content.decode()
    assert "Nothing was exported" in response.content.decode()


def test_a_preview_answered_with_another_asset_is_an_error(editor_client, use_fake_api):
    use_fake_api.default(200, asset(HARBOUR, "Harbour cranes at dawn"))
    response = editor_client.get(detail_url(LISBON))
    assert response.status_code == 502
    assert "Harbour cranes at dawn" not in response.content.decode()


# Uppercase ids


def test_an_uppercase_id_in_the_url_is_asked_for_in_lowercase(editor_client, use_fake_api):
    use_fake_api.default(200, asset(LISBON))
    response = editor_client.get(detail_url(LISBON.upper()))
    assert response.status_code == 200
    assert use_fake_api.requests[-1].path == f"/v1/assets/{LISBON}"


def test_an_uppercase_id_in_a_status_poll_is_asked_for_in_lowercase(editor_client, use_fake_api):
    use_fake_api.enqueue(200, [], headers={"X-Total-Count": "0"})
    use_fake_api.enqueue(200, asset(LISBON, status="READY"))
    response = editor_client.get(STATUS, {"id": LISBON.upper()})
    assert response.status_code == 286  # it settled: nothing left to watch, htmx stops polling
    assert use_fake_api.requests[-1].path == f"/v1/assets/{LISBON}"
    assert f'id="asset-{LISBON}"' in response.content.decode()


def test_an_uppercase_pick_is_stored_in_lowercase(editor_client, editor, use_fake_api):
    use_fake_api.default(200, asset(LISBON))
    editor_client.post(toggle_url(LISBON.upper()), {"action": "add"}, headers=HTMX)
    assert list(Pick.objects.values_list("asset_id", flat=True)) == [LISBON]
    assert use_fake_api.requests[-1].path == f"/v1/assets/{LISBON}"


# Retry-After far in the future


@pytest.mark.parametrize("retry_after", ["2147484", "Thu, 31 Dec 2099 23:59:59 GMT"])
@pytest.mark.parametrize("headers", [{}, HTMX])
def test_a_far_retry_after_is_capped_on_the_page(editor_client, use_fake_api, retry_after, headers):
    use_fake_api.default(429, {"error": "slow down"}, headers={"Retry-After": retry_after})
    response = editor_client.get(BROWSE, headers=headers)
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_CAP)
    assert f"Try again in {RETRY_AFTER_CAP} seconds" in response.content.decode()


@pytest.mark.parametrize("retry_after", ["2147484", "Thu, 31 Dec 2099 23:59:59 GMT"])
def test_a_far_retry_after_is_capped_for_the_status_poll(editor_client, use_fake_api, retry_after):
    use_fake_api.default(429, {"error": "slow down"}, headers={"Retry-After": retry_after})
    response = editor_client.get(STATUS, {"id": LISBON})
    assert response["Retry-After"] == str(RETRY_AFTER_CAP)


# Upstream error bodies


def test_the_key_echoed_in_an_error_never_reaches_the_form(editor_client, use_fake_api):
    key = settings.ARGIL_API_KEY
    echoed = (
        f"bad url for K={key.upper()} b={base64.b64encode(key.encode()).decode()} "
        f"u={quote(key, safe='')} h={key.encode().hex()}"
    )
    use_fake_api.default(400, {"code": 4001, "message": echoed})
    response = editor_client.post(
        CREATE, {"name": "Harbour at dawn", "type": "VIDEO", "url": "https://example.com/h.mp4"}
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert "Argil refused this: bad url for K=[redacted]" in html
    assert "(code 4001)" in html
    for form in (
        key,
        key.upper(),
        base64.b64encode(key.encode()).decode(),
        quote(key, safe=""),
        key.encode().hex(),
    ):
        assert form not in html


# Long names

LONG_NAME = "Harbour at dawn, fishing boats leaving " * 25_000  # about 1 MB


def test_cards_show_a_long_name_shortened(editor_client, use_fake_api):
    use_fake_api.default(200, [asset(LISBON, LONG_NAME)], headers={"X-Total-Count": "1"})
    response = editor_client.get(BROWSE)
    html = response.content.decode()
    assert response.status_code == 200
    assert LONG_NAME.strip() not in html
    assert LONG_NAME[:100] in html
    assert "…" in html
    assert len(html) < 100_000  # four copies of the name would be 4 MB


@pytest.mark.parametrize("headers", [{}, HTMX])
def test_the_preview_shows_a_long_name_whole_once(editor_client, use_fake_api, headers):
    name = "Harbour at dawn, fishing boats leaving for the open sea " * 40  # 2,240 characters
    use_fake_api.default(200, asset(LISBON, name))
    html = editor_client.get(detail_url(LISBON), headers=headers).content.decode()
    assert html.count(name.strip()) == 1


def test_a_name_past_any_sense_is_cut_where_it_is_read(editor_client, use_fake_api):
    use_fake_api.default(200, asset(LISBON, LONG_NAME))
    html = editor_client.get(detail_url(LISBON)).content.decode()
    assert LONG_NAME[:4000] in html
    assert LONG_NAME[:5000] not in html
    assert len(html) < 100_000
