"""Speed in a real browser: the next page is preloaded and the click reuses it, thumbnails never
shift the layout, and a stale copy says so when Argil stops answering."""

import dataclasses

import pytest
from playwright.sync_api import Page, expect

from assets_browser import services
from tests.browser.steps import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CARDS = "#results .card"
STALE = "#results .alert--stale"


def is_preload(response) -> bool:
    return response.request.headers.get("hx-preloaded") == "true"


def test_hovering_next_page_preloads_it_and_the_click_reuses_it(logged_in_page: Page, app_url):
    page = logged_in_page
    page.goto(app_url + "/?type=VIDEO")
    expect(page.locator(CARDS)).to_have_count(20)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    from_cache: list[str] = []
    cdp.on("Network.responseReceived", lambda e: from_cache.append(e["response"]["url"])
           if e["response"].get("fromDiskCache") else None)  # fmt: skip
    cdp.on("Network.requestServedFromCache", lambda e: from_cache.append(e["requestId"]))

    next_link = page.get_by_role("link", name="Next page")
    with page.expect_response(is_preload) as preload:
        next_link.hover()
    assert "page=2" in preload.value.url
    assert preload.value.headers["cache-control"] == "private, max-age=10"
    expect(page.locator("#results")).to_have_attribute("aria-busy", "false")  # nothing swapped

    next_link.click()
    expect(page).to_have_url(app_url + "/?type=VIDEO&page=2")
    expect(page.locator(".pager [aria-current=page]")).to_have_text("2")
    assert from_cache  # the click was answered by the browser's cache, not the server


def test_keyboard_focus_on_next_page_preloads_it(logged_in_page: Page, app_url):
    page = logged_in_page
    page.goto(app_url + "/?type=IMAGE")
    expect(page.locator(CARDS)).to_have_count(20)
    with page.expect_response(is_preload) as preload:
        page.get_by_role("link", name="Next page").focus()
    assert "page=2" in preload.value.url
    page.keyboard.press("Enter")
    expect(page.locator(".pager [aria-current=page]")).to_have_text("2")


# Layout shifts so far (the browser buffers them), each as [score, what moved]. The timeout only
# ends the wait when there are none: an observer is never called without entries.
LAYOUT_SHIFTS = """() => new Promise(resolve => {
    const shifts = [];
    new PerformanceObserver(list => {
        for (const entry of list.getEntries()) {
            if (entry.hadRecentInput) continue;
            const moved = entry.sources.map(s => s.node && s.node.nodeType === 1
                ? `${s.node.tagName.toLowerCase()}.${s.node.className}` : "text");
            shifts.push([entry.value, moved.join(", ")]);
        }
        resolve(shifts);
    }).observe({type: "layout-shift", buffered: true});
    setTimeout(() => resolve(shifts), 500);
})"""


def test_thumbnails_do_not_shift_the_layout(logged_in_page: Page, app_url):
    page = logged_in_page
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(app_url + "/?type=IMAGE&pageSize=50")
    page.wait_for_function(
        "[...document.querySelectorAll('#results img:not([loading=lazy])')]"
        ".every(img => img.complete && img.naturalWidth > 0)"
    )
    shifts = page.evaluate(LAYOUT_SHIFTS)
    assert sum(value for value, _ in shifts) < 0.01, shifts


@pytest.mark.parametrize(("width", "scheme"), [(1440, "light"), (390, "dark")])
def test_stale_copy_says_so_when_argil_stops_answering(
    logged_in_page: Page, app_url, sandbox, width, scheme
):
    page = logged_in_page
    page.set_viewport_size({"width": width, "height": 900})
    page.emulate_media(color_scheme=scheme)
    page.goto(app_url + "/?type=VIDEO")
    expect(page.locator(CARDS)).to_have_count(20)
    expect(page.locator(STALE)).to_have_count(0)
    healthy = sandbox.app.config
    services.invalidate_asset_lists()  # as after an upload: the copy is no longer fresh
    sandbox.app.config = dataclasses.replace(healthy, error_rate=1.0)
    try:
        page.reload()
        expect(page.locator(STALE)).to_contain_text(
            "less than a minute ago — Argil is not answering right now."
        )
        expect(page.locator(CARDS)).to_have_count(20)
        screenshot(page, f"speed-stale-{width}-{scheme}")
    finally:
        sandbox.app.config = healthy
