"""Search as you type in a real browser: results swap in place, the URL follows, Back restores
the previous search, counts follow the search."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.steps import screenshot
from tests.catalogue_data import row, synced

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CARDS = "#results .card"


@pytest.fixture
def catalogue():
    rows = [
        row("Harbour drone — dusk", age_days=1),
        row("Drone over the harbour", age_days=2),
        row("Harbour cranes at dawn", "IMAGE", age_days=3),
        row("Café à São Paulo — 夜景", "IMAGE", age_days=4),
        row("Lo-fi study beat (loop)", "AUDIO", age_days=5),
        row("Forest in autumn", age_days=6),
    ]
    for r in rows:  # no network here: cards show their placeholder instead of a thumbnail
        r.file_url = r.thumbnail_url = ""
    synced(*rows)


def test_typing_searches_in_place_and_back_restores_the_previous_search(
    logged_in_page: Page, app_url, catalogue
):
    page = logged_in_page
    page.goto(app_url + "/?sort=newest")
    expect(page.locator(CARDS)).to_have_count(6)
    page.evaluate("window.__sameDocument = true")
    search = page.get_by_label("Search names")

    search.press_sequentially("harb", delay=40)
    expect(page).to_have_url(app_url + "/?q=harb&sort=newest")
    expect(page.locator(CARDS)).to_have_count(3)
    expect(page.locator(CARDS + " mark").first).to_have_text("Harb")
    expect(page.locator("#type-count-IMAGE")).to_have_text("1")  # swapped out of band
    expect(page.locator("[data-catalogue-note]")).to_contain_text("From the catalogue")

    search.press_sequentially("our dr", delay=40)
    expect(page).to_have_url(app_url + "/?q=harbour+dr&sort=newest")
    expect(page.locator(CARDS)).to_have_count(2)
    expect(page.locator("#type-count-IMAGE")).to_have_text("0")
    expect(search).to_be_focused()  # typing was never interrupted
    assert page.evaluate("window.__sameDocument === true")
    screenshot(page, "search-as-you-type")

    page.go_back()
    expect(page).to_have_url(app_url + "/?q=harb&sort=newest")
    expect(page.locator(CARDS)).to_have_count(3)
    expect(page.get_by_label("Search names")).to_have_value("harb")

    page.go_back()
    expect(page).to_have_url(app_url + "/?sort=newest")
    expect(page.locator(CARDS)).to_have_count(6)
    expect(page.get_by_label("Search names")).to_have_value("")


def test_accents_and_enter_without_waiting(logged_in_page: Page, app_url, catalogue):
    page = logged_in_page
    page.goto(app_url + "/?sort=name")
    search = page.get_by_label("Search names")
    search.fill("cafe sao")
    search.press("Enter")
    expect(page).to_have_url(app_url + "/?q=cafe+sao&sort=name")
    expect(page.locator(CARDS)).to_have_count(1)
    expect(page.locator(CARDS + " mark")).to_have_text(["Café", "São"])


def test_sort_select_reorders_from_the_catalogue(logged_in_page: Page, app_url, catalogue):
    page = logged_in_page
    page.goto(app_url + "/?q=harbour")
    expect(page.locator(CARDS)).to_have_count(3)
    page.get_by_label("Sort").select_option("oldest")
    expect(page).to_have_url(app_url + "/?q=harbour&sort=oldest")
    expect(page.locator(CARDS + " .card-title")).to_have_text(
        ["Harbour cranes at dawn", "Drone over the harbour", "Harbour drone — dusk"]
    )
