"""Handing a board to a colleague, in a real browser: one editor picks, notes and shares a
board; a second editor finds it under Team boards, sees it read-only, exports it, and duplicates
it into their own boards; notes travel in both export formats; what an export left out is marked
in the tray and removed in one go. The live server talks to the sandbox; console errors fail a
test."""

import csv
import io
import json
import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, Page, expect

from assets_browser import boards
from assets_browser.models import Pick
from tests.browser.steps import only_audio, pick_cards
from tests.post_videos import assert_post_videos_body

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def page_for(browser: Browser, app_url: str, user) -> Page:
    """A page in a browser context of its own, logged in as ``user``."""
    client = Client()
    client.force_login(user)
    context = browser.new_context()
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": app_url}])
    return context.new_page()


def test_a_shared_board_is_read_only_for_a_colleague_who_can_duplicate_it(
    logged_in_page: Page, app_url, browser, django_user_model
):
    page = logged_in_page
    page.goto(app_url + "/?type=IMAGE&type=VIDEO")
    first, second = pick_cards(page, 2)
    note = page.locator(f'#tray .tray-pick[data-asset-id="{first}"] .pick-note-input')
    note.fill("Opening shot, 3 s")
    note.press("Enter")
    expect(page.locator("#tray .pick-note-saved")).to_be_visible()
    page.locator("#tray .tray-menu > summary").click()
    page.get_by_role("button", name="Share with the team").click()
    expect(page.locator("#tray .tray-notice")).to_contain_text("every editor sees this board")

    colleague = django_user_model.objects.create_user("jonas", password="match-cut-77")
    other = page_for(browser, app_url, colleague)
    other_errors: list[str] = []
    other.on("console", lambda msg: msg.type == "error" and other_errors.append(msg.text))
    other.on("pageerror", lambda exc: other_errors.append(str(exc)))
    try:
        other.goto(app_url + "/boards/")
        team = other.locator(".board-row--team")
        expect(team).to_have_count(1)
        expect(team).to_contain_text("My picks")
        expect(team).to_contain_text("by maya")
        results = Axe().run(other)
        assert results.violations_count == 0, results.generate_report()
        team.get_by_role("link", name="My picks").click()

        # Read-only: the picks and the note, no field or button that would change them.
        expect(other.locator(".tray-kicker")).to_contain_text("read-only")
        rows = other.locator(".shared-board .tray-pick")
        expect(rows).to_have_count(2)
        expect(rows.first).to_have_attribute("data-asset-id", first)
        expect(rows.first).to_contain_text("Opening shot, 3 s")
        editable = ".shared-board :is(input[type=text], input[type=checkbox], .icon-button)"
        assert other.locator(editable).count() == 0
        # Nor can its picks be dragged.
        shared_list = "document.querySelector('.shared-board .tray-picks')"
        assert other.evaluate(f"Sortable.get({shared_list})") is None
        results = Axe().run(other)
        assert results.violations_count == 0, results.generate_report()

        # Export works for a colleague too.
        other.get_by_role("link", name="Export for a video").click()
        expect(other.locator("#export-json")).to_contain_text(first)
        other.go_back()

        other.get_by_role("button", name="Duplicate into my boards").click()
        expect(other).to_have_url(re.compile(r"/boards/\d+/$"))
        expect(other.locator("#tray-title")).to_have_text("My picks")
        copied = other.locator("#tray .tray-pick")
        expect(copied).to_have_count(2)
        expect(copied.first.locator(".pick-note-input")).to_have_value("Opening shot, 3 s")
        # The copy is the colleague's own: they can change it.
        copied.nth(1).get_by_role("button", name=re.compile(r"to the top$")).click()
        expect(other.locator("#tray .tray-pick").first).to_have_attribute("data-asset-id", second)
        assert not other_errors, other_errors
    finally:
        other.context.close()

    # The owner's board is as it was.
    page.reload()
    expect(page.locator("#tray .tray-pick").first).to_have_attribute("data-asset-id", first)


def test_notes_travel_in_both_export_formats(logged_in_page: Page, app_url):
    page = logged_in_page
    page.goto(app_url + "/?type=IMAGE&type=VIDEO")
    clips = pick_cards(page, 2)
    only_audio(page)
    (music,) = pick_cards(page, 1)
    notes = {clips[0]: "Opening shot, 3 s", music: "=under everything"}
    for asset_id, text in notes.items():
        field = page.locator(f'#tray .tray-pick[data-asset-id="{asset_id}"] .pick-note-input')
        field.fill(text)
        field.press("Enter")
        expect(
            page.locator(f'#tray .tray-pick[data-asset-id="{asset_id}"] .pick-note-saved')
        ).to_be_visible()
    # The tray says what the export will: two moments, then the music, unnumbered.
    music_row = page.locator(f'#tray .tray-pick[data-asset-id="{music}"]')
    expect(music_row).to_have_attribute("data-role", "music")
    expect(music_row.locator(".tray-role")).to_have_text("Background music")

    page.get_by_role("link", name="Export for a video").click()
    dialog = page.locator("#export-dialog")
    expect(dialog.locator("#export-json")).to_be_visible()
    payload = json.loads(dialog.locator("#export-json").inner_text())
    assert_post_videos_body(payload)
    assert [m["broll"]["assetId"] for m in payload["moments"]] == clips
    assert payload["backgroundMusic"]["assetId"] == music
    # Each note under its pick in the preview.
    expect(dialog.locator(".export-map li").first.locator(".export-map-note")).to_have_text(
        "Note: Opening shot, 3 s"
    )
    rows = list(csv.DictReader(io.StringIO(dialog.locator("#export-csv").inner_text())))
    assert [(r["position"], r["moment"], r["id"], r["note"]) for r in rows] == [
        ("1", "1", clips[0], "Opening shot, 3 s"),
        ("2", "2", clips[1], ""),
        ("3", "background music", music, "'=under everything"),
    ]
    with page.expect_download() as download_info:
        dialog.get_by_role("link", name="Download .csv").click()
    download = download_info.value
    assert download.suggested_filename == "my-picks.csv"
    downloaded = Path(download.path()).read_text(encoding="utf-8")
    assert list(csv.DictReader(io.StringIO(downloaded))) == rows


def test_export_marks_missing_picks_in_the_tray_and_removes_them_in_one_go(
    logged_in_page: Page, app_url, editor
):
    page = logged_in_page
    page.goto(app_url + "/?type=IMAGE&type=VIDEO")
    (kept,) = pick_cards(page, 1)
    # A pick of an asset Argil no longer has (deleted since it was picked).
    board = boards.current_board(editor)
    gone = "00000000-0000-4000-8000-00000000dead"
    Pick.objects.create(board=board, asset_id=gone, asset_type="VIDEO", name="Vanished clip")
    page.reload()
    expect(page.locator("#tray .tray-pick")).to_have_count(2)
    expect(page.locator("#tray .tray-missing")).to_have_count(0)

    page.get_by_role("link", name="Export for a video").click()
    dialog = page.locator("#export-dialog")
    expect(dialog.locator(f'[data-flagged="{gone}"]')).to_contain_text("Vanished clip")
    # The tray behind the dialog marks it at once, with the right count.
    expect(page.locator(f'#tray .tray-pick[data-asset-id="{gone}"]')).to_have_attribute(
        "data-role", "missing"
    )
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    page.locator("#tray").get_by_role("button", name="Remove 1 missing").click()
    expect(page.locator("#tray .tray-pick")).to_have_count(1)
    expect(page.locator("#tray .tray-pick").first).to_have_attribute("data-asset-id", kept)
    expect(page.locator("#tray .tray-notice")).to_have_text("Removed 1 pick.")
