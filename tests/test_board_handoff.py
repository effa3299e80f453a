"""The hand-off: notes travel into the export (CSV and preview), the JSON stays a valid
POST /videos body, downloads are named after the board, and picks an export left out are
marked in the tray with one "Remove N missing". Argil's answers come from the fake on loopback.
"""

import csv
import io
import re

import pytest
from django.urls import reverse

from assets_browser import boards
from assets_browser.models import Board, Pick
from tests.boards_data import LAUNCH_PICKS, answer_launch_assets, export_url, make_board, order
from tests.post_videos import assert_post_videos_body
from tests.testdata import HARBOUR, HTMX, LISBON, PIANO, SYNTH, TAIPEI, asset

pytestmark = pytest.mark.django_db

NOTES = {
    LISBON: "Opening shot, 3 s",
    HARBOUR: "=cut on the beat",  # a formula, as a spreadsheet would read it
    SYNTH: "under the whole video, -6 dB",
}


@pytest.fixture
def other_editor(django_user_model):
    return django_user_model.objects.create_user("jonas", password="match-cut-77")


def noted_board(owner, name="Harbour launch", picks=LAUNCH_PICKS):
    board = make_board(owner, name, picks=picks)
    for asset_id, note in NOTES.items():
        Pick.objects.filter(board=board, asset_id=asset_id).update(note=note)
    return board


def csv_rows(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.content.decode())))


# Notes travel


def test_csv_carries_position_moment_and_note_formula_safe(editor_client, editor, use_fake_api):
    picks = [LAUNCH_PICKS[3], *LAUNCH_PICKS[:3], (PIANO, "AUDIO", "Solo piano")]
    board = noted_board(editor, picks=picks)
    answer_launch_assets(use_fake_api, picks)
    rows = csv_rows(editor_client.get(export_url(board, "csv")))
    assert [(r["position"], r["moment"], r["id"], r["note"]) for r in rows] == [
        ("1", "background music", SYNTH, NOTES[SYNTH]),
        ("2", "1", LISBON, NOTES[LISBON]),
        ("3", "2", HARBOUR, "'=cut on the beat"),  # shown as text, never run
        ("4", "3", TAIPEI, ""),
        ("5", "extra music (not in the JSON)", PIANO, ""),
    ]


def test_csv_positions_are_the_boards_even_when_a_pick_is_left_out(
    editor_client, editor, use_fake_api
):
    board = noted_board(editor)
    answer_launch_assets(use_fake_api, **{HARBOUR: (404, {"message": "gone"})})
    rows = csv_rows(editor_client.get(export_url(board, "csv")))
    assert [(r["position"], r["moment"], r["id"]) for r in rows] == [
        ("1", "1", LISBON),
        ("3", "2", TAIPEI),
        ("4", "background music", SYNTH),
    ]


def test_json_stays_a_post_videos_body_without_notes(editor_client, editor, use_fake_api):
    board = noted_board(editor)
    answer_launch_assets(use_fake_api)
    response = editor_client.get(export_url(board, "json"))
    payload = response.json()
    assert_post_videos_body(payload)
    assert [m["broll"]["assetId"] for m in payload["moments"]] == [LISBON, HARBOUR, TAIPEI]
    # A note is not a transcript: an avatar would read it aloud if nobody replaced it.
    assert all(m["transcript"] == "" for m in payload["moments"])
    for note in NOTES.values():
        assert note not in response.content.decode()


def test_preview_lists_each_note_under_its_pick(editor_client, editor, use_fake_api):
    board = noted_board(editor)
    answer_launch_assets(
        use_fake_api, **{SYNTH: (200, asset(SYNTH, "Warm synth", type="AUDIO", status="FAILED"))}
    )
    html = editor_client.get(export_url(board), headers=HTMX).content.decode()
    export_map = html[html.index('class="export-map"') :]
    lisbon = export_map.index("Drone flyover")
    assert export_map.index("Opening shot, 3 s") > lisbon
    assert export_map.index("Opening shot, 3 s") < export_map.index("Harbour cranes")
    assert "=cut on the beat" in export_map
    # A left-out pick keeps its note in the list of what was left out.
    flagged = html[html.index("export-flagged") : html.index('class="export-map"')]
    assert "under the whole video, -6 dB" in flagged
    assert "Notes travel in the CSV" in html


def test_preview_escapes_notes(editor_client, editor, use_fake_api):
    board = make_board(editor, picks=LAUNCH_PICKS[:1])
    Pick.objects.filter(board=board).update(note='<img src=x onerror="alert(1)">')
    answer_launch_assets(use_fake_api, LAUNCH_PICKS[:1])
    html = editor_client.get(export_url(board), headers=HTMX).content.decode()
    assert "<img src=x" not in html
    assert "&lt;img src=x" in html


# Downloads named after the board


@pytest.mark.parametrize(
    ("name", "disposition"),
    [
        ("Harbour launch", 'attachment; filename="harbour-launch.csv"'),
        ("  Spring: launch / B-roll!  ", 'attachment; filename="spring-launch-b-roll.csv"'),
        ('../../etc/passwd"; x=', 'attachment; filename="etcpasswd-x.csv"'),
        ("!!!", 'attachment; filename="board.csv"'),
        ("Été à Lisbonne", "attachment; filename*=utf-8''%C3%A9t%C3%A9-%C3%A0-lisbonne.csv"),
    ],
)
def test_downloads_are_named_after_the_board(
    editor_client, editor, use_fake_api, name, disposition
):
    board = make_board(editor, name, picks=LAUNCH_PICKS[:1])
    answer_launch_assets(use_fake_api, LAUNCH_PICKS[:1])
    response = editor_client.get(export_url(board, "csv"))
    assert response["Content-Disposition"] == disposition
    json_name = editor_client.get(export_url(board, "json"))["Content-Disposition"]
    assert json_name == disposition.replace(".csv", ".json")


# Picks an export left out, marked in the tray


def test_tray_marks_what_the_export_left_out_and_removes_them_in_one_post(
    editor_client, editor, use_fake_api
):
    board = noted_board(editor)
    answer_launch_assets(
        use_fake_api,
        **{
            HARBOUR: (404, {"message": "gone"}),
            TAIPEI: (200, asset(TAIPEI, "Night market", status="PROCESSING")),
        },
    )
    editor_client.get(export_url(board), headers=HTMX)
    tray = editor_client.get(reverse("assets_browser:board_detail", kwargs={"board_id": board.pk}))
    html = tray.content.decode()
    assert html.count(" data-missing>") == 2
    assert "No longer in the Argil library (deleted)" in html
    assert "Processing in Argil" in html
    assert "Remove 2 missing" in html
    form = html[html.index('class="tray-missing') :]
    form = form[: form.index("</form>")]
    posted = sorted(int(v) for v in re.findall(r'name="pick" value="(\d+)"', form))
    missing = sorted(
        board.picks.filter(asset_id__in=[HARBOUR, TAIPEI]).values_list("pk", flat=True)
    )
    assert posted == missing
    # Moments are numbered as the export did: the missing ones are not moments.
    assert [r.label for r in boards.tray_for(editor).rows] == [
        "1",
        "Missing",
        "Missing",
        "Background music",
    ]

    response = editor_client.post(
        reverse("assets_browser:picks_remove", kwargs={"board_id": board.pk}),
        {"pick": posted},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert "Removed 2 picks." in response.content.decode()
    assert "Remove 2 missing" not in response.content.decode()
    assert order(board) == [LISBON, SYNTH]


def test_a_later_export_that_finds_them_ready_clears_the_mark(editor_client, editor, use_fake_api):
    board = noted_board(editor)
    answer_launch_assets(
        use_fake_api, **{TAIPEI: (200, asset(TAIPEI, "Night market", status="PROCESSING"))}
    )
    editor_client.get(export_url(board, "json"))
    assert board.picks.get(asset_id=TAIPEI).missing_reason
    use_fake_api.reset()
    answer_launch_assets(use_fake_api)
    editor_client.get(export_url(board, "csv"))
    assert not board.picks.filter(missing_reason__gt="").exists()


def test_a_colleagues_export_of_a_shared_board_marks_nothing(
    client, editor, other_editor, use_fake_api
):
    board = noted_board(editor)
    boards.set_shared(board, True)
    answer_launch_assets(use_fake_api, **{HARBOUR: (404, {"message": "gone"})})
    client.force_login(other_editor)
    response = client.get(export_url(board))
    assert response.status_code == 200
    assert "No longer in the Argil library" in response.content.decode()
    assert not Pick.objects.filter(missing_reason__gt="").exists()
    assert Board.objects.get(pk=board.pk).updated == board.updated


def test_the_export_dialog_marks_the_tray_behind_it_at_once(editor_client, editor, use_fake_api):
    board = noted_board(editor)
    answer_launch_assets(use_fake_api, **{HARBOUR: (404, {"message": "gone"})})
    html = editor_client.get(export_url(board), headers=HTMX).content.decode()
    tray = html[html.index('<aside id="tray"') :]
    assert 'hx-swap-oob="true"' in tray.split(">", 1)[0]
    assert "Remove 1 missing" in tray
    # Nothing changed since: the next export leaves the tray alone.
    again = editor_client.get(export_url(board), headers=HTMX).content.decode()
    assert '<aside id="tray"' not in again
