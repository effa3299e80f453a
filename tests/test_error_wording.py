"""Each place says what failed there, in its own words: "Your filters are kept" belongs to the
browse page only; the preview, the export, a pick and the add form each say what became of what
the editor was doing. Upstream failures come from the programmable fake on loopback."""

import pytest
from django.urls import reverse

from assets_browser import errors
from assets_browser.api import ArgilBadResponse, ArgilUnavailable
from tests.boards_data import LAUNCH_PICKS, make_board
from tests.testdata import HTMX, LISBON

pytestmark = pytest.mark.django_db

FILTERS = "Your filters are kept"
DOWN = (503, {"code": 503, "message": "maintenance"})


@pytest.mark.parametrize(
    "exc",
    [
        ArgilUnavailable("timed out", reason="timeout"),
        ArgilUnavailable("refused"),
        ArgilBadResponse("garbled"),
    ],
)
def test_only_the_browse_page_speaks_of_filters(exc):
    assert FILTERS in errors.describe(exc).detail
    for place in ("preview", "add", "export", "pick"):
        detail = errors.describe(exc, place).detail
        assert FILTERS not in detail, place
        assert detail.endswith(errors.WHAT_NOW[place]), place


def test_browse_keeps_the_filters_when_argil_is_down(editor_client, use_fake_api):
    use_fake_api.default(*DOWN)
    html = editor_client.get(reverse("assets_browser:browse") + "?type=VIDEO").content.decode()
    assert FILTERS in html


def test_preview_says_what_failed_there(editor_client, use_fake_api):
    use_fake_api.default(*DOWN)
    url = reverse("assets_browser:asset_detail", kwargs={"asset_id": LISBON})
    html = editor_client.get(url, headers=HTMX).content.decode()
    assert "Argil is unreachable right now" in html
    assert FILTERS not in html


def test_export_says_nothing_was_exported(editor_client, editor, use_fake_api):
    use_fake_api.default(*DOWN)
    board = make_board(editor, picks=LAUNCH_PICKS)
    url = reverse("assets_browser:board_export", kwargs={"board_id": board.pk})
    html = editor_client.get(url, headers=HTMX).content.decode()
    assert "Nothing was exported" in html
    assert FILTERS not in html
    download = editor_client.get(url + "?format=csv").content.decode()
    assert download.startswith("Nothing was exported.")
    assert FILTERS not in download


def test_add_form_says_what_became_of_the_entry(editor_client, use_fake_api):
    use_fake_api.default(*DOWN)
    data = {"name": "Harbour at dawn", "type": "VIDEO", "url": "https://cdn.example.com/a.mp4"}
    html = editor_client.post(reverse("assets_browser:asset_create"), data, headers=HTMX)
    text = html.content.decode()
    assert "What you typed is kept" in text
    assert FILTERS not in text


def test_a_pick_of_several_says_nothing_was_picked(editor_client, use_fake_api):
    use_fake_api.default(*DOWN)
    response = editor_client.post(
        reverse("assets_browser:picks_add"), {"id": [LISBON]}, headers=HTMX
    )
    text = response.content.decode()
    assert "Nothing was picked." in text
    assert FILTERS not in text
