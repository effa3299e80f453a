"""The browse page in a real browser: filters swap the grid in place, the URL follows."""

import dataclasses
import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.steps import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CARDS = "#results .card"


def mark_document(page: Page) -> None:
    """A marker that a full page load would wipe: proves a change happened in place."""
    page.evaluate("window.__sameDocument = true")


def still_same_document(page: Page) -> bool:
    return page.evaluate("window.__sameDocument === true")


def test_login_form_leads_to_the_grid(page: Page, app_url, editor, console_errors):
    page.goto(app_url + "/?type=VIDEO")
    expect(page).to_have_url(re.compile(r"/login/\?next="))
    page.get_by_label("Username").fill("maya")
    page.get_by_label("Password").fill("cut-to-black-42")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(app_url + "/?type=VIDEO")
    expect(page.locator(CARDS)).to_have_count(20)
    screenshot(page, "browse-desktop")


def test_type_checkbox_swaps_results_in_place_and_updates_url(logged_in_page: Page, app_url):
    page = logged_in_page
    page.goto(app_url + "/")
    expect(page.locator(CARDS)).to_have_count(20)
    mark_document(page)
    page.get_by_role("checkbox", name="Audio").check()
    expect(page).to_have_url(app_url + "/?type=AUDIO")
    expect(page.locator(CARDS + "[data-type=AUDIO]")).to_have_count(20)
    expect(page.locator(CARDS + ":not([data-type=AUDIO])")).to_have_count(0)
    assert still_same_document(page)
    expect(page.locator("#results")).to_have_attribute("aria-busy", "false")


def test_status_select_shows_processing_assets(logged_in_page: Page, app_url):
    page = logged_in_page
    page.goto(app_url + "/")
    mark_document(page)
    page.get_by_label("Status").select_option("PROCESSING")
    expect(page).to_have_url(app_url + "/?status=PROCESSING")
    expect(page.get_by_role("heading", name="Processing assets", level=1)).to_be_visible()
    expect(page.locator(CARDS + " .badge--processing").first).to_be_visible()
    expect(page.locator(CARDS + ".card--ready")).to_have_count(0)
    assert still_same_document(page)


def test_paging_and_back_button_restore_full_pages(logged_in_page: Page, app_url):
    page = logged_in_page
    page.goto(app_url + "/?type=VIDEO")
    first_on_page_1 = page.locator(CARDS).first.get_attribute("data-asset-id")
    page.get_by_role("link", name="Next page").click()
    expect(page).to_have_url(app_url + "/?type=VIDEO&page=2")
    expect(page.locator(".pager [aria-current=page]")).to_have_text("2")
    expect(page.locator(CARDS).first).not_to_have_attribute("data-asset-id", first_on_page_1)

    page.go_back()
    expect(page).to_have_url(app_url + "/?type=VIDEO")
    expect(page.locator(".pager [aria-current=page]")).to_have_text("1")
    expect(page.locator("#filters")).to_be_visible()  # the whole layout, not a bare fragment
    expect(page.get_by_role("checkbox", name="Videos")).to_be_checked()
    expect(page.locator(CARDS).first).to_have_attribute("data-asset-id", first_on_page_1)

    page.go_forward()
    expect(page.locator(".pager [aria-current=page]")).to_have_text("2")
    expect(page.locator("#filters")).to_be_visible()
    page.reload()
    expect(page.locator("#filters")).to_be_visible()
    expect(page.locator(".pager [aria-current=page]")).to_have_text("2")


def test_page_jump_and_page_past_the_end(logged_in_page: Page, app_url):
    page = logged_in_page
    page.goto(app_url + "/")
    page.get_by_label("Go to page").fill("3")
    page.get_by_role("button", name="Go", exact=True).click()
    expect(page.locator(".pager [aria-current=page]")).to_have_text("3")
    page.goto(app_url + "/?page=999")
    expect(page.get_by_role("heading", name="There is no page 999")).to_be_visible()
    page.get_by_role("link", name=re.compile("Go to the last page")).click()
    expect(page.locator(CARDS).first).to_be_visible()


def test_upstream_failure_shows_error_then_retry_recovers(logged_in_page: Page, app_url, sandbox):
    page = logged_in_page
    page.goto(app_url + "/")
    healthy = sandbox.app.config
    sandbox.app.config = dataclasses.replace(healthy, error_rate=1.0)
    try:
        page.get_by_role("checkbox", name="Images").check()
        alert = page.locator("#results [role=alert]")
        expect(alert).to_contain_text("Argil is unreachable right now")
        expect(page.locator("#filters")).to_be_visible()
        # Nothing the editor did is lost.
        expect(page.get_by_role("checkbox", name="Images")).to_be_checked()
        screenshot(page, "browse-upstream-error")
    finally:
        sandbox.app.config = healthy
    page.get_by_role("link", name="Try again").click()
    expect(page.locator(CARDS + "[data-type=IMAGE]").first).to_be_visible()
    expect(alert).to_have_count(0)


def test_expired_session_sends_htmx_request_to_login(logged_in_page: Page, app_url):
    page = logged_in_page
    page.goto(app_url + "/")
    page.context.clear_cookies()
    # click, not check: the page navigates away before check() could confirm the tick.
    page.get_by_role("checkbox", name="Videos").click()
    expect(page).to_have_url(re.compile(r"/login/\?next=/"))
    expect(page.locator("#results")).to_have_count(0)  # the login page, not a swapped grid


def test_filters_work_without_javascript(browser, app_url, client, editor):
    client.force_login(editor)
    context = browser.new_context(java_script_enabled=False)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": app_url}]
    )
    page = context.new_page()
    page.goto(app_url + "/")
    page.get_by_role("checkbox", name="Images").check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"[?&]type=IMAGE"))  # after the (empty) search box
    expect(page.locator(CARDS + "[data-type=IMAGE]")).to_have_count(20)
    page.get_by_role("link", name="Next page").click()
    expect(page).to_have_url(re.compile(r"page=2"))
    context.close()


@pytest.mark.parametrize(("width", "scheme"), [(360, "dark"), (768, "light"), (1440, "dark")])
def test_browse_fits_the_screen(logged_in_page: Page, app_url, width, scheme):
    page = logged_in_page
    page.set_viewport_size({"width": width, "height": 900})
    page.emulate_media(color_scheme=scheme)
    page.goto(app_url + "/")
    expect(page.locator(CARDS)).to_have_count(20)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    screenshot(page, f"browse-{width}-{scheme}")
