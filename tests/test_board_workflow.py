"""The editor's workflow on boards: moves of any length in one request, many picks at once,
boards shared with the team (read-only for everyone but the owner), and the tray saying what
each pick becomes in the export. Upstream answers come from the programmable fake on loopback.
"""

import json

import pytest
from django.test import Client
from django.urls import reverse

from assets_browser import boards
from assets_browser.models import Board, Pick
from tests.boards_data import LAUNCH_PICKS, make_board, order
from tests.testdata import HARBOUR, HTMX, LISBON, PIANO, SYNTH, TAIPEI, asset

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_editor(django_user_model):
    return django_user_model.objects.create_user("jonas", password="match-cut-77")


@pytest.fixture
def other_client(other_editor):
    client = Client()
    client.force_login(other_editor)
    return client


def uuid(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


def long_board(owner, count=20, name="Harbour launch"):
    picks = [(uuid(n), "VIDEO", f"Clip {n}") for n in range(1, count + 1)]
    return make_board(owner, name, picks=picks)


def url(name, **kwargs):
    return reverse(f"assets_browser:{name}", kwargs=kwargs)


def names(board):
    return list(board.picks.values_list("name", flat=True))


# Moving: any distance in one request


def test_moving_pick_20_to_the_top_is_one_request_and_one_update(
    editor_client, editor, django_assert_max_num_queries
):
    board = long_board(editor)
    last = board.picks.get(name="Clip 20")
    # Session, user, the pick, the lock, the picks, one bulk UPDATE, the board's touch, then the
    # tray; however far the pick goes (a one-by-one move would be 19 requests).
    with django_assert_max_num_queries(16):
        response = editor_client.post(url("pick_move", pick_id=last.pk), {"direction": "top"})
    assert response.status_code == 302
    assert names(board)[:3] == ["Clip 20", "Clip 1", "Clip 2"]
    assert list(board.picks.values_list("position", flat=True)) == list(range(20))


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"direction": "bottom"}, ["Clip 2", "Clip 3", "Clip 4", "Clip 5", "Clip 1"]),
        ({"direction": "down"}, ["Clip 2", "Clip 1", "Clip 3", "Clip 4", "Clip 5"]),
        ({"direction": "up"}, ["Clip 1", "Clip 2", "Clip 3", "Clip 4", "Clip 5"]),
        ({"to": "3"}, ["Clip 2", "Clip 3", "Clip 1", "Clip 4", "Clip 5"]),
        ({"to": "99"}, ["Clip 2", "Clip 3", "Clip 4", "Clip 5", "Clip 1"]),  # past the end
    ],
)
def test_pick_move_to_any_place(editor_client, editor, data, expected):
    board = long_board(editor, 5)
    first = board.picks.get(name="Clip 1")
    response = editor_client.post(url("pick_move", pick_id=first.pk), data, headers=HTMX)
    assert response.status_code == 200
    assert names(board) == expected


def test_tray_offers_move_to_top_and_bottom_as_plain_buttons(editor_client, editor):
    board = long_board(editor, 3)
    html = editor_client.get(url("board_detail", board_id=board.pk)).content.decode()
    first, last = board.picks.first(), board.picks.last()
    assert f'id="pick-{first.pk}-top"' in html
    assert f'id="pick-{last.pk}-bottom"' in html
    # At either end the button that would do nothing is off.
    top_button = html[html.index(f'id="pick-{first.pk}-top"') :].split(">", 1)[0]
    assert "disabled" in top_button


def test_move_several_picks_together_as_a_block(editor_client, editor):
    board = long_board(editor, 6)
    chosen = [board.picks.get(name=n).pk for n in ("Clip 5", "Clip 2")]
    response = editor_client.post(
        url("picks_move", board_id=board.pk), {"pick": chosen, "direction": "top"}, headers=HTMX
    )
    assert response.status_code == 200
    # Together, in their board order, whatever order the ids came in.
    assert names(board) == ["Clip 2", "Clip 5", "Clip 1", "Clip 3", "Clip 4", "Clip 6"]
    editor_client.post(url("picks_move", board_id=board.pk), {"pick": chosen, "to": "4"})
    assert names(board) == ["Clip 1", "Clip 3", "Clip 4", "Clip 2", "Clip 5", "Clip 6"]
    editor_client.post(url("picks_move", board_id=board.pk), {"pick": chosen, "direction": "down"})
    assert names(board) == ["Clip 1", "Clip 3", "Clip 4", "Clip 6", "Clip 2", "Clip 5"]


def test_a_stale_move_answers_409_with_the_current_order(editor_client, editor):
    board = long_board(editor, 4)
    ids = list(board.picks.values_list("pk", flat=True))
    board.picks.get(name="Clip 2").delete()  # removed in another tab
    response = editor_client.post(
        url("picks_move", board_id=board.pk),
        {"pick": [ids[0], ids[1]], "direction": "bottom"},
        headers=HTMX,
    )
    assert response.status_code == 409
    assert "no longer on this board" in response.content.decode()
    event = json.loads(response["HX-Trigger"])["pick-order"]
    assert event["board"] == board.pk
    assert event["picks"] == [ids[0], ids[2], ids[3]]
    assert "no longer on this board" in event["error"]
    assert names(board) == ["Clip 1", "Clip 3", "Clip 4"]  # nothing moved


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"direction": "sideways"},
        {"to": "0"},
        {"to": "-3"},
        {"to": "three"},
        {"to": "1e9"},
        {"direction": "top", "to": "2"},
    ],
)
def test_a_move_that_says_no_place_is_a_clear_400(editor_client, editor, data):
    board = long_board(editor, 3)
    first = board.picks.first()
    response = editor_client.post(url("pick_move", pick_id=first.pk), data, headers=HTMX)
    assert response.status_code == 400
    assert "Say where to move" in response.content.decode()
    assert json.loads(response["HX-Trigger"])["pick-order"]["picks"] == list(
        board.picks.values_list("pk", flat=True)
    )
    bulk = editor_client.post(
        url("picks_move", board_id=board.pk), {"pick": [first.pk], **data}, headers=HTMX
    )
    assert bulk.status_code == 400
    assert names(board) == ["Clip 1", "Clip 2", "Clip 3"]


@pytest.mark.parametrize("picks", [[], ["abc"], ["1", "x"], ["١"], [str(n) for n in range(201)]])
def test_bulk_actions_refuse_bad_pick_ids_with_a_400(editor_client, editor, picks):
    board = long_board(editor, 3)
    for name in ("picks_move", "picks_remove"):
        response = editor_client.post(
            url(name, board_id=board.pk), {"pick": picks, "direction": "top"}, headers=HTMX
        )
        assert response.status_code == 400, name
        assert "picks to" in response.content.decode()
    assert board.picks.count() == 3


# Removing several at once


def test_remove_several_picks_in_one_request(editor_client, editor):
    board = make_board(editor, picks=LAUNCH_PICKS)
    chosen = [board.picks.get(asset_id=i).pk for i in (LISBON, TAIPEI)]
    response = editor_client.post(
        url("picks_remove", board_id=board.pk),
        {"pick": [*chosen, 999_999], "shown": [LISBON, TAIPEI]},
        headers=HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert order(board) == [HARBOUR, SYNTH]
    assert "Removed 2 picks." in html  # the id no longer on the board is not counted
    # The two cards' Pick toggles on the page follow, out of band.
    assert html.count('hx-swap-oob="outerHTML:[data-pick-toggle=') == 2


def test_remove_several_without_js_goes_back(editor_client, editor):
    board = make_board(editor, picks=LAUNCH_PICKS)
    pick = board.picks.get(asset_id=LISBON)
    response = editor_client.post(
        url("picks_remove", board_id=board.pk), {"pick": [pick.pk], "next": "/?type=VIDEO"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/?type=VIDEO"
    assert order(board) == [HARBOUR, TAIPEI, SYNTH]


# Picking several at once


def test_pick_several_assets_in_one_request(editor_client, editor, use_fake_api):
    for asset_id, asset_type, name in LAUNCH_PICKS:
        use_fake_api.answer(f"/v1/assets/{asset_id}", 200, asset(asset_id, name, type=asset_type))
    ids = [TAIPEI, LISBON, SYNTH, HARBOUR]
    response = editor_client.post(url("picks_add"), {"id": ids, "tray": "1"}, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    board = Board.objects.get(owner=editor)
    assert order(board) == [TAIPEI, LISBON, SYNTH, HARBOUR]  # in the order given
    assert "Picked 4 new onto “My picks”." in html
    assert len(use_fake_api.requests) == 4  # Argil is asked about each, as for one Pick
    assert html.count('aria-pressed="true"') == 4  # each card's toggle now says picked
    use_fake_api.answer(f"/v1/assets/{PIANO}", 200, asset(PIANO, "Piano", type="AUDIO"))
    again = editor_client.post(url("picks_add"), {"id": [LISBON, PIANO.upper()]}, headers=HTMX)
    assert again.status_code == 200
    assert "Picked 1 new" in again.content.decode()  # Lisbon was on the board already
    assert order(board) == [TAIPEI, LISBON, SYNTH, HARBOUR, PIANO]


def test_pick_several_refuses_what_is_not_ready_or_gone_and_picks_the_rest(
    editor_client, editor, use_fake_api
):
    use_fake_api.answer(f"/v1/assets/{LISBON}", 200, asset(LISBON))
    use_fake_api.answer(f"/v1/assets/{HARBOUR}", 200, asset(HARBOUR, "Cranes", status="FAILED"))
    use_fake_api.answer(f"/v1/assets/{TAIPEI}", 404, {"message": "not found"})
    response = editor_client.post(url("picks_add"), {"id": [LISBON, HARBOUR, TAIPEI]}, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert order(Board.objects.get(owner=editor)) == [LISBON]
    assert "2 not picked" in html
    assert "Cranes: Failed — upload it again" in html
    assert f"{TAIPEI}: No longer in the Argil library" in html


def test_pick_several_when_nothing_can_be_picked_is_409_and_makes_no_board(
    editor_client, editor, use_fake_api
):
    use_fake_api.answer(f"/v1/assets/{LISBON}", 200, asset(LISBON, status="PROCESSING"))
    response = editor_client.post(url("picks_add"), {"id": [LISBON]}, headers=HTMX)
    assert response.status_code == 409
    assert "Processing" in response.content.decode()
    assert not Board.objects.filter(owner=editor).exists()


def test_pick_several_stops_at_a_full_board(editor_client, editor, use_fake_api, monkeypatch):
    monkeypatch.setattr(boards, "MAX_PICKS", 3)
    make_board(editor, picks=LAUNCH_PICKS[:2])
    use_fake_api.answer(f"/v1/assets/{TAIPEI}", 200, asset(TAIPEI, "Night market"))
    use_fake_api.answer(f"/v1/assets/{PIANO}", 200, asset(PIANO, "Piano", type="AUDIO"))
    response = editor_client.post(url("picks_add"), {"id": [TAIPEI, PIANO]}, headers=HTMX)
    assert response.status_code == 200
    board = Board.objects.get(owner=editor)
    assert order(board) == [LISBON, HARBOUR, TAIPEI]
    assert "is full" in response.content.decode()


def test_pick_several_when_argil_fails_picks_nothing(editor_client, editor, use_fake_api):
    use_fake_api.answer(f"/v1/assets/{LISBON}", 200, asset(LISBON))
    use_fake_api.answer(f"/v1/assets/{HARBOUR}", 503, {"message": "down"})
    response = editor_client.post(url("picks_add"), {"id": [LISBON, HARBOUR]}, headers=HTMX)
    assert response.status_code >= 500
    assert "Nothing was picked." in response.content.decode()
    assert not Pick.objects.exists()


@pytest.mark.parametrize("ids", [[], ["not-a-uuid"], [LISBON, "x"], [uuid(n) for n in range(201)]])
def test_pick_several_refuses_bad_ids_with_a_400_and_asks_nobody(editor_client, use_fake_api, ids):
    response = editor_client.post(url("picks_add"), {"id": ids}, headers=HTMX)
    assert response.status_code == 400
    assert "assets to pick" in response.content.decode()
    assert use_fake_api.requests == []


def test_pick_several_without_js_goes_back(editor_client, editor, use_fake_api):
    use_fake_api.answer(f"/v1/assets/{LISBON}", 200, asset(LISBON))
    response = editor_client.post(url("picks_add"), {"id": [LISBON], "next": "/?page=2"})
    assert response.status_code == 302
    assert response["Location"] == "/?page=2"


# The tray says what each pick becomes in the export


def test_tray_numbers_moments_and_calls_music_background_music(editor_client, editor):
    picks = [
        (SYNTH, "AUDIO", "Warm synth bed"),
        (LISBON, "VIDEO", "Drone flyover"),
        (PIANO, "AUDIO", "Solo piano"),
        (HARBOUR, "IMAGE", "Harbour cranes"),
    ]
    board = make_board(editor, picks=picks)
    html = editor_client.get(url("board_detail", board_id=board.pk)).content.decode()
    assert '<span class="visually-hidden">Background music: </span>Warm synth bed' in html
    assert '<span class="visually-hidden">Moment 1: </span>Drone flyover' in html
    assert "Extra music, not in the JSON: </span>Solo piano" in html
    assert '<span class="visually-hidden">Moment 2: </span>Harbour cranes' in html
    assert [r.label for r in boards.tray_for(editor).rows] == [
        "Background music",
        "1",
        "Extra music, not in the JSON",
        "2",
    ]


# Team boards


def test_share_and_stop_sharing(editor_client, editor):
    board = make_board(editor, picks=LAUNCH_PICKS)
    response = editor_client.post(
        url("board_share", board_id=board.pk), {"shared": "1"}, headers=HTMX
    )
    assert response.status_code == 200
    assert "every editor sees this board" in response.content.decode()
    assert "Stop sharing" in response.content.decode()
    board.refresh_from_db()
    assert board.shared
    editor_client.post(url("board_share", board_id=board.pk), {"shared": "0"})
    board.refresh_from_db()
    assert not board.shared


@pytest.mark.parametrize("data", [{}, {"shared": "yes"}, {"shared": ""}])
def test_share_with_a_bad_value_is_a_clear_400(editor_client, editor, data):
    board = make_board(editor)
    response = editor_client.post(url("board_share", board_id=board.pk), data, headers=HTMX)
    assert response.status_code == 400
    assert "shared=1" in response.content.decode()
    board.refresh_from_db()
    assert not board.shared


def test_a_shared_board_is_a_team_board_for_every_other_editor(editor, other_editor, other_client):
    mine = make_board(editor, "Harbour launch", picks=LAUNCH_PICKS)
    make_board(editor, "Private cut", current=False)
    Pick.objects.filter(board=mine, asset_id=LISBON).update(note="Opening shot, 3 s")
    boards.set_shared(mine, True)
    listing = other_client.get(url("board_list")).content.decode()
    team = listing[listing.index('id="team-boards"') :]
    assert "Harbour launch" in team
    assert "by maya" in team
    assert "Private cut" not in listing
    page = other_client.get(url("board_detail", board_id=mine.pk))
    html = page.content.decode()
    assert page.status_code == 200
    assert "read-only" in html
    assert "Opening shot, 3 s" in html
    assert html.count('class="tray-pick"') == 4
    # Nothing on it changes the board: no rename, move, note, remove, share or clear form.
    for action in ("/rename/", "/move/", "/note/", "/remove/", "/share/", "/clear/", "/delete/"):
        assert action not in html, action
    assert url("board_duplicate", board_id=mine.pk) in html
    assert url("board_export", board_id=mine.pk) in html


def test_a_team_board_can_be_exported_by_another_editor(
    editor, other_editor, other_client, use_fake_api
):
    mine = make_board(editor, "Harbour launch", picks=LAUNCH_PICKS)
    boards.set_shared(mine, True)
    for asset_id, asset_type, name in LAUNCH_PICKS:
        use_fake_api.answer(f"/v1/assets/{asset_id}", 200, asset(asset_id, name, type=asset_type))
    response = other_client.get(url("board_export", board_id=mine.pk) + "?format=json")
    assert response.status_code == 200
    assert len(response.json()["moments"]) == 3


def test_duplicating_a_team_board_makes_it_mine_with_its_notes(editor, other_editor, other_client):
    mine = make_board(editor, "Harbour launch", picks=LAUNCH_PICKS)
    Pick.objects.filter(board=mine, asset_id=TAIPEI).update(note="cut on the beat")
    boards.set_shared(mine, True)
    response = other_client.post(url("board_duplicate", board_id=mine.pk))
    copy = Board.objects.get(owner=other_editor)
    assert response.status_code == 302
    assert response["Location"] == url("board_detail", board_id=copy.pk)
    assert copy.name == "Harbour launch"
    assert not copy.shared
    assert order(copy) == order(mine)
    assert copy.picks.get(asset_id=TAIPEI).note == "cut on the beat"
    assert boards.current_board(other_editor) == copy
    # A second copy gets a name of its own; the original is untouched.
    other_client.post(url("board_duplicate", board_id=mine.pk))
    assert set(Board.objects.filter(owner=other_editor).values_list("name", flat=True)) == {
        "Harbour launch",
        "Harbour launch (copy)",
    }
    assert Board.objects.filter(owner=editor).count() == 1


def test_duplicating_my_own_board(editor_client, editor):
    board = make_board(editor, "Harbour launch", picks=LAUNCH_PICKS)
    tray = editor_client.get(url("board_detail", board_id=board.pk)).content.decode()
    assert f'action="{url("board_duplicate", board_id=board.pk)}"' in tray
    editor_client.post(url("board_duplicate", board_id=board.pk))
    copy = Board.objects.get(owner=editor, name="Harbour launch (copy)")
    assert order(copy) == order(board)


def test_copy_names_stay_within_the_limit(editor):
    long_name = "x" * 80
    make_board(editor, long_name)
    name = boards.copy_name(editor, long_name)
    assert len(name) == 80
    assert name.endswith(" (copy)")


def test_after_sharing_stops_the_board_is_404_for_others(editor, other_client):
    mine = make_board(editor, "Harbour launch", picks=LAUNCH_PICKS)
    boards.set_shared(mine, True)
    assert other_client.get(url("board_detail", board_id=mine.pk)).status_code == 200
    boards.set_shared(mine, False)
    for name in ("board_detail", "board_export"):
        assert other_client.get(url(name, board_id=mine.pk)).status_code == 404
    assert other_client.post(url("board_duplicate", board_id=mine.pk)).status_code == 404
    assert "Harbour launch" not in other_client.get(url("board_list")).content.decode()


# Ownership: another editor never changes a board they do not own, shared or not (404 both:
# a shared board is only ever read by others, and a 404 says nothing about what exists).


def mutating_requests(board, pick):
    picks = {"pick": [pick.pk]}
    return [
        ("board_rename", {"board_id": board.pk}, {"name": "Mine now"}),
        ("board_delete", {"board_id": board.pk}, {}),
        ("board_clear", {"board_id": board.pk}, {}),
        ("board_share", {"board_id": board.pk}, {"shared": "0"}),
        ("picks_move", {"board_id": board.pk}, {**picks, "direction": "bottom"}),
        ("picks_remove", {"board_id": board.pk}, picks),
        ("pick_move", {"pick_id": pick.pk}, {"direction": "bottom"}),
        ("pick_remove", {"pick_id": pick.pk}, {}),
        ("pick_note", {"pick_id": pick.pk}, {"note": "mine"}),
    ]


@pytest.mark.parametrize("shared", [False, True])
@pytest.mark.parametrize("htmx", [False, True])
@pytest.mark.parametrize("index", range(9))
def test_another_editor_can_never_change_a_board(
    editor, other_client, use_fake_api, shared, htmx, index
):
    board = make_board(editor, "Harbour launch", picks=LAUNCH_PICKS)
    boards.set_shared(board, shared)
    pick = board.picks.get(asset_id=LISBON)
    name, kwargs, data = mutating_requests(board, pick)[index]
    response = other_client.post(url(name, **kwargs), data, headers=HTMX if htmx else {})
    assert response.status_code == 404, name
    board.refresh_from_db()
    assert (board.name, board.shared) == ("Harbour launch", shared)
    assert order(board) == [LISBON, HARBOUR, TAIPEI, SYNTH]
    assert board.picks.get(asset_id=LISBON).note == ""


def test_another_editor_cannot_switch_to_or_pick_into_a_shared_board(
    editor, other_editor, other_client, use_fake_api
):
    board = make_board(editor, "Harbour launch", picks=LAUNCH_PICKS)
    boards.set_shared(board, True)
    assert other_client.post(url("board_switch"), {"board": board.pk}).status_code == 404
    use_fake_api.answer(f"/v1/assets/{PIANO}", 200, asset(PIANO, "Piano", type="AUDIO"))
    other_client.post(url("picks_add"), {"id": [PIANO]}, headers=HTMX)
    assert order(board) == [LISBON, HARBOUR, TAIPEI, SYNTH]
    assert order(Board.objects.get(owner=other_editor)) == [PIANO]


# CSRF on every new POST


@pytest.fixture
def strict_client(editor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    return client


def test_every_workflow_post_needs_the_csrf_token(strict_client, editor, use_fake_api):
    board = make_board(editor, picks=LAUNCH_PICKS)
    pick = board.picks.get(asset_id=LISBON)
    requests = [
        *mutating_requests(board, pick),
        ("board_duplicate", {"board_id": board.pk}, {}),
        ("picks_add", {}, {"id": [PIANO]}),
    ]
    for name, kwargs, data in requests:
        response = strict_client.post(url(name, **kwargs), data, headers=HTMX)
        assert response.status_code == 403, name
    board.refresh_from_db()
    assert order(board) == [LISBON, HARBOUR, TAIPEI, SYNTH]
    assert not board.shared
    assert Board.objects.count() == 1
    assert use_fake_api.requests == []


def test_a_duplicate_racing_another_for_the_same_name_still_makes_a_board(
    editor, other_editor, monkeypatch
):
    source = make_board(editor, "Harbour launch", picks=LAUNCH_PICKS)
    make_board(other_editor, "Harbour launch")
    # As if a second click took the name between choosing it and creating the board.
    monkeypatch.setattr(boards, "copy_name", lambda user, name: name)
    copy = boards.duplicate_board(other_editor, source)
    assert copy.name.startswith("Harbour launch (")
    assert order(copy) == order(source)
