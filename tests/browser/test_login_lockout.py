"""The log-in lockout in a real browser: five wrong passwords, then a page that says what to do."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.browser.steps import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WRONG = "cut-to-white-42"  # the editor fixture's password is cut-to-black-42
PAUSED = "Log-in paused for 15 minutes"


def log_in(page: Page, password: str) -> None:
    page.get_by_label("Username").fill("maya")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def lock_out(page: Page, app_url: str) -> None:
    page.goto(app_url + "/login/")
    for _ in range(4):
        log_in(page, WRONG)
        # The answer is a new page whose password field is empty again: wait for it, or the next
        # attempt types into the page being replaced.
        expect(page.get_by_label("Password")).to_have_value("")
        expect(page.get_by_role("alert")).to_contain_text("did not match")
    log_in(page, WRONG)
    expect(page.get_by_role("heading", name=PAUSED)).to_be_visible()


def test_lockout_after_five_wrong_passwords_refuses_the_right_one(
    page: Page, app_url, editor, console_errors
):
    lock_out(page, app_url)
    expect(page.get_by_role("alert")).to_contain_text("5 wrong passwords for maya")
    page.get_by_role("link", name="Back to log in").click()
    log_in(page, "cut-to-black-42")
    expect(page.get_by_role("heading", name=PAUSED)).to_be_visible()
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


@pytest.mark.parametrize(
    ("width", "scheme"), [(390, "light"), (390, "dark"), (1440, "light"), (1440, "dark")]
)
def test_lockout_page_fits_the_screen(page: Page, app_url, editor, console_errors, width, scheme):
    page.set_viewport_size({"width": width, "height": 860})
    page.emulate_media(color_scheme=scheme)
    lock_out(page, app_url)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    screenshot(page, f"lockout-{width}-{scheme}")
