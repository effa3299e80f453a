"""Orientation and duration filters in a real browser: results swap in place from the catalogue,
the URL follows, a preset fills the boxes, typed seconds apply, Back restores."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.steps import screenshot
from tests.catalogue_data import measured, row, synced

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CARDS = "#results .card"


@pytest.fixture
def catalogue():
    rows = [
        measured("Vertical crosswalk, Shibuya", seconds=4, size=(1080, 1920), age_days=1),
        measured("Vertical skateboard ollie", seconds=7, size=(1080, 1920), age_days=2),
        measured("Vertical rain on glass", seconds=22, size=(1080, 1920), age_days=3),
        measured("Latte art from above", seconds=12, size=(1080, 1080), age_days=4),
        measured("Harbour cranes, wide", seconds=40, size=(1920, 1080), age_days=5),
        row("Fresh upload, not measured", age_days=0.5),
    ]
    for r in rows:  # no network here: cards show their placeholder instead of a thumbnail
        r.file_url = r.thumbnail_url = r.probed_url = ""
        if r.duration_seconds:
            r.file_url = r.probed_url = f"https://cdn.example.com/{r.id}.webm"
    synced(*rows)


def test_orientation_then_a_duration_preset_then_typed_seconds(
    logged_in_page: Page, app_url, catalogue
):
    page = logged_in_page
    page.goto(app_url + "/?sort=duration")
    expect(page.locator(CARDS)).to_have_count(6)
    expect(page.locator(CARDS).last).to_contain_text("Not measured yet")  # last, and marked
    page.evaluate("window.__sameDocument = true")

    page.get_by_label("Portrait").check()
    expect(page).to_have_url(app_url + "/?orientation=portrait&sort=duration")
    expect(page.locator(CARDS)).to_have_count(3)
    expect(page.locator(CARDS + " .card-facts")).to_have_text(
        ["0:04 · 9:16", "0:07 · 9:16", "0:22 · 9:16"]
    )
    expect(page.locator("[data-unmeasured]")).to_contain_text("1 asset not measured yet")

    page.get_by_role("link", name="5–15 s").click()
    expect(page).to_have_url(
        app_url + "/?orientation=portrait&minDuration=5&maxDuration=15&sort=duration"
    )
    expect(page.locator(CARDS)).to_have_count(1)
    expect(page.locator(CARDS)).to_contain_text("Vertical skateboard ollie")
    expect(page.get_by_label("From")).to_have_value("5")  # the boxes follow the preset
    expect(page.get_by_label("to", exact=True)).to_have_value("15")
    screenshot(page, "media-filters")

    page.get_by_label("to", exact=True).fill("30")
    page.get_by_label("to", exact=True).press("Enter")
    expect(page).to_have_url(
        app_url + "/?orientation=portrait&minDuration=5&maxDuration=30&sort=duration"
    )
    expect(page.locator(CARDS + " .card-title")).to_have_text(
        ["Vertical skateboard ollie", "Vertical rain on glass"]
    )
    assert page.evaluate("window.__sameDocument === true")  # all of it swapped in place

    page.go_back()
    expect(page).to_have_url(
        app_url + "/?orientation=portrait&minDuration=5&maxDuration=15&sort=duration"
    )
    expect(page.locator(CARDS)).to_have_count(1)
