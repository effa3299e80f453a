"""The export with media facts: total B-roll length, per-pick duration and orientation in the
preview and the CSV, and a warning when a board mixes orientations. Facts come from the
catalogue, and only for the file Argil gives now."""

import csv
import io
from datetime import UTC, datetime

import pytest

from assets_browser.models import CatalogueAsset
from tests.boards_data import LAUNCH_PICKS, answer_launch_assets, export_url, make_board
from tests.testdata import HARBOUR, LISBON, SYNTH, TAIPEI

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def facts(asset_id, asset_type, *, file_url=None, **known):
    url = f"https://cdn.example.com/{asset_id[:8]}.webm"  # what tests.boards_data's Argil answers
    CatalogueAsset.objects.create(
        id=asset_id,
        name="",
        type=asset_type,
        status="READY",
        file_url=file_url or url,
        probed_url=file_url or url,
        created_at=NOW,
        seen_at=NOW,
        **known,
    )


def test_export_totals_the_clips_and_lists_each_picks_facts(editor_client, editor, use_fake_api):
    board = make_board(editor, picks=LAUNCH_PICKS)
    answer_launch_assets(use_fake_api)
    facts(LISBON, "VIDEO", duration_seconds=7.2, width=1080, height=1920, orientation="portrait")
    facts(HARBOUR, "IMAGE", width=1080, height=1350, orientation="portrait")
    facts(TAIPEI, "VIDEO", duration_seconds=12.4, width=720, height=1280, orientation="portrait")
    facts(SYNTH, "AUDIO", duration_seconds=151.0)

    response = editor_client.get(export_url(board), headers={"HX-Request": "true"})
    html = response.content.decode()
    export = response.context["export"]

    assert export.broll_seconds == pytest.approx(19.6)
    assert "B-roll clips in all: <strong>0:20</strong>" in html
    assert '0:07 · 9:16 <span class="muted">portrait</span>' in html
    assert '1080×1350 <span class="muted">portrait</span>' in html
    assert '<span class="export-map-facts" data-facts>2:31</span>' in html
    assert "data-orientation-warning" not in html

    rows = list(csv.reader(io.StringIO(editor_client.get(export_url(board, "csv")).text)))
    assert [row[7:] for row in rows] == [
        ["durationSeconds", "orientation"],
        ["7.20", "portrait"],
        ["", "portrait"],
        ["12.40", "portrait"],
        ["151.00", ""],
    ]


def test_a_board_mixing_orientations_is_warned(editor_client, editor, use_fake_api):
    board = make_board(editor, picks=LAUNCH_PICKS)
    answer_launch_assets(use_fake_api)
    facts(LISBON, "VIDEO", duration_seconds=7.0, width=1080, height=1920, orientation="portrait")
    facts(HARBOUR, "IMAGE", width=1920, height=1080, orientation="landscape")
    facts(TAIPEI, "VIDEO", duration_seconds=5.0, width=720, height=1280, orientation="portrait")

    html = editor_client.get(export_url(board)).content.decode()

    assert "This board mixes 2 portrait and 1 landscape B-roll moments" in html


def test_unknown_or_stale_facts_are_not_exported(editor_client, editor, use_fake_api):
    board = make_board(editor, picks=LAUNCH_PICKS)
    answer_launch_assets(use_fake_api)
    # Lisbon's facts are for a file Argil no longer gives; Taipei's could not be read.
    facts(LISBON, "VIDEO", file_url="https://cdn.example.com/old.webm", duration_seconds=60.0)
    facts(TAIPEI, "VIDEO", probe_error="took too long")

    response = editor_client.get(export_url(board))
    html = response.content.decode()

    assert response.context["export"].broll_seconds == 0
    assert "(and 2 clips of unknown length)" in html
    rows = list(csv.reader(io.StringIO(editor_client.get(export_url(board, "csv")).text)))
    assert {tuple(row[7:]) for row in rows[1:]} == {("", "")}
