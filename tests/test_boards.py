"""Boards of picks: ownership, picking, order, notes, the tray over htmx, and the export for
POST /videos. Upstream answers come from the programmable fake (or the sandbox) on loopback."""

import csv
import io
import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from assets_browser import boards
from assets_browser.models import Board, EditorProfile, Pick
from tests.boards_data import LAUNCH_PICKS, answer_launch_assets, export_url, make_board, order
from tests.testdata import HARBOUR, HTMX, LISBON, PIANO, SYNTH, TAIPEI, asset

pytestmark = pytest.mark.django_db

BROWSE = reverse("assets_browser:browse")


def toggle_url(asset_id=LISBON):
    return reverse("assets_browser:pick_toggle", kwargs={"asset_id": asset_id})


@pytest.fixture
def other_editor(django_user_model):
    return django_user_model.objects.create_user("jonas", password="match-cut-77")


# The current board and the lazy default


def test_browse_never_creates_a_board(editor_client, editor, use_sandbox):
    response = editor_client.get(BROWSE)
    assert response.status_code == 200
    assert not Board.objects.filter(owner=editor).exists()
    assert 'id="tray"' in response.content.decode()
    assert "Nothing picked yet" in response.content.decode()


def test_first_pick_creates_the_default_board(editor_client, editor, use_fake_api):
    use_fake_api.enqueue(200, asset())
    response = editor_client.post(toggle_url(), {"action": "add"}, headers=HTMX)
    board = Board.objects.get(owner=editor)
    assert response.status_code == 200
    assert board.name == "My picks"
    assert EditorProfile.objects.get(user=editor).current_board == board
    assert order(board) == [LISBON]


def test_picked_ids_is_one_query(editor, django_assert_num_queries):
    make_board(editor, picks=LAUNCH_PICKS)
    make_board(editor, "Autumn teaser", current=False, picks=[LAUNCH_PICKS[0]])
    with django_assert_num_queries(1):
        ids = boards.picked_ids(editor)
    assert ids == {LISBON, HARBOUR, TAIPEI, SYNTH}


def test_picked_ids_is_empty_before_the_first_pick(editor, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert boards.picked_ids(editor) == frozenset()


def test_tray_is_two_queries(editor, django_assert_num_queries):
    launch = make_board(editor, picks=LAUNCH_PICKS)
    make_board(editor, "Autumn teaser", current=False, picks=[LAUNCH_PICKS[0]])
    with django_assert_num_queries(2):  # the boards (counts, which is current), the picks
        tray = boards.tray_for(editor)
    assert tray.board == launch
    assert tray.is_current
    assert [p.asset_id for p in tray.picks] == [LISBON, HARBOUR, TAIPEI, SYNTH]
    assert {(b.name, b.pick_count, b.is_current) for b in tray.boards} == {
        (launch.name, 4, True),
        ("Autumn teaser", 1, False),
    }


def test_browse_queries_do_not_grow_with_the_cards(
    editor_client, editor, use_sandbox, django_assert_num_queries
):
    make_board(editor, picks=LAUNCH_PICKS)
    # Session, editor, look; then the tray (boards, picks) for a page, or the picks for the
    # toggles of a fragment; the catalogue's sync state (its status line) and the media facts
    # of the cards shown. None per card.
    for size in (20, 100):
        with django_assert_num_queries(7):
            editor_client.get(BROWSE + f"?pageSize={size}")
        with django_assert_num_queries(6):
            editor_client.get(BROWSE + f"?pageSize={size}", headers=HTMX)


# Picking


def test_pick_stores_what_argil_says_not_what_the_page_sends(editor_client, editor, use_fake_api):
    use_fake_api.enqueue(200, asset(HARBOUR, "Harbour cranes at dawn", type="IMAGE"))
    editor_client.post(
        toggle_url(HARBOUR),
        {"action": "add", "name": "<script>x</script>", "thumbnail_url": "javascript:alert(1)"},
        headers=HTMX,
    )
    pick = Pick.objects.get(board__owner=editor)
    assert (pick.asset_id, pick.asset_type, pick.name) == (
        HARBOUR,
        "IMAGE",
        "Harbour cranes at dawn",
    )
    assert pick.thumbnail_url == "https://cdn.example.com/6c1d7a1f.jpg"
    assert use_fake_api.requests[-1].path == f"/v1/assets/{HARBOUR}"


def test_pick_keeps_no_thumbnail_that_is_not_http(editor_client, editor, use_fake_api):
    use_fake_api.enqueue(200, asset(thumbnailUrl="javascript:alert(document.cookie)"))
    editor_client.post(toggle_url(), {"action": "add"}, headers=HTMX)
    assert Pick.objects.get(board__owner=editor).thumbnail_url == ""


def test_pick_toggle_answers_with_every_copy_of_the_toggle_and_the_tray(
    editor_client, use_fake_api
):
    use_fake_api.enqueue(200, asset())
    response = editor_client.post(
        toggle_url(), {"action": "add", "shown": [LISBON], "tray": "1"}, headers=HTMX
    )
    html = response.content.decode()
    assert f"hx-swap-oob=\"outerHTML:[data-pick-toggle='{LISBON}']\"" in html
    assert 'name="action" value="remove"' in html
    assert "Picked" in html
    assert '<aside id="tray"' in html
    assert 'hx-swap-oob="true"' in html
    assert "Drone flyover, Lisbon rooftops at dusk" in html
    assert "<title>" not in html


def test_pick_toggle_leaves_the_tray_out_when_the_page_has_none(editor_client, use_fake_api):
    use_fake_api.enqueue(200, asset())
    html = editor_client.post(toggle_url(), {"action": "add"}, headers=HTMX).content.decode()
    assert 'id="tray"' not in html
    assert f'data-pick-toggle="{LISBON}"' in html


def test_pick_toggle_removes_without_asking_argil(editor_client, editor, use_fake_api):
    board = make_board(editor, picks=LAUNCH_PICKS)
    response = editor_client.post(toggle_url(HARBOUR), {"action": "remove"}, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert order(board) == [LISBON, TAIPEI, SYNTH]
    assert use_fake_api.requests == []
    assert 'name="action" value="add"' in html


def test_pick_toggle_without_an_action_toggles(editor_client, editor, use_fake_api):
    use_fake_api.default(200, asset())
    editor_client.post(toggle_url(), headers=HTMX)
    assert boards.picked_ids(editor) == {LISBON}
    editor_client.post(toggle_url(), headers=HTMX)
    assert boards.picked_ids(editor) == frozenset()


def test_pick_add_twice_keeps_one_pick(editor_client, editor, use_fake_api):
    use_fake_api.default(200, asset())
    editor_client.post(toggle_url(), {"action": "add"}, headers=HTMX)
    editor_client.post(toggle_url(), {"action": "add"}, headers=HTMX)
    assert Pick.objects.filter(board__owner=editor).count() == 1


@pytest.mark.parametrize(
    ("status", "message"),
    [
        ("PROCESSING", "Processing — can be picked once ready"),
        ("FAILED", "Failed — upload it again"),
    ],
)
def test_pick_refuses_an_asset_that_is_not_ready(
    editor_client, editor, use_fake_api, status, message
):
    use_fake_api.enqueue(200, asset(status=status, fileUrl=None, thumbnailUrl=None))
    response = editor_client.post(toggle_url(), {"action": "add"}, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 409
    assert message in html
    assert "disabled" in html
    assert not Pick.objects.filter(board__owner=editor).exists()


def test_pick_refused_without_js_shows_the_board_page(editor_client, editor, use_fake_api):
    use_fake_api.enqueue(200, asset(status="PROCESSING", fileUrl=None, thumbnailUrl=None))
    response = editor_client.post(toggle_url(), {"action": "add", "next": "/?type=VIDEO"})
    html = response.content.decode()
    assert response.status_code == 409
    assert "<title>" in html
    assert "Processing — can be picked once ready" in html


@pytest.mark.parametrize(("upstream", "expected"), [(404, 404), (503, 502), (401, 502)])
def test_pick_when_argil_fails_says_so_and_picks_nothing(
    editor_client, editor, use_fake_api, upstream, expected
):
    use_fake_api.default(upstream, {"error": "nope"})
    response = editor_client.post(toggle_url(), {"action": "add"}, headers=HTMX)
    assert response.status_code == expected
    assert 'class="pick-error" role="alert"' in response.content.decode()
    assert not Pick.objects.filter(board__owner=editor).exists()


def test_pick_refused_when_the_board_is_full(editor_client, editor, use_fake_api):
    board = make_board(editor)
    Pick.objects.bulk_create(
        Pick(board=board, asset_id=f"00000000-0000-4000-8000-{n:012d}", asset_type="IMAGE")
        for n in range(boards.MAX_PICKS)
    )
    use_fake_api.enqueue(200, asset())
    response = editor_client.post(toggle_url(), {"action": "add"}, headers=HTMX)
    assert response.status_code == 409
    assert "at most 200 picks" in response.content.decode()
    assert board.picks.count() == boards.MAX_PICKS


def test_picks_go_to_the_end_in_pick_order(editor_client, editor, use_fake_api):
    for asset_id, name in ((TAIPEI, "Night market, Taipei"), (LISBON, "Lisbon at dusk")):
        use_fake_api.enqueue(200, asset(asset_id, name))
        editor_client.post(toggle_url(asset_id), {"action": "add"}, headers=HTMX)
    assert order(Board.objects.get(owner=editor)) == [TAIPEI, LISBON]


def test_pick_without_js_redirects_back(editor_client, use_fake_api):
    use_fake_api.enqueue(200, asset())
    response = editor_client.post(toggle_url(), {"action": "add", "next": "/?type=VIDEO&page=2"})
    assert response.status_code == 302
    assert response["Location"] == "/?type=VIDEO&page=2"


def test_pick_without_js_never_redirects_off_site(editor_client, use_fake_api):
    use_fake_api.enqueue(200, asset())
    response = editor_client.post(
        toggle_url(), {"action": "add", "next": "https://evil.example/phish"}
    )
    assert response["Location"] == BROWSE


def test_pick_toggle_of_something_that_is_not_an_asset_id_is_404(editor_client, use_fake_api):
    response = editor_client.post("/picks/..%2F..%2Fadmin/toggle/", {"action": "add"})
    assert response.status_code == 404
    assert use_fake_api.requests == []


def test_an_upper_case_asset_id_from_argil_is_picked_and_shown_as_picked(
    editor_client, editor, use_fake_api
):
    upper = asset(LISBON.upper())
    use_fake_api.enqueue(200, upper)
    editor_client.post(toggle_url(LISBON.upper()), {"action": "add"}, headers=HTMX)
    assert boards.picked_ids(editor) == {LISBON}
    use_fake_api.enqueue(
        200,
        [upper],
        headers={"X-Total-Count": "1", "X-Page": "1", "X-Page-Size": "20", "X-Total-Pages": "1"},
    )
    html = editor_client.get(BROWSE).content.decode()
    assert f'data-pick-toggle="{LISBON}"' in html
    assert 'value="remove"' in html


# Toggles on the page: rendered server-side


def test_browse_cards_show_picked_and_blocked_toggles(editor_client, editor, use_fake_api):
    ready, processing = asset(), asset(TAIPEI, "Night market, Taipei", status="PROCESSING")
    use_fake_api.enqueue(
        200,
        [ready, processing, asset(HARBOUR, "Harbour cranes at dawn", status="FAILED")],
        headers={"X-Total-Count": "3", "X-Page": "1", "X-Page-Size": "20", "X-Total-Pages": "1"},
    )
    make_board(editor, picks=[LAUNCH_PICKS[0]])
    html = editor_client.get(BROWSE + "?status=READY").content.decode()
    lisbon = html[html.index(f'data-pick-toggle="{LISBON}"') :]
    assert lisbon.index('value="remove"') < lisbon.index("</form>")
    assert "Processing — can be picked once ready" in html
    assert "Failed — upload it again" in html
    assert html.count('class="pick-button" disabled') == 2


def test_preview_dialog_carries_the_pick_toggle(editor_client, editor, use_fake_api):
    make_board(editor, picks=[LAUNCH_PICKS[0]])
    use_fake_api.enqueue(200, asset())
    url = reverse("assets_browser:asset_detail", kwargs={"asset_id": LISBON})
    html = editor_client.get(url, headers=HTMX).content.decode()
    toggle = html[html.index(f'data-pick-toggle="{LISBON}"') :]
    assert toggle.index('value="remove"') < toggle.index("</form>")


def test_preview_dialog_of_a_processing_asset_says_why_it_cannot_be_picked(
    editor_client, use_fake_api
):
    use_fake_api.enqueue(200, asset(status="PROCESSING", fileUrl=None, thumbnailUrl=None))
    url = reverse("assets_browser:asset_detail", kwargs={"asset_id": LISBON})
    html = editor_client.get(url).content.decode()
    assert "Processing — can be picked once ready" in html
    assert 'class="pick-button" disabled' in html


# Order, notes, removal


def test_pick_move_up_and_down(editor_client, editor):
    board = make_board(editor, picks=LAUNCH_PICKS)
    taipei = board.picks.get(asset_id=TAIPEI)
    url = reverse("assets_browser:pick_move", kwargs={"pick_id": taipei.pk})
    editor_client.post(url, {"direction": "up"}, headers=HTMX)
    assert order(board) == [LISBON, TAIPEI, HARBOUR, SYNTH]
    editor_client.post(url, {"direction": "up"}, headers=HTMX)
    editor_client.post(url, {"direction": "up"}, headers=HTMX)  # already first: no change
    assert order(board) == [TAIPEI, LISBON, HARBOUR, SYNTH]
    editor_client.post(url, {"direction": "down"}, headers=HTMX)
    assert order(board) == [LISBON, TAIPEI, HARBOUR, SYNTH]


def test_pick_move_answers_with_the_tray_in_the_new_order(editor_client, editor):
    board = make_board(editor, picks=LAUNCH_PICKS)
    synth = board.picks.get(asset_id=SYNTH)
    url = reverse("assets_browser:pick_move", kwargs={"pick_id": synth.pk})
    html = editor_client.post(url, {"direction": "up"}, headers=HTMX).content.decode()
    names = re.findall(r'class="tray-pick-name" title="([^"]+)"', html)
    assert names == [
        "Drone flyover, Lisbon rooftops at dusk",
        "Harbour cranes at dawn",
        "Warm synth bed, 92 bpm",
        "Night market, Taipei",
    ]
    assert f'id="pick-{synth.pk}-up"' in html  # htmx keeps focus on the button by its id


def test_pick_move_rejects_an_unknown_direction(editor_client, editor):
    board = make_board(editor, picks=LAUNCH_PICKS)
    url = reverse("assets_browser:pick_move", kwargs={"pick_id": board.picks.first().pk})
    response = editor_client.post(url, {"direction": "sideways"}, headers=HTMX)
    assert response.status_code == 400
    assert order(board) == [LISBON, HARBOUR, TAIPEI, SYNTH]


def test_pick_move_without_js_redirects_back(editor_client, editor):
    board = make_board(editor, picks=LAUNCH_PICKS)
    url = reverse("assets_browser:pick_move", kwargs={"pick_id": board.picks.last().pk})
    response = editor_client.post(url, {"direction": "up", "next": "/boards/"})
    assert (response.status_code, response["Location"]) == (302, "/boards/")
    assert order(board) == [LISBON, HARBOUR, SYNTH, TAIPEI]


def test_pick_remove_takes_it_off_and_refreshes_its_toggle(editor_client, editor):
    board = make_board(editor, picks=LAUNCH_PICKS)
    harbour = board.picks.get(asset_id=HARBOUR)
    url = reverse("assets_browser:pick_remove", kwargs={"pick_id": harbour.pk})
    html = editor_client.post(url, {"shown": [HARBOUR, LISBON]}, headers=HTMX).content.decode()
    assert order(board) == [LISBON, TAIPEI, SYNTH]
    assert f"[data-pick-toggle='{HARBOUR}']" in html
    assert f"[data-pick-toggle='{LISBON}']" not in html  # unchanged: not swapped
    assert "3 picks" in html


def test_pick_note_saves_and_answers_with_the_note_form(editor_client, editor):
    board = make_board(editor, picks=LAUNCH_PICKS)
    pick = board.picks.get(asset_id=LISBON)
    url = reverse("assets_browser:pick_note", kwargs={"pick_id": pick.pk})
    response = editor_client.post(url, {"note": "Open on this, under the title"}, headers=HTMX)
    html = response.content.decode()
    pick.refresh_from_db()
    assert response.status_code == 200
    assert pick.note == "Open on this, under the title"
    assert html.lstrip().startswith('<form class="pick-note"')
    assert 'value="Open on this, under the title"' in html
    assert "Saved" in html


def test_pick_note_is_bounded(editor_client, editor):
    board = make_board(editor, picks=LAUNCH_PICKS)
    pick = board.picks.get(asset_id=LISBON)
    url = reverse("assets_browser:pick_note", kwargs={"pick_id": pick.pk})
    response = editor_client.post(url, {"note": "x" * 281}, headers=HTMX)
    pick.refresh_from_db()
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.content.decode()
    assert pick.note == ""


def test_pick_note_is_escaped(editor_client, editor):
    board = make_board(editor, picks=LAUNCH_PICKS)
    pick = board.picks.get(asset_id=LISBON)
    url = reverse("assets_browser:pick_note", kwargs={"pick_id": pick.pk})
    html = editor_client.post(url, {"note": '"><img src=x onerror=alert(1)>'}, headers=HTMX)
    assert "<img src=x" not in html.content.decode()


# Boards: create, switch, rename, clear, delete


def test_board_create_makes_it_current_and_refreshes_toggles(editor_client, editor):
    old = make_board(editor, "My picks", picks=[LAUNCH_PICKS[0]])
    response = editor_client.post(
        reverse("assets_browser:board_create"),
        {"name": "  Spring   launch B-roll ", "shown": [LISBON, TAIPEI]},
        headers=HTMX,
    )
    html = response.content.decode()
    new = Board.objects.get(owner=editor, name="Spring launch B-roll")
    assert response.status_code == 200
    assert boards.current_board(editor) == new
    assert old.picks.count() == 1
    assert f"[data-pick-toggle='{LISBON}']" in html  # it was picked; on the new board it is not
    assert f"[data-pick-toggle='{TAIPEI}']" not in html
    assert "Nothing picked yet" in html


def test_board_create_refuses_a_taken_name_in_any_case(editor_client, editor):
    make_board(editor, "Spring launch B-roll")
    response = editor_client.post(
        reverse("assets_browser:board_create"), {"name": "spring LAUNCH b-roll"}, headers=HTMX
    )
    assert response.status_code == 422
    assert "You already have a board called" in response.content.decode()
    assert Board.objects.filter(owner=editor).count() == 1


def test_board_create_refuses_an_empty_name(editor_client, editor):
    response = editor_client.post(
        reverse("assets_browser:board_create"), {"name": "   "}, headers=HTMX
    )
    assert response.status_code == 422
    assert not Board.objects.filter(owner=editor).exists()


def test_two_editors_may_use_the_same_board_name(editor_client, editor, other_editor):
    make_board(other_editor, "Spring launch B-roll")
    editor_client.post(reverse("assets_browser:board_create"), {"name": "Spring launch B-roll"})
    assert Board.objects.filter(name="Spring launch B-roll").count() == 2


def test_board_switch_changes_the_current_board_and_the_toggles(editor_client, editor):
    launch = make_board(editor, picks=LAUNCH_PICKS[:2])
    teaser = make_board(editor, "Autumn teaser", current=False, picks=[LAUNCH_PICKS[2]])
    response = editor_client.post(
        reverse("assets_browser:board_switch"),
        {"board": teaser.pk, "shown": [LISBON, HARBOUR, TAIPEI, SYNTH]},
        headers=HTMX,
    )
    html = response.content.decode()
    assert boards.current_board(editor) == teaser
    assert launch.picks.count() == 2
    for asset_id in (LISBON, HARBOUR, TAIPEI):  # changed state
        assert f"[data-pick-toggle='{asset_id}']" in html
    assert f"[data-pick-toggle='{SYNTH}']" not in html
    assert 'id="tray-title" class="tray-title" tabindex="-1">Autumn teaser<' in html


def test_board_switch_to_garbage_is_404(editor_client, editor):
    make_board(editor)
    response = editor_client.post(reverse("assets_browser:board_switch"), {"board": "1 OR 1"})
    assert response.status_code == 404


def test_board_rename(editor_client, editor):
    board = make_board(editor)
    url = reverse("assets_browser:board_rename", kwargs={"board_id": board.pk})
    response = editor_client.post(url, {"name": "Spring launch: final cut"}, headers=HTMX)
    board.refresh_from_db()
    assert response.status_code == 200
    assert board.name == "Spring launch: final cut"
    assert "Spring launch: final cut" in response.content.decode()


def test_board_rename_to_a_taken_name_is_refused(editor_client, editor):
    board = make_board(editor)
    make_board(editor, "Autumn teaser", current=False)
    url = reverse("assets_browser:board_rename", kwargs={"board_id": board.pk})
    response = editor_client.post(url, {"name": "AUTUMN TEASER"}, headers=HTMX)
    board.refresh_from_db()
    assert response.status_code == 422
    assert board.name == "Spring launch B-roll"


@pytest.mark.parametrize("htmx", [False, True])
def test_board_delete_asks_first(editor_client, editor, htmx):
    board = make_board(editor, picks=LAUNCH_PICKS)
    url = reverse("assets_browser:board_delete", kwargs={"board_id": board.pk})
    response = editor_client.get(url, headers=HTMX if htmx else {})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Delete “Spring launch B-roll”?" in html
    assert "Its 4 picks go with it" in html
    assert ("<title>" in html) is not htmx
    assert "HX-Request" in response["Vary"]
    assert Board.objects.filter(pk=board.pk).exists()


def test_board_delete_moves_current_to_the_most_recent_board(editor_client, editor):
    teaser = make_board(editor, "Autumn teaser", current=False, picks=[LAUNCH_PICKS[3]])
    launch = make_board(editor, picks=LAUNCH_PICKS[:3])
    url = reverse("assets_browser:board_delete", kwargs={"board_id": launch.pk})
    html = editor_client.post(url, {"shown": [LISBON, SYNTH]}, headers=HTMX).content.decode()
    assert not Board.objects.filter(pk=launch.pk).exists()
    assert not Pick.objects.filter(asset_id=LISBON).exists()
    assert boards.current_board(editor) == teaser
    assert f"[data-pick-toggle='{LISBON}']" in html
    assert f"[data-pick-toggle='{SYNTH}']" in html


def test_board_delete_of_the_last_board_leaves_an_empty_tray(editor_client, editor):
    board = make_board(editor, picks=LAUNCH_PICKS)
    url = reverse("assets_browser:board_delete", kwargs={"board_id": board.pk})
    html = editor_client.post(url, headers=HTMX).content.decode()
    assert boards.current_board(editor) is None
    assert "Nothing picked yet" in html


def test_board_delete_without_js_never_returns_to_the_deleted_board(editor_client, editor):
    board = make_board(editor)
    url = reverse("assets_browser:board_delete", kwargs={"board_id": board.pk})
    response = editor_client.post(url, {"next": f"/boards/{board.pk}/"})
    assert response["Location"] == BROWSE


def test_board_clear_asks_then_clears(editor_client, editor):
    board = make_board(editor, picks=LAUNCH_PICKS)
    url = reverse("assets_browser:board_clear", kwargs={"board_id": board.pk})
    assert "Remove all 4 picks" in editor_client.get(url, headers=HTMX).content.decode()
    assert board.picks.count() == 4
    html = editor_client.post(url, {"shown": [TAIPEI]}, headers=HTMX).content.decode()
    assert board.picks.count() == 0
    assert Board.objects.filter(pk=board.pk).exists()
    assert f"[data-pick-toggle='{TAIPEI}']" in html


@pytest.mark.parametrize("htmx", [False, True])
def test_board_detail_renders_page_or_tray(editor_client, editor, htmx):
    board = make_board(editor, picks=LAUNCH_PICKS)
    url = reverse("assets_browser:board_detail", kwargs={"board_id": board.pk})
    response = editor_client.get(url, headers=HTMX if htmx else {})
    html = response.content.decode()
    assert response.status_code == 200
    assert '<aside id="tray"' in html
    assert html.count('class="tray-pick"') == 4
    assert ("<title>" in html) is not htmx


def test_board_detail_history_restore_gets_the_full_page(editor_client, editor):
    board = make_board(editor)
    url = reverse("assets_browser:board_detail", kwargs={"board_id": board.pk})
    response = editor_client.get(url, headers={**HTMX, "HX-History-Restore-Request": "true"})
    assert "<title>" in response.content.decode()


def test_board_list_shows_every_board_of_the_editor_only(editor_client, editor, other_editor):
    make_board(editor, picks=LAUNCH_PICKS)
    make_board(editor, "Autumn teaser", current=False)
    make_board(other_editor, "Jonas’s secret project")
    html = editor_client.get(reverse("assets_browser:board_list")).content.decode()
    assert "Spring launch B-roll" in html
    assert "4 picks" in html
    assert "Autumn teaser" in html
    assert "secret project" not in html
    # One board is the one Pick adds to; the other offers to become it.
    assert html.count('class="board-row is-current"') == 1
    assert html.count("Picking into</span>") == 1
    assert 'Pick into this one<span class="visually-hidden">: Autumn teaser</span>' in html


def test_tray_escapes_remote_names(editor_client, editor):
    board = make_board(editor, picks=[(LISBON, "VIDEO", '<img src=x onerror="alert(1)">')])
    url = reverse("assets_browser:board_detail", kwargs={"board_id": board.pk})
    html = editor_client.get(url).content.decode()
    assert "<img src=x" not in html
    assert "&lt;img src=x" in html


# Ownership: one editor never sees or changes another's boards


def board_urls(board, pick):
    return [
        ("get", "board_detail", {"board_id": board.pk}),
        ("post", "board_rename", {"board_id": board.pk}),
        ("get", "board_delete", {"board_id": board.pk}),
        ("post", "board_delete", {"board_id": board.pk}),
        ("get", "board_clear", {"board_id": board.pk}),
        ("post", "board_clear", {"board_id": board.pk}),
        ("get", "board_export", {"board_id": board.pk}),
        ("post", "pick_move", {"pick_id": pick.pk}),
        ("post", "pick_remove", {"pick_id": pick.pk}),
        ("post", "pick_note", {"pick_id": pick.pk}),
    ]


@pytest.mark.parametrize("htmx", [False, True])
def test_another_editors_board_and_picks_are_404(editor_client, other_editor, use_fake_api, htmx):
    board = make_board(other_editor, picks=LAUNCH_PICKS)
    pick = board.picks.get(asset_id=LISBON)
    data = {"name": "Mine now", "note": "mine", "direction": "down"}
    for method, name, kwargs in board_urls(board, pick):
        url = reverse(f"assets_browser:{name}", kwargs=kwargs)
        response = getattr(editor_client, method)(
            url, data if method == "post" else None, headers=HTMX if htmx else {}
        )
        assert response.status_code == 404, (method, name)
    switch = editor_client.post(reverse("assets_browser:board_switch"), {"board": board.pk})
    assert switch.status_code == 404
    board.refresh_from_db()
    assert board.name == "Spring launch B-roll"
    assert order(board) == [LISBON, HARBOUR, TAIPEI, SYNTH]
    assert board.picks.get(asset_id=LISBON).note == ""
    assert boards.current_board(other_editor) == board
    assert use_fake_api.requests == []  # the export of someone else's board asks nobody


def test_picking_never_touches_another_editors_board(
    editor_client, editor, other_editor, use_fake_api
):
    theirs = make_board(other_editor, picks=LAUNCH_PICKS)
    use_fake_api.default(200, asset(PIANO, "Solo piano, rain", type="AUDIO"))
    editor_client.post(toggle_url(PIANO), {"action": "add"}, headers=HTMX)
    editor_client.post(toggle_url(LISBON), {"action": "remove"}, headers=HTMX)
    assert order(theirs) == [LISBON, HARBOUR, TAIPEI, SYNTH]
    assert order(Board.objects.get(owner=editor)) == [PIANO]


def test_current_board_cannot_be_someone_elses(editor, other_editor):
    theirs = make_board(other_editor)
    with pytest.raises(ValueError, match="their own"):
        boards.set_current(editor, theirs)


# CSRF on every POST


@pytest.fixture
def strict_client(editor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    return client


def test_every_board_post_needs_the_csrf_token(strict_client, editor, use_fake_api):
    board = make_board(editor, picks=LAUNCH_PICKS)
    pick = board.picks.get(asset_id=LISBON)
    urls = [
        reverse("assets_browser:board_create"),
        reverse("assets_browser:board_switch"),
        reverse("assets_browser:board_rename", kwargs={"board_id": board.pk}),
        reverse("assets_browser:board_delete", kwargs={"board_id": board.pk}),
        reverse("assets_browser:board_clear", kwargs={"board_id": board.pk}),
        toggle_url(HARBOUR),
        reverse("assets_browser:pick_move", kwargs={"pick_id": pick.pk}),
        reverse("assets_browser:pick_remove", kwargs={"pick_id": pick.pk}),
        reverse("assets_browser:pick_note", kwargs={"pick_id": pick.pk}),
    ]
    for url in urls:
        response = strict_client.post(url, {"board": board.pk, "name": "x", "direction": "up"})
        assert response.status_code == 403, url
    assert order(board) == [LISBON, HARBOUR, TAIPEI, SYNTH]
    assert Board.objects.filter(owner=editor).count() == 1


def test_a_board_post_with_the_token_from_the_page_works(strict_client, editor, use_sandbox):
    make_board(editor, picks=LAUNCH_PICKS)
    page = strict_client.get(BROWSE).content.decode()
    token = re.search(r'"x-csrftoken": "([^"]+)"', page).group(1)
    response = strict_client.post(
        reverse("assets_browser:board_create"),
        {"name": "Autumn teaser"},
        headers={**HTMX, "X-CSRFToken": token},
    )
    assert response.status_code == 200


# Export for POST /videos


def test_export_json_is_ready_for_post_videos(editor_client, editor, use_fake_api):
    board = make_board(editor, picks=LAUNCH_PICKS)
    answer_launch_assets(use_fake_api)
    response = editor_client.get(export_url(board, "json"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == ('attachment; filename="spring-launch-b-roll.json"')
    assert response["X-Export-Excluded"] == "0"
    assert json.loads(response.content) == {
        "moments": [
            {"transcript": "", "avatarId": "", "broll": {"type": "UPLOAD", "assetId": LISBON}},
            {"transcript": "", "avatarId": "", "broll": {"type": "UPLOAD", "assetId": HARBOUR}},
            {"transcript": "", "avatarId": "", "broll": {"type": "UPLOAD", "assetId": TAIPEI}},
        ],
        "backgroundMusic": {"assetId": SYNTH, "volume": 0.14},
    }
    asked = sorted(r.path for r in use_fake_api.requests)
    assert asked == sorted(f"/v1/assets/{a}" for a in (LISBON, HARBOUR, TAIPEI, SYNTH))


def test_export_asks_argil_about_the_picks_at_once(editor_client, editor, use_fake_api):
    """The re-check runs several GETs at a time: a full board costs 200 / export_concurrency()
    round trips, not 200. The fake answers only once all four asks are in at once (asked one
    after another, each would get a 503 and the export would fail)."""
    board = make_board(editor, picks=LAUNCH_PICKS)
    answer_launch_assets(use_fake_api)
    use_fake_api.gather(len(LAUNCH_PICKS))
    response = editor_client.get(export_url(board, "json"))
    assert response.status_code == 200
    assert [m["broll"]["assetId"] for m in json.loads(response.content)["moments"]] == [
        LISBON,
        HARBOUR,
        TAIPEI,
    ]


def test_export_follows_board_order(editor_client, editor, use_fake_api):
    board = make_board(editor, picks=LAUNCH_PICKS)
    taipei = board.picks.get(asset_id=TAIPEI)
    boards.move_pick(taipei, "up")
    boards.move_pick(taipei, "up")
    for asset_id in (TAIPEI, LISBON, HARBOUR, SYNTH):
        kind = "AUDIO" if asset_id == SYNTH else "VIDEO"
        use_fake_api.answer(f"/v1/assets/{asset_id}", 200, asset(asset_id, type=kind))
    payload = json.loads(editor_client.get(export_url(board, "json")).content)
    moments = [m["broll"]["assetId"] for m in payload["moments"]]
    assert moments == [TAIPEI, LISBON, HARBOUR]


def test_export_without_audio_has_no_background_music(editor_client, editor, use_fake_api):
    board = make_board(editor, picks=LAUNCH_PICKS[:1])
    use_fake_api.enqueue(200, asset())
    payload = json.loads(editor_client.get(export_url(board, "json")).content)
    assert set(payload) == {"moments"}


def test_export_uses_only_the_first_audio_track(editor_client, editor, use_fake_api):
    board = make_board(
        editor, picks=[LAUNCH_PICKS[3], (PIANO, "AUDIO", "Solo piano, rain"), LAUNCH_PICKS[0]]
    )
    use_fake_api.answer(
        f"/v1/assets/{SYNTH}", 200, asset(SYNTH, "Warm synth bed, 92 bpm", type="AUDIO")
    )
    use_fake_api.answer(f"/v1/assets/{PIANO}", 200, asset(PIANO, "Solo piano, rain", type="AUDIO"))
    use_fake_api.answer(f"/v1/assets/{LISBON}", 200, asset())
    response = editor_client.get(export_url(board))
    html = response.content.decode()
    export = response.context["export"]
    assert export.videos_payload()["backgroundMusic"]["assetId"] == SYNTH
    assert "only the first audio track becomes the music" in html


def test_export_csv_lists_every_pick(editor_client, editor, use_fake_api):
    board = make_board(editor, picks=LAUNCH_PICKS)
    answer_launch_assets(use_fake_api)
    response = editor_client.get(export_url(board, "csv"))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == ('attachment; filename="spring-launch-b-roll.csv"')
    cdn, drone = "https://cdn.example.com", "Drone flyover, Lisbon rooftops at dusk"
    assert [row[7:] for row in rows] == [["durationSeconds", "orientation"]] + [["", ""]] * 4
    assert [row[:7] for row in rows] == [
        ["position", "moment", "id", "type", "name", "fileUrl", "note"],
        ["1", "1", LISBON, "VIDEO", drone, f"{cdn}/5b0c6f0e.webm", ""],
        ["2", "2", HARBOUR, "IMAGE", "Harbour cranes at dawn", f"{cdn}/6c1d7a1f.webm", ""],
        ["3", "3", TAIPEI, "VIDEO", "Night market, Taipei", f"{cdn}/7d2e8b20.webm", ""],
        ["4", "background music", SYNTH, "AUDIO", "Warm synth bed, 92 bpm", f"{cdn}/8e3f9c31.webm",
         ""],
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "cell"),
    [
        ('=HYPERLINK("https://evil.example","Click")', '\'=HYPERLINK("https://evil.example","Click")'),
        ("+1 555 0100 voiceover", "'+1 555 0100 voiceover"),
        ("-2 dB ambience", "'-2 dB ambience"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("Café terrace, Lyon — 4K", "Café terrace, Lyon — 4K"),
    ],
)  # fmt: skip
def test_export_csv_guards_against_formula_injection(
    editor_client, editor, use_fake_api, name, cell
):
    board = make_board(editor, picks=[(LISBON, "VIDEO", name)])
    use_fake_api.enqueue(200, asset(name=name))
    text = editor_client.get(export_url(board, "csv")).content.decode()
    (row,) = csv.DictReader(io.StringIO(text))
    assert row["name"] == cell


def test_export_flags_picks_that_are_gone_or_not_ready(editor_client, editor, use_fake_api):
    board = make_board(editor, picks=LAUNCH_PICKS)
    answer_launch_assets(
        use_fake_api,
        **{
            HARBOUR: (404, {"error": "Asset not found"}),
            TAIPEI: (200, asset(TAIPEI, "Night market, Taipei", status="PROCESSING")),
        },
    )
    response = editor_client.get(export_url(board), headers=HTMX)
    html = response.content.decode()
    export = response.context["export"]
    assert response.status_code == 200
    assert [f.pick.asset_id for f in export.flagged] == [HARBOUR, TAIPEI]
    assert "2 picks left out" in html
    assert "Harbour cranes at dawn</strong> — No longer in the Argil library" in html
    assert "Night market, Taipei</strong> — Processing in Argil" in html
    assert export.videos_payload() == {
        "moments": [
            {"transcript": "", "avatarId": "", "broll": {"type": "UPLOAD", "assetId": LISBON}}
        ],
        "backgroundMusic": {"assetId": SYNTH, "volume": 0.14},
    }
    shown = re.search(r'<code id="export-json">(.*?)</code>', html, re.S).group(1)
    assert json.loads(shown.replace("&quot;", '"')) == export.videos_payload()
    assert HARBOUR not in re.search(r'<code id="export-csv">(.*?)</code>', html, re.S).group(1)


def test_export_download_leaves_flagged_picks_out_and_says_so(editor_client, editor, use_fake_api):
    board = make_board(editor, picks=LAUNCH_PICKS)
    answer_launch_assets(use_fake_api, **{LISBON: (404, {"error": "Asset not found"})})
    response = editor_client.get(export_url(board, "json"))
    payload = json.loads(response.content)
    assert response.status_code == 200
    assert response["X-Export-Excluded"] == "1"
    assert [m["broll"]["assetId"] for m in payload["moments"]] == [HARBOUR, TAIPEI]


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_export_download_when_argil_is_down_exports_nothing(
    editor_client, editor, use_fake_api, fmt
):
    board = make_board(editor, picks=LAUNCH_PICKS)
    use_fake_api.enqueue(200, asset())
    use_fake_api.default(503, {"message": "maintenance"})
    response = editor_client.get(export_url(board, fmt))
    assert response.status_code == 502
    assert "Content-Disposition" not in response
    assert response.content.decode().startswith("Nothing was exported.")


def test_export_preview_when_argil_is_down_says_so(editor_client, editor, use_fake_api):
    board = make_board(editor, picks=LAUNCH_PICKS)
    use_fake_api.default(503, {"message": "maintenance"})
    response = editor_client.get(export_url(board), headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 502
    assert "Nothing was exported" in html
    assert 'id="export-json"' not in html
    assert "Check again" in html


@pytest.mark.parametrize("htmx", [False, True])
def test_export_preview_renders_page_or_fragment(editor_client, editor, use_fake_api, htmx):
    board = make_board(editor, picks=LAUNCH_PICKS)
    answer_launch_assets(use_fake_api)
    response = editor_client.get(export_url(board), headers=HTMX if htmx else {})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="export-title"' in html
    assert "3 B-roll moments</strong> and <strong>background music" in html
    assert ("<title>" in html) is not htmx
    assert "HX-Request" in response["Vary"]
    assert "private" in response["Cache-Control"]


def test_export_refuses_an_unknown_format(editor_client, editor, use_fake_api):
    board = make_board(editor, picks=LAUNCH_PICKS)
    response = editor_client.get(export_url(board, "xlsx"))
    assert response.status_code == 400
    assert use_fake_api.requests == []


def test_export_of_an_empty_board(editor_client, editor, use_fake_api):
    board = make_board(editor)
    response = editor_client.get(export_url(board, "json"))
    assert json.loads(response.content) == {"moments": []}
    assert use_fake_api.requests == []


def test_export_against_the_sandbox(editor_client, editor, use_sandbox):
    first_page = editor_client.get(BROWSE + "?type=VIDEO&type=IMAGE&pageSize=20")
    ids = re.findall(r'data-pick-toggle="([0-9a-f-]{36})"', first_page.content.decode())[:3]
    for asset_id in ids:
        editor_client.post(toggle_url(asset_id), {"action": "add"}, headers=HTMX)
    board = Board.objects.get(owner=editor)
    payload = json.loads(editor_client.get(export_url(board, "json")).content)
    assert [m["broll"]["assetId"] for m in payload["moments"]] == ids
