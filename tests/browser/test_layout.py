"""Phones to wide screens, light and dark: nothing overflows sideways in the grid, the list, with
the tray open or the preview open; and the editor's layout, size and theme stick. Screenshots
go to test-results/ (look at them)."""

import re

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from assets_browser.models import EditorProfile
from tests.browser.steps import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CARDS = "#asset-grid > .card"
PICKABLE = "#asset-grid > .card:has(.pick-form)"


def overflow(page: Page) -> int:
    """How far the page scrolls sideways (0: it fits)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def columns(page: Page) -> int:
    """Cards in the grid's first row, as laid out."""
    return page.locator(CARDS).evaluate_all(
        "cards => cards.filter(card => card.offsetTop === cards[0].offsetTop).length"
    )


def press_option(page: Page, group: str, name: str) -> None:
    """Click one option of a segmented control and wait until the server saved it."""
    button = page.get_by_role("group", name=group).get_by_role("button", name=name, exact=True)
    with page.expect_response(lambda r: r.url.endswith("/preferences/") and r.status == 204):
        button.click()
    expect(button).to_have_attribute("aria-pressed", "true")


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [360, 390, 768, 1440, 2560])
def test_layout_fits_every_width(logged_in_page: Page, app_url, width, scheme):
    page = logged_in_page
    page.set_viewport_size({"width": width, "height": 900})
    page.emulate_media(color_scheme=scheme)
    page.goto(app_url + "/?type=IMAGE&type=VIDEO")
    expect(page.locator(CARDS)).to_have_count(20)
    assert overflow(page) <= 0
    screenshot(page, f"a11y-{width}-{scheme}-grid")

    press_option(page, "Layout", "List")
    expect(page.locator("#asset-grid")).to_have_class(re.compile(r"\bgrid--list\b"))
    assert columns(page) == 1
    assert overflow(page) <= 0
    screenshot(page, f"a11y-{width}-{scheme}-list")

    for index in range(2):
        card = page.locator(PICKABLE).nth(index)
        card.locator(".pick-button").click()
        expect(card.locator(".pick-button")).to_have_attribute("aria-pressed", "true")
    tray = page.locator("#tray")
    if width < 1200:  # a bar along the bottom that opens into a sheet
        tray.get_by_role("button", name="Show").click()
    expect(page.locator("#tray-body")).to_be_visible()
    expect(tray.locator(".tray-pick")).to_have_count(2)
    assert overflow(page) <= 0
    screenshot(page, f"a11y-{width}-{scheme}-tray")
    if width < 1200:
        tray.get_by_role("button", name="Hide").click()

    page.locator(CARDS).first.locator(".card-link").click()
    expect(page.locator("#preview")).to_be_visible()
    expect(page.locator("#preview-title")).to_be_visible()
    assert overflow(page) <= 0
    screenshot(page, f"a11y-{width}-{scheme}-preview")
    page.keyboard.press("Escape")
    expect(page.locator("#preview")).to_be_hidden()

    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    assert overflow(page) <= 0
    screenshot(page, f"a11y-{width}-{scheme}-shortcuts")


def test_layout_thumbnail_size_changes_the_columns(logged_in_page: Page, app_url):
    page = logged_in_page
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(app_url + "/")
    medium = columns(page)
    press_option(page, "Thumbnail size", "Small")
    small = columns(page)
    press_option(page, "Thumbnail size", "Large")
    large = columns(page)
    assert small > medium > large >= 1
    page.reload()  # remembered on the server
    expect(page.locator("#asset-grid")).to_have_class(re.compile(r"\bthumbs--large\b"))
    assert columns(page) == large


def test_layout_list_is_remembered_across_pages_and_reloads(logged_in_page: Page, app_url, editor):
    page = logged_in_page
    page.goto(app_url + "/")
    press_option(page, "Layout", "List")
    assert EditorProfile.objects.get(user=editor).layout == "list"
    page.get_by_role("link", name="Next page").click()
    expect(page).to_have_url(app_url + "/?page=2")
    expect(page.locator("#asset-grid")).to_have_class(re.compile(r"\bgrid--list\b"))
    page.reload()
    expect(page.locator("#asset-grid")).to_have_class(re.compile(r"\bgrid--list\b"))
    expect(page.get_by_role("button", name="List", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )


def background(page: Page) -> str:
    return page.evaluate("getComputedStyle(document.documentElement).backgroundColor")


def test_theme_switch_overrides_the_system_and_sticks(logged_in_page: Page, app_url):
    page = logged_in_page
    page.emulate_media(color_scheme="light")
    page.goto(app_url + "/")
    light = background(page)
    press_option(page, "Colour theme", "Dark")
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    dark = background(page)
    assert dark != light
    page.reload()  # rendered by the server: no flash of the light theme
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    assert background(page) == dark

    page.emulate_media(color_scheme="dark")
    press_option(page, "Colour theme", "Light")
    assert background(page) == light
    press_option(page, "Colour theme", "Auto")
    assert background(page) == dark  # the system says dark


def test_theme_switch_works_without_javascript(browser, app_url, client, editor):
    client.force_login(editor)
    context = browser.new_context(java_script_enabled=False, color_scheme="light")
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": app_url}])
    page = context.new_page()
    page.goto(app_url + "/?type=AUDIO")
    page.get_by_role("button", name="Dark", exact=True).click()
    expect(page).to_have_url(app_url + "/?type=AUDIO")  # back on the same page
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    page.get_by_role("button", name="List", exact=True).click()
    expect(page.locator("#asset-grid")).to_have_class(re.compile(r"\bgrid--list\b"))
    context.close()


@pytest.mark.parametrize("width", [1280, 1366, 1440])
def test_layout_four_medium_columns_on_a_laptop_beside_the_tray(
    logged_in_page: Page, app_url, width
):
    page = logged_in_page
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(app_url + "/")
    expect(page.locator("#asset-grid")).to_have_class(re.compile(r"\bthumbs--medium\b"))
    expect(page.locator("#tray")).to_be_visible()
    expect(page.locator("#filters")).to_be_visible()
    assert columns(page) >= 4
    assert overflow(page) == 0
    # A long title takes two lines at most, never more.
    heights = page.locator(f"{CARDS} .card-title").evaluate_all(
        "titles => titles.map(t => t.getBoundingClientRect().height /"
        " parseFloat(getComputedStyle(t).lineHeight))"
    )
    assert max(heights) <= 2.05
    screenshot(page, f"layout-{width}-medium")


def test_layout_folded_filters_are_remembered_and_give_the_grid_room(
    logged_in_page: Page, app_url, editor
):
    page = logged_in_page
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(app_url + "/")
    before = columns(page)
    fold = page.get_by_role("button", name="Hide the filters")
    expect(fold).to_have_attribute("aria-expanded", "true")
    with page.expect_response(lambda r: r.url.endswith("/preferences/") and r.status == 204):
        fold.click()
    expect(page.locator("#filters")).to_be_hidden()
    unfold = page.get_by_role("button", name="Show the filters")
    expect(unfold).to_have_attribute("aria-expanded", "false")
    expect(unfold).to_be_focused()
    assert columns(page) > before
    assert EditorProfile.objects.get(user=editor).filters == "collapsed"

    page.reload()  # rendered folded by the server: nothing moves on load
    expect(page.locator("#filters-panel")).to_have_class(re.compile(r"\bis-collapsed\b"))
    expect(page.locator("#filters")).to_be_hidden()
    with page.expect_response(lambda r: r.url.endswith("/preferences/") and r.status == 204):
        page.get_by_role("button", name="Show the filters").click()
    expect(page.locator("#filters")).to_be_visible()
    assert EditorProfile.objects.get(user=editor).filters == "open"


def test_layout_phone_filters_wait_in_a_sheet(logged_in_page: Page, app_url):
    page = logged_in_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(app_url + "/?type=VIDEO&status=PROCESSING")
    sheet_button = page.get_by_role("button", name="Filters (2)")
    expect(sheet_button).to_be_visible()
    expect(page.locator("#filters")).to_be_hidden()
    # The first screen shows results.
    first_card = page.locator(CARDS).first
    expect(first_card).to_be_in_viewport()

    sheet_button.click()
    expect(sheet_button).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#filters")).to_be_in_viewport()
    expect(page.get_by_role("searchbox", name="Search names")).to_be_focused()
    with page.expect_response(lambda r: r.url.split("?")[0] == app_url + "/"):
        page.get_by_role("checkbox", name="Images").check()
    expect(page.locator("[data-filter-count]")).to_have_text(" (3)")
    page.get_by_role("button", name="Show the results").click()
    expect(page.locator("#filters")).to_be_hidden()
    expect(page.get_by_role("button", name="Filters (3)")).to_be_focused()

    # Escape shuts it too.
    page.get_by_role("button", name="Filters (3)").click()
    page.keyboard.press("Escape")
    expect(page.locator("#filters")).to_be_hidden()
    screenshot(page, "layout-390-filters-sheet-closed")

    # Open, it is modal: the page behind takes no focus, and a tap on the backdrop shuts it.
    page.get_by_role("button", name="Filters (3)").click()
    expect(page.locator("#filters")).to_be_in_viewport()
    for _ in range(40):  # past the sheet's last control: focus never reaches the page behind
        page.keyboard.press("Tab")
        assert page.evaluate(
            "!document.activeElement || document.activeElement === document.body"
            " || document.getElementById('filters-body').contains(document.activeElement)"
        )
    assert page.evaluate("document.getElementById('main').inert")
    screenshot(page, "layout-390-filters-sheet-open")
    page.mouse.click(195, 40)  # above the sheet: the backdrop
    expect(page.locator("#filters")).to_be_hidden()
    expect(page.get_by_role("button", name="Filters (3)")).to_be_focused()
    assert not page.evaluate("document.getElementById('main').inert")
    first_card.locator(".card-link").focus()
    expect(first_card.locator(".card-link")).to_be_focused()

    # Turned wide while open, it shuts and leaves nothing inert.
    page.get_by_role("button", name="Filters (3)").click()
    page.set_viewport_size({"width": 1280, "height": 800})
    expect(page.locator("html")).not_to_have_class(re.compile(r"filters-sheet-open"))
    assert not page.evaluate("document.getElementById('main').inert")


def test_layout_note_keeps_its_width_when_saved_appears(logged_in_page: Page, app_url):
    page = logged_in_page
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(app_url + "/")
    page.locator(PICKABLE).first.locator(".pick-button").click()
    note = page.locator("#tray .pick-note-input").first
    before = note.bounding_box()["width"]
    note.fill("Opening shot, 3 s")
    note.press("Enter")
    expect(page.locator("#tray .pick-note-saved").first).to_be_visible()
    assert page.locator("#tray .pick-note-input").first.bounding_box()["width"] == before
