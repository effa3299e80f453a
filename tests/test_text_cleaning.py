"""NUL and other control characters never reach the database (PostgreSQL refuses a NUL and the
write answers 500) or Argil, on every write path: picks, board names, notes, add-by-URL.

Runs on SQLite here; CI's `make test-services` runs the suite on PostgreSQL too, where a NUL
that slipped through would fail the write itself.
"""

import pytest
from django.urls import reverse

from assets_browser.models import Board, Pick
from assets_browser.text import clean_line, clean_text
from tests.boards_data import LAUNCH_PICKS, make_board
from tests.testdata import HTMX, LISBON, asset

pytestmark = pytest.mark.django_db

DIRTY = "Harbour\x00 at\x07 dawn\x1b[31m \ud800\x7f\x9b"


def test_clean_line_drops_controls_and_makes_breaks_spaces():
    assert clean_line(DIRTY) == "Harbour at dawn[31m"
    assert clean_line(" Night\tmarket\r\nTaipei\u2028 ") == "Night market Taipei"
    assert clean_line("Café — 東京, 92 bpm 🎵") == "Café — 東京, 92 bpm 🎵"


def test_clean_text_keeps_line_breaks():
    assert clean_text("Open on this\x00,\r\nunder the title\x08\r") == (
        "Open on this,\nunder the title"
    )


def test_a_pick_of_an_asset_with_control_characters_stores_a_clean_name(
    editor_client, editor, use_fake_api
):
    use_fake_api.default(200, asset(LISBON, DIRTY))
    url = reverse("assets_browser:pick_toggle", kwargs={"asset_id": LISBON})
    response = editor_client.post(url, {"action": "add"}, headers=HTMX)
    assert response.status_code == 200
    assert Pick.objects.get().name == "Harbour at dawn[31m"


def test_a_board_name_with_control_characters_is_stored_clean(editor_client, editor):
    response = editor_client.post(
        reverse("assets_browser:board_create"), {"name": "Spring\x00 launch\x1f"}, headers=HTMX
    )
    assert response.status_code == 200
    assert Board.objects.get(owner=editor).name == "Spring launch"


def test_a_renamed_board_is_stored_clean(editor_client, editor):
    board = make_board(editor)
    url = reverse("assets_browser:board_rename", kwargs={"board_id": board.pk})
    response = editor_client.post(url, {"name": "Autumn\x00\x0b cut"}, headers=HTMX)
    board.refresh_from_db()
    assert response.status_code == 200
    assert board.name == "Autumn cut"


def test_a_note_with_control_characters_is_stored_clean(editor_client, editor):
    board = make_board(editor, picks=LAUNCH_PICKS)
    pick = board.picks.get(asset_id=LISBON)
    url = reverse("assets_browser:pick_note", kwargs={"pick_id": pick.pk})
    response = editor_client.post(url, {"note": "Open\x00 on this\r\nslowly\x07"}, headers=HTMX)
    pick.refresh_from_db()
    assert response.status_code == 200
    assert pick.note == "Open on this\nslowly"


def test_add_by_url_sends_a_clean_name_to_argil(editor_client, use_fake_api):
    created = asset(LISBON, "Harbour at dawn", status="PROCESSING", fileUrl=None, thumbnailUrl=None)
    use_fake_api.enqueue(201, created)
    response = editor_client.post(
        reverse("assets_browser:asset_create"),
        {"name": "Harbour\x00 at dawn\x1f", "type": "VIDEO", "url": "https://example.com/h.mp4"},
        headers=HTMX,
    )
    assert response.status_code == 200
    [post] = [r for r in use_fake_api.requests if r.method == "POST"]
    assert post.json()["name"] == "Harbour at dawn"
