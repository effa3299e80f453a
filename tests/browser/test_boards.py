"""Boards in a real browser: pick from the grid, reorder, note, export, reload; the tray on a
desktop and on a phone. The live server talks to the sandbox; console errors fail a test."""

import json
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from playwright.sync_api import Page, expect

from tests.browser.steps import (
    PICKABLE,
    only_audio,
    pick_cards,
    screenshot,
    set_type_filter,
    tray_order,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_boards_pick_reorder_note_export_and_reload(logged_in_page: Page, app_url):
    page = logged_in_page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=app_url)
    page.goto(app_url + "/?type=IMAGE&type=VIDEO")
    expect(page.locator("#tray .tray-count")).to_have_text(re.compile(r"^\s*0 picks\s*$"))

    broll = pick_cards(page, 3)
    expect(page.locator("#tray .tray-count")).to_have_text(re.compile(r"^\s*3 picks\s*$"))
    assert tray_order(page) == broll

    # Music: tick Audio only; the grid swaps in place, the tray stays.
    only_audio(page)
    (music,) = pick_cards(page, 1)
    expect(page.locator("#tray .tray-count")).to_have_text(re.compile(r"^\s*4 picks\s*$"))

    # Reorder: the third clip moves up one place.
    third = page.locator(f'#tray .tray-pick[data-asset-id="{broll[2]}"]')
    third.get_by_role("button", name=re.compile(r"^Move .* up$")).click()
    expected_order = [broll[0], broll[2], broll[1], music]
    expect(page.locator("#tray .tray-pick").nth(1)).to_have_attribute("data-asset-id", broll[2])
    assert tray_order(page) == expected_order

    # A note, saved on Enter.
    note = page.locator(f'#tray .tray-pick[data-asset-id="{broll[0]}"] .pick-note-input')
    note.fill("Open on this, under the title card")
    note.press("Enter")
    expect(
        page.locator(f'#tray .tray-pick[data-asset-id="{broll[0]}"] .pick-note-saved')
    ).to_be_visible()

    # Export: the preview opens in a dialog with the JSON for POST /videos.
    page.get_by_role("link", name="Export for a video").click()
    dialog = page.locator("#export-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("#export-json")).to_be_visible()
    shown = json.loads(dialog.locator("#export-json").inner_text())
    assert shown == {
        "moments": [
            {"transcript": "", "avatarId": "", "broll": {"type": "UPLOAD", "assetId": asset_id}}
            for asset_id in expected_order[:3]
        ],
        "backgroundMusic": {"assetId": music, "volume": 0.14},
    }
    expect(dialog.locator(".export-map li")).to_have_count(4)
    dialog.get_by_role("button", name="Copy JSON").click()
    expect(dialog.locator(".copy-status").first).to_have_text("Copied")
    assert json.loads(page.evaluate("navigator.clipboard.readText()")) == shown
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    # Picks survive a reload, in order, with the note; the toggles agree.
    page.reload()
    assert tray_order(page) == expected_order
    expect(note).to_have_value("Open on this, under the title card")
    expect(page.locator(f'.card[data-asset-id="{music}"] .pick-button')).to_contain_text("Picked")


def test_boards_unpick_from_the_tray_updates_the_card(logged_in_page: Page, app_url):
    page = logged_in_page
    page.goto(app_url + "/?type=IMAGE&type=VIDEO")
    first, second = pick_cards(page, 2)
    row = page.locator(f'#tray .tray-pick[data-asset-id="{first}"]')
    row.get_by_role("button", name=re.compile(r"^Remove ")).click()
    expect(page.locator("#tray .tray-pick")).to_have_count(1)
    card_button = page.locator(f'.card[data-asset-id="{first}"] .pick-button')
    expect(card_button).to_have_text(re.compile(r"^\s*Pick\b"))
    expect(page.locator(f'.card[data-asset-id="{second}"] .pick-button')).to_contain_text("Picked")


def test_boards_keyboard_focus_stays_on_the_toggle(logged_in_page: Page, app_url):
    page = logged_in_page
    page.goto(app_url + "/?type=IMAGE&type=VIDEO")
    button = page.locator(PICKABLE).first.locator(".pick-button")
    button.focus()
    page.keyboard.press("Enter")
    focused = page.locator(":focus")
    expect(focused).to_contain_text("Picked")
    page.keyboard.press("Enter")
    expect(focused).to_have_text(re.compile(r"^\s*Pick\b"))
    expect(page.locator("#tray .tray-pick")).to_have_count(0)


def test_boards_pick_from_the_preview_dialog(logged_in_page: Page, app_url):
    page = logged_in_page
    page.goto(app_url + "/?type=IMAGE&type=VIDEO")
    card = page.locator(PICKABLE).first
    asset_id = card.get_attribute("data-asset-id")
    card.locator(".card-link").click()
    dialog = page.locator("#preview")
    expect(dialog).to_be_visible()
    dialog.locator(".pick-button").click()
    # Every copy of the toggle follows: the dialog's, and the card's behind it.
    expect(dialog.locator(".pick-button")).to_contain_text("Picked")
    expect(dialog.locator(".pick-button")).to_be_focused()
    expect(card.locator(".pick-button")).to_contain_text("Picked")
    expect(page.locator("#tray .tray-pick")).to_have_count(1)
    assert tray_order(page) == [asset_id]


def test_boards_new_board_switch_and_two_tabs(logged_in_page: Page, app_url):
    page = logged_in_page
    page.goto(app_url + "/?type=IMAGE&type=VIDEO")
    (first,) = pick_cards(page, 1)
    other_tab = page.context.new_page()
    other_tab.goto(app_url + "/?type=IMAGE&type=VIDEO")
    expect(other_tab.locator(f'.card[data-asset-id="{first}"] .pick-button')).to_contain_text(
        "Picked"
    )
    other_tab.close()

    page.locator("#tray .tray-menu > summary").click()
    page.get_by_label("New board").fill("Spring launch B-roll")
    page.get_by_role("button", name="Create").click()
    expect(page.locator("#tray-title")).to_have_text("Spring launch B-roll")
    # The new board is empty: the card that was picked says Pick again, without a reload.
    expect(page.locator(f'.card[data-asset-id="{first}"] .pick-button')).to_have_text(
        re.compile(r"^\s*Pick\b")
    )
    page.locator("#tray-board").select_option(label="My picks (1)")
    expect(page.locator("#tray-title")).to_have_text("My picks")
    expect(page.locator(f'.card[data-asset-id="{first}"] .pick-button')).to_contain_text("Picked")


def test_boards_clear_asks_first(logged_in_page: Page, app_url):
    page = logged_in_page
    page.goto(app_url + "/?type=IMAGE&type=VIDEO")
    pick_cards(page, 2)
    page.locator("#tray").get_by_role("link", name="Clear…").click()
    expect(page.locator("#tray-confirm-text")).to_be_focused()
    expect(page.locator("#tray .tray-pick")).to_have_count(2)
    page.get_by_role("button", name="Clear board").click()
    expect(page.locator("#tray .tray-pick")).to_have_count(0)
    expect(page.locator(PICKABLE).first.locator(".pick-button")).to_have_text(
        re.compile(r"^\s*Pick\b")
    )


@pytest.mark.parametrize(
    ("width", "height", "scheme"),
    [(1440, 900, "light"), (1440, 900, "dark"), (390, 844, "light"), (390, 844, "dark")],
    ids=["desktop-light", "desktop-dark", "phone-light", "phone-dark"],
)
def test_boards_tray_layout(logged_in_page: Page, app_url, width, height, scheme):
    page = logged_in_page
    page.set_viewport_size({"width": width, "height": height})
    page.emulate_media(color_scheme=scheme)
    page.goto(app_url + "/?type=IMAGE&type=VIDEO")
    pick_cards(page, 3)
    only_audio(page)
    pick_cards(page, 1)
    set_type_filter(page, "Audio", ticked=False)  # none ticked: every type
    expect(page.locator("#asset-grid > .card[data-type=VIDEO]").first).to_be_visible()
    tray = page.locator("#tray")
    name = f"boards-{'desktop' if width > 1000 else 'phone'}-{scheme}"
    if width > 1000:  # a side panel to the right of the grid, all of it visible
        tray_box, grid_box = tray.bounding_box(), page.locator("#results").bounding_box()
        assert tray_box["x"] >= grid_box["x"] + grid_box["width"]
        expect(page.locator("#tray-body")).to_be_visible()
        expect(tray.locator(".tray-toggle")).to_be_hidden()
    else:  # a bar along the bottom of the screen that opens into a sheet
        box = tray.bounding_box()
        assert box["y"] + box["height"] == pytest.approx(height, abs=1)
        assert box["height"] < 100
        expect(page.locator("#tray-body")).to_be_hidden()
        expect(tray.locator(".tray-count")).to_contain_text("4 picks")
        screenshot(page, f"{name}-bar")
        tray.get_by_role("button", name="Show").click()
        expect(page.locator("#tray-body")).to_be_visible()
        expect(tray.get_by_role("button", name="Hide")).to_have_attribute("aria-expanded", "true")
        # A change inside the open sheet keeps it open.
        tray.locator(".tray-pick").nth(1).get_by_role("button", name=re.compile("up$")).click()
        expect(tray.locator(".tray-pick").first.locator(".tray-pos")).to_have_text("1")
        expect(page.locator("#tray-body")).to_be_visible()
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, name)

    tray.get_by_role("link", name="Export for a video").click()
    expect(page.locator("#export-json")).to_be_visible()
    screenshot(page, f"{name}-export")
    # axe last: like caret hiding, it may leave style="" behind for htmx's next swap to copy.
    results = Axe().run(page, context={"include": [["#export-dialog"]]})
    assert results.violations_count == 0, results.generate_report()
    page.keyboard.press("Escape")
    expect(page.locator("#export-dialog")).to_be_hidden()
    results = Axe().run(page, context={"include": [["#tray"], [".pick-toggle"]]})
    assert results.violations_count == 0, results.generate_report()


def test_boards_work_without_javascript(browser, app_url, client, editor):
    client.force_login(editor)
    context = browser.new_context(java_script_enabled=False)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": app_url}])
    page = context.new_page()
    page.goto(app_url + "/?type=IMAGE&type=VIDEO&page=2")
    ids = []
    for index in range(2):  # each Pick is a form POST that comes back to this page
        card = page.locator(PICKABLE).nth(index)
        ids.append(card.get_attribute("data-asset-id"))
        card.locator(".pick-button").click()
        expect(page).to_have_url(re.compile(r"\?type=IMAGE&type=VIDEO&page=2$"))
        expect(page.locator(f'.card[data-asset-id="{ids[-1]}"] .pick-button')).to_contain_text(
            "Picked"
        )
    assert tray_order(page) == ids
    second = page.locator(f'#tray .tray-pick[data-asset-id="{ids[1]}"]')
    second.get_by_role("button", name=re.compile(r"^Move .* up$")).click()
    expect(page.locator("#tray .tray-pick").first).to_have_attribute("data-asset-id", ids[1])
    second.get_by_role("button", name=re.compile(r"^Remove ")).click()  # its own formaction
    expect(page.locator("#tray .tray-pick")).to_have_count(1)
    assert tray_order(page) == [ids[0]]
    context.close()
