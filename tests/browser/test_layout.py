"""Phones to wide screens, light and dark: nothing overflows sideways in the grid, the list, with
the tray open or the preview open; and the editor's layout, size and theme stick. Screenshots
go to test-results/ (look at them)."""

import re

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from assets_browser.models import EditorProfile
from tests.browser.conftest import screenshot

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
