"""Keyboard only (no mouse at all): filters, paging, the grid, the preview, picking and the
export, with focus kept in sensible places after every swap and a polite announcement of what
changed. Live server on the sandbox; console errors fail a test."""

import json
import re

import pytest
from playwright.sync_api import Page, expect

from assets_browser.models import EditorProfile
from tests.browser.steps import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CARDS = "#asset-grid > .card"
FOCUSED = ":focus"


def card_link(page: Page, index: int):
    return page.locator(CARDS).nth(index).locator(".card-link")


def tab_until(page: Page, selector: str, *, limit: int = 60, backwards: bool = False) -> int:
    """Press Tab (or Shift+Tab) until the focused element matches ``selector``; the presses."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return presses
    raise AssertionError(f"{selector} never took focus in {limit} presses")


def focused_card_index(page: Page) -> int:
    return page.evaluate(
        """() => [...document.querySelectorAll('#asset-grid > .card')]
                 .indexOf(document.activeElement.closest('.card'))"""
    )


def row_length(page: Page) -> int:
    return page.locator(CARDS).evaluate_all(
        "cards => cards.filter(card => card.offsetTop === cards[0].offsetTop).length"
    )


def test_keyboard_filter_and_page(logged_in_page: Page, app_url):
    page = logged_in_page
    page.goto(app_url + "/")
    expect(page.locator(CARDS)).to_have_count(20)

    page.keyboard.press("/")  # the search box, first in the filters
    expect(page.get_by_label("Search names")).to_be_focused()
    page.keyboard.press("Tab")
    images = page.get_by_role("checkbox", name="Images")
    expect(images).to_be_focused()
    page.keyboard.press("Space")
    expect(page).to_have_url(app_url + "/?type=IMAGE")
    expect(page.locator(CARDS + ":not([data-type=IMAGE])")).to_have_count(0)
    expect(images).to_be_focused()  # ticking another filter is one key away
    expect(page.locator("#announcer")).to_have_text(re.compile(r"^Showing 1–20 of \d+$"))

    page.keyboard.press("]")
    expect(page).to_have_url(app_url + "/?type=IMAGE&page=2")
    expect(page.locator(".pager [aria-current=page]")).to_have_text("2")
    expect(page.locator("#results-title")).to_be_focused()  # not the top of the document
    expect(page.locator("#announcer")).to_have_text(re.compile(r"^Showing 21–40 of \d+$"))

    page.keyboard.press("[")
    expect(page).to_have_url(app_url + "/?type=IMAGE")
    expect(page.locator(".pager [aria-current=page]")).to_have_text("1")
    expect(page.locator("#results-title")).to_be_focused()
    expect(page.locator("#announcer")).to_have_text(re.compile(r"^Showing 1–20 of \d+$"))

    page.keyboard.press("[")  # nothing before page 1: said, not done
    expect(page.locator("#announcer")).to_have_text("This is the first page.")
    expect(page).to_have_url(app_url + "/?type=IMAGE")


def test_keyboard_grid_is_one_tab_stop_with_arrow_keys(logged_in_page: Page, app_url):
    page = logged_in_page
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(app_url + "/")
    expect(page.locator(CARDS)).to_have_count(20)
    columns = row_length(page)
    assert columns > 1

    tab_until(page, ".card-link")
    expect(card_link(page, 0)).to_be_focused()
    assert page.locator("#asset-grid .card-link:not([tabindex='-1'])").count() == 1

    page.keyboard.press("ArrowRight")
    expect(card_link(page, 1)).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(card_link(page, 1 + columns)).to_be_focused()
    page.keyboard.press("ArrowLeft")
    expect(card_link(page, columns)).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(card_link(page, 0)).to_be_focused()
    page.keyboard.press("ArrowUp")  # the first row: nowhere to go
    expect(card_link(page, 0)).to_be_focused()
    page.keyboard.press("End")
    expect(card_link(page, 19)).to_be_focused()
    page.keyboard.press("Home")
    expect(card_link(page, 0)).to_be_focused()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(card_link(page, 2)).to_be_focused()
    screenshot(page, "a11y-keyboard-grid-focus")

    # Tab leaves the grid after the card's own Pick button, and Shift+Tab comes back to the
    # same card, not the first.
    page.keyboard.press("Tab")
    expect(page.locator(CARDS).nth(2).locator(".pick-button")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator(FOCUSED)).to_have_count(1)
    assert page.evaluate("!document.activeElement.closest('#asset-grid')")
    expect(page.locator(".pager " + FOCUSED)).to_have_count(1)
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    expect(card_link(page, 2)).to_be_focused()


def test_keyboard_list_layout_moves_one_row_at_a_time(logged_in_page: Page, app_url):
    page = logged_in_page
    page.goto(app_url + "/")
    tab_until(page, "[name=layout][value=list]")
    page.keyboard.press("Enter")
    expect(page.locator("#asset-grid")).to_have_class(re.compile(r"\bgrid--list\b"))
    expect(page.locator("[name=layout][value=list]")).to_be_focused()
    tab_until(page, ".card-link")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(card_link(page, 2)).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(card_link(page, 1)).to_be_focused()


def test_keyboard_preview_opens_with_enter_and_closes_back_to_the_card(
    logged_in_page: Page, app_url
):
    page = logged_in_page
    page.goto(app_url + "/?type=IMAGE")
    tab_until(page, ".card-link")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    title = page.locator(CARDS).nth(2).locator(".card-title").inner_text()
    page.keyboard.press("Enter")
    # A card shortens a long name with an ellipsis; the preview is labelled with all of it.
    dialog = page.get_by_role("dialog", name=re.compile("^" + re.escape(title.rstrip("…"))))
    expect(dialog).to_be_visible()
    page.keyboard.press("p")  # shortcuts sleep while a dialog is open
    expect(page.locator("#tray .tray-pick")).to_have_count(0)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(card_link(page, 2)).to_be_focused()
    assert focused_card_index(page) == 2


def test_keyboard_pick_with_p_and_export(logged_in_page: Page, app_url):
    page = logged_in_page
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(app_url + "/?type=IMAGE&type=VIDEO")
    tab_until(page, ".card-link")
    first = page.locator(CARDS).nth(0)
    page.keyboard.press("p")
    expect(first.locator(".pick-button")).to_have_attribute("aria-pressed", "true")
    expect(card_link(page, 0)).to_be_focused()  # focus stays on the card
    expect(page.locator("#announcer")).to_have_text(
        re.compile(r"^Picked .+\. 1 pick on My picks\.$")
    )

    page.keyboard.press("ArrowRight")
    page.keyboard.press("p")
    second = page.locator(CARDS).nth(1)
    expect(second.locator(".pick-button")).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("p")  # again: off the board
    expect(second.locator(".pick-button")).to_have_attribute("aria-pressed", "false")
    expect(page.locator("#announcer")).to_have_text(re.compile(r"^Took .+ off the board\."))
    page.keyboard.press("Tab")  # the card's toggle: Enter keeps focus on it
    expect(second.locator(".pick-button")).to_be_focused()
    page.keyboard.press("Enter")
    expect(second.locator(".pick-button")).to_have_attribute("aria-pressed", "true")
    expect(second.locator(".pick-button")).to_be_focused()
    expect(page.locator("#tray .tray-pick")).to_have_count(2)

    picked = [first.get_attribute("data-asset-id"), second.get_attribute("data-asset-id")]
    tab_until(page, "#tray .tray-foot a.button--primary")
    page.keyboard.press("Enter")
    export = page.get_by_role("dialog", name="My picks")
    expect(export.locator("#export-json")).to_be_visible()
    shown = json.loads(export.locator("#export-json").inner_text())
    assert [moment["broll"]["assetId"] for moment in shown["moments"]] == picked
    page.keyboard.press("Escape")
    expect(export).to_be_hidden()
    expect(page.locator("#tray .tray-foot a.button--primary")).to_be_focused()


def test_keyboard_shortcuts_help_dialog(logged_in_page: Page, app_url):
    page = logged_in_page
    page.goto(app_url + "/")
    tab_until(page, ".card-link")
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    for keys in ("/", "[", "]", "?", "P", "Enter", "Esc"):
        expect(dialog.locator("kbd", has_text=re.compile(f"^{re.escape(keys)}$"))).to_have_count(1)
    expect(dialog.get_by_role("button", name="Close")).to_be_focused()
    page.keyboard.press("]")  # not while a dialog is open
    expect(page).to_have_url(app_url + "/")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(card_link(page, 0)).to_be_focused()

    page.keyboard.press("?")
    expect(dialog).to_be_visible()
    page.keyboard.press("Enter")  # the Close button
    expect(dialog).to_be_hidden()
    expect(card_link(page, 0)).to_be_focused()


def test_keyboard_shortcuts_never_fire_while_typing_or_with_modifiers(
    logged_in_page: Page, app_url
):
    page = logged_in_page
    page.goto(app_url + "/")
    tab_until(page, "#page-jump")
    page.keyboard.press("]")
    page.keyboard.press("/")
    page.keyboard.press("p")
    expect(page.locator("#page-jump")).to_be_focused()
    expect(page).to_have_url(app_url + "/")

    tab_until(page, ".card-link", backwards=True)
    page.keyboard.press("Control+]")
    page.keyboard.press("Alt+p")
    expect(page).to_have_url(app_url + "/")
    expect(page.locator("#tray .tray-pick")).to_have_count(0)

    tab_until(page, "#board-new-name, .pick-note-input, select", limit=80)
    page.keyboard.press("]")
    expect(page).to_have_url(app_url + "/")


# What a German (or French, Polish...) keyboard sends for "]": AltGr, which Windows reports as
# Ctrl+Alt as well. Playwright cannot hold AltGr, so the event is dispatched as browsers send it.
ALTGR_BRACKET = """() => document.activeElement.dispatchEvent(new KeyboardEvent("keydown", {
  key: "]", code: "Digit9", ctrlKey: true, altKey: true, modifierAltGraph: true,
  bubbles: true, cancelable: true,
}))"""


def test_keyboard_shortcuts_work_with_altgr(logged_in_page: Page, app_url):
    page = logged_in_page
    page.goto(app_url + "/")
    tab_until(page, ".card-link")
    page.evaluate(ALTGR_BRACKET)
    expect(page).to_have_url(app_url + "/?page=2")
    expect(page.locator("#results-title")).to_be_focused()


def test_keyboard_theme_switch_and_skip_link(logged_in_page: Page, app_url):
    page = logged_in_page
    page.emulate_media(color_scheme="light")
    page.goto(app_url + "/")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    tab_until(page, "[name=theme][value=dark]", backwards=True)
    page.keyboard.press("Space")
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    expect(page.locator("[name=theme][value=dark]")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("[name=theme][value=auto]")).to_have_attribute("aria-pressed", "false")
    expect(page.locator("[name=theme][value=dark]")).to_be_focused()


# WCAG 2.2 non-text contrast: a focus ring at least 3:1 against what surrounds it.
FOCUS_CONTRAST = r"""([selector, around]) => {
  const rgb = (css) => css.match(/[\d.]+/g).slice(0, 3).map(Number);
  const lum = ([r, g, b]) => {
    const f = (c) => (c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const ring = getComputedStyle(document.querySelector(selector));
  const a = lum(rgb(ring.outlineColor));
  const b = lum(rgb(getComputedStyle(document.querySelector(around)).backgroundColor));
  return {style: ring.outlineStyle, width: parseFloat(ring.outlineWidth),
          ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)};
}"""


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_keyboard_focus_ring_is_visible_in_both_themes(
    logged_in_page: Page, app_url, editor, theme
):
    EditorProfile.objects.create(user=editor, theme=theme)
    page = logged_in_page
    page.emulate_media(color_scheme="dark" if theme == "light" else "light")  # the choice wins
    page.goto(app_url + "/")
    tab_until(page, ".card-link")
    card = page.evaluate(FOCUS_CONTRAST, ["#asset-grid > .card:first-child", "html"])
    tab_until(page, "[data-shortcut=next]")
    pager = page.evaluate(FOCUS_CONTRAST, ["[data-shortcut=next]", "html"])
    tab_until(page, "#tray .tray-menu > summary")
    tray = page.evaluate(FOCUS_CONTRAST, ["#tray .tray-menu > summary", "#tray"])
    for ring in (card, pager, tray):
        assert ring["style"] == "solid"
        assert ring["width"] >= 2
        assert ring["ratio"] >= 3
