"""axe-core on every state an editor sees, in light and dark: no serious or critical violation.

axe runs last in each test: like Playwright's caret hiding, it may leave style="" attributes
behind that htmx would copy on its next swap (a CSP console error of the test's own making).
"""

import dataclasses

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from assets_browser.models import EditorProfile

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCHEMES = ["light", "dark"]
CARDS = "#asset-grid > .card"
PICKABLE = "#asset-grid > .card:has(.pick-form)"
SERIOUS = {"serious", "critical"}


def assert_accessible(page: Page, *, any_impact: bool = False) -> None:
    results = Axe().run(page)
    found = [
        v["id"] for v in results.response["violations"] if any_impact or v["impact"] in SERIOUS
    ]
    assert found == [], results.generate_report()


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("layout", ["grid", "list"])
def test_axe_browse_page(logged_in_page: Page, app_url, editor, scheme, layout):
    EditorProfile.objects.create(user=editor, layout=layout)
    page = logged_in_page
    page.emulate_media(color_scheme=scheme)
    # Every status: the processing and failed badges and the blocked Pick toggles too.
    page.goto(app_url + "/?status=PROCESSING")
    expect(page.locator(CARDS).first).to_be_visible()
    page.goto(app_url + "/")
    expect(page.locator(CARDS)).to_have_count(20)
    assert_accessible(page)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_axe_browse_processing_and_failed(logged_in_page: Page, app_url, scheme):
    page = logged_in_page
    page.emulate_media(color_scheme=scheme)
    page.goto(app_url + "/?status=FAILED")
    expect(page.locator(CARDS + " .badge--failed").first).to_be_visible()
    page.goto(app_url + "/?status=PROCESSING")
    expect(page.locator(CARDS + " .badge--processing").first).to_be_visible()
    assert_accessible(page)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_axe_preview_dialog(logged_in_page: Page, app_url, scheme):
    page = logged_in_page
    page.emulate_media(color_scheme=scheme)
    page.goto(app_url + "/?type=VIDEO")
    page.locator(CARDS).first.locator(".card-link").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("video")).to_be_visible()
    assert_accessible(page)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_axe_board_tray_with_picks(logged_in_page: Page, app_url, scheme):
    page = logged_in_page
    page.emulate_media(color_scheme=scheme)
    page.goto(app_url + "/?type=IMAGE&type=VIDEO")
    for index in range(3):
        button = page.locator(PICKABLE).nth(index).locator(".pick-button")
        button.click()
        expect(button).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#tray .tray-pick")).to_have_count(3)
    page.locator("#tray .pick-note-input").first.fill("Open on this, under the title card")
    page.locator("#tray .pick-note-input").first.press("Enter")
    expect(page.locator("#tray .pick-note-saved")).to_be_visible()
    assert_accessible(page)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_axe_board_pages(logged_in_page: Page, app_url, scheme):
    page = logged_in_page
    page.emulate_media(color_scheme=scheme)
    page.goto(app_url + "/?type=IMAGE")
    button = page.locator(PICKABLE).first.locator(".pick-button")
    button.click()
    expect(button).to_have_attribute("aria-pressed", "true")
    page.goto(app_url + "/boards/")
    expect(page.get_by_role("heading", name="Your boards")).to_be_visible()
    assert_accessible(page, any_impact=True)
    page.get_by_role("link", name="My picks").click()
    expect(page.locator("#tray .tray-pick")).to_have_count(1)
    assert_accessible(page, any_impact=True)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_axe_shortcuts_dialog(logged_in_page: Page, app_url, scheme):
    page = logged_in_page
    page.emulate_media(color_scheme=scheme)
    page.goto(app_url + "/")
    expect(page.locator(CARDS)).to_have_count(20)
    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    assert_accessible(page)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_axe_login_page(page: Page, app_url, console_errors, scheme):
    page.emulate_media(color_scheme=scheme)
    page.goto(app_url + "/login/")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    assert_accessible(page)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_axe_upstream_error_state(logged_in_page: Page, app_url, sandbox, scheme):
    page = logged_in_page
    page.emulate_media(color_scheme=scheme)
    healthy = sandbox.app.config
    sandbox.app.config = dataclasses.replace(healthy, error_rate=1.0)
    try:
        page.goto(app_url + "/?type=AUDIO")
        expect(page.locator("#results [role=alert]")).to_contain_text("Argil is unreachable")
        assert_accessible(page)
    finally:
        sandbox.app.config = healthy
