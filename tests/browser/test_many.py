"""Many at once in a real browser: select cards with Ctrl/Cmd-click, Shift-click or Space and
pick them all in one request; tick picks on the board and remove or move them in one request.
The live server talks to the sandbox; console errors fail a test."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.browser.steps import PICKABLE, pick_cards, tray_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def posts_to(path_pattern: str):
    return lambda r: (
        r.request.method == "POST" and re.fullmatch(path_pattern, urlsplit(r.url).path) is not None
    )


def test_select_cards_and_pick_them_in_one_request(logged_in_page: Page, app_url):
    page = logged_in_page
    page.goto(app_url + "/?type=IMAGE&type=VIDEO")
    cards = page.locator(PICKABLE)
    ids = [cards.nth(i).get_attribute("data-asset-id") for i in range(6)]
    posts = []
    page.on("request", lambda r: posts.append(urlsplit(r.url).path) if r.method == "POST" else None)

    cards.nth(0).locator(".card-link").click(modifiers=["ControlOrMeta"])
    cards.nth(3).locator(".card-link").click(modifiers=["Shift"])  # 0..3
    expect(page.locator("#preview")).to_be_hidden()  # selecting opens no preview
    # The keyboard: Space on a focused card selects it too.
    cards.nth(5).locator(".card-link").focus()
    page.keyboard.press("Space")
    bar = page.locator("#bulk-pick")
    expect(bar).to_be_visible()
    expect(bar.get_by_role("button", name="Pick 5 selected")).to_be_visible()
    expect(page.locator("#asset-grid > .card.is-selected")).to_have_count(5)
    expect(page.locator("#announcer")).to_contain_text("5 selected")

    with page.expect_response(posts_to(r"/picks/add/")) as answer:
        bar.get_by_role("button", name="Pick 5 selected").click()
    assert answer.value.status == 200
    expect(page.locator("#tray .tray-count")).to_have_text(re.compile(r"^\s*5 picks\s*$"))
    assert tray_order(page) == [*ids[:4], ids[5]]
    assert posts == ["/picks/add/"]  # one request for all five
    for index in (0, 1, 2, 3, 5):
        expect(cards.nth(index).locator(".pick-button")).to_contain_text("Picked")
    expect(bar).to_be_hidden()
    expect(page.locator("#asset-grid > .card.is-selected")).to_have_count(0)


def test_escape_clears_the_selection(logged_in_page: Page, app_url):
    page = logged_in_page
    page.goto(app_url + "/")
    page.locator(PICKABLE).nth(1).locator(".card-link").click(modifiers=["ControlOrMeta"])
    expect(page.locator("#bulk-pick")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#bulk-pick")).to_be_hidden()
    expect(page.locator("#asset-grid > .card.is-selected")).to_have_count(0)


def test_tick_picks_and_remove_them_in_one_request(logged_in_page: Page, app_url):
    page = logged_in_page
    page.goto(app_url + "/?type=IMAGE&type=VIDEO")
    ids = pick_cards(page, 5)
    bulk = page.locator("#tray-bulk")
    expect(bulk).to_be_hidden()  # until a pick is ticked
    for asset_id in (ids[1], ids[3]):
        page.locator(f'#tray .tray-pick[data-asset-id="{asset_id}"] .tray-select input').check()
    expect(bulk).to_contain_text("2 selected")

    with page.expect_response(posts_to(r"/boards/\d+/picks/remove/")) as answer:
        bulk.get_by_role("button", name="Remove").click()
    assert answer.value.status == 200
    expect(page.locator("#tray .tray-count")).to_have_text(re.compile(r"^\s*3 picks\s*$"))
    assert tray_order(page) == [ids[0], ids[2], ids[4]]
    expect(page.locator("#tray .tray-notice")).to_contain_text("Removed 2 picks")
    # Their cards say so.
    expect(page.locator(f'.card[data-asset-id="{ids[1]}"] .pick-button')).to_contain_text("Pick")


def test_tick_picks_and_move_them_to_the_top_together(logged_in_page: Page, app_url):
    page = logged_in_page
    page.goto(app_url + "/?type=IMAGE&type=VIDEO")
    ids = pick_cards(page, 5)
    for asset_id in (ids[2], ids[4]):
        page.locator(f'#tray .tray-pick[data-asset-id="{asset_id}"] .tray-select input').check()
    with page.expect_response(posts_to(r"/boards/\d+/picks/move/")) as answer:
        page.locator("#tray-bulk").get_by_role("button", name="To the top").click()
    assert answer.value.status == 200
    expect(page.locator("#tray .tray-pick").first).to_have_attribute("data-asset-id", ids[2])
    assert tray_order(page) == [ids[2], ids[4], ids[0], ids[1], ids[3]]


def test_ticks_outlive_a_tray_change_made_elsewhere(logged_in_page: Page, app_url):
    page = logged_in_page
    page.goto(app_url + "/?type=IMAGE&type=VIDEO")
    ids = pick_cards(page, 2)
    page.locator(f'#tray .tray-pick[data-asset-id="{ids[0]}"] .tray-select input').check()
    pick_cards_after = page.locator(PICKABLE).nth(2)
    pick_cards_after.locator(".pick-button").click()  # the tray comes back with a third pick
    expect(page.locator("#tray .tray-count")).to_have_text(re.compile(r"^\s*3 picks\s*$"))
    box = page.locator(f'#tray .tray-pick[data-asset-id="{ids[0]}"] .tray-select input')
    expect(box).to_be_checked()
    expect(page.locator("#tray-bulk")).to_contain_text("1 selected")
