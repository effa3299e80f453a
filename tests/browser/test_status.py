"""Live status through htmx polling: a processing card turns ready in place, then polling stops.

The programmable fake answers for Argil, so each poll's answer is known; Playwright's clock
runs the poller's delays (htmx's `load delay:Ns` is a timer), so nothing waits in real time.
"""

from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect

CLIP_ID = "5b0c6f0e-2f64-4c1e-9a57-0f7a4c1f1a01"


def upload(status: str) -> dict:
    return {
        "id": CLIP_ID,
        "name": "Harbour at dawn, drone",
        "type": "VIDEO",
        "status": status,
        "fileUrl": None,  # no media to load: the fake serves JSON only
        "thumbnailUrl": None,
        "createdAt": "2026-10-30T09:15:00Z",
    }


def enqueue_list(fake_api, *items: dict) -> None:
    totals = {"X-Total-Count": str(len(items)), "X-Page": "1", "X-Page-Size": "20"}
    fake_api.enqueue(200, list(items), headers=totals)


@pytest.fixture
def status_page(logged_in_page: Page, live_server, settings, fake_api):
    settings.ARGIL_API_BASE_URL = fake_api.url  # after the sandbox the page fixture chose
    settings.ARGIL_API_TIMEOUT = 2
    # The page's clock is fake, the server's is not: polls seconds apart arrive milliseconds
    # apart, so the server must not reuse one poll's PROCESSING list for the next.
    settings.ARGIL_CACHE_TTL = 0
    page = logged_in_page
    page.clock.install(time=datetime.now(UTC))
    return page


def test_processing_card_turns_ready_in_place_and_polling_stops(status_page, live_server, fake_api):
    page = status_page
    polls = []
    page.on("request", lambda r: polls.append(r.url) if "/assets/status/" in r.url else None)
    enqueue_list(fake_api, upload("PROCESSING"))  # the browse page
    enqueue_list(fake_api, upload("PROCESSING"))  # poll 1: still processing
    enqueue_list(fake_api)  # poll 2: no longer in the PROCESSING list...
    fake_api.enqueue(200, upload("READY"))  # ...because it is READY
    page.goto(live_server.url + "/")
    card = page.locator(f"#asset-{CLIP_ID}")
    poller = page.locator("#status-poll")
    expect(card).to_have_attribute("data-status", "PROCESSING")
    expect(poller).to_have_attribute("hx-trigger", "load delay:2s")
    card.locator(".card-link").focus()

    with page.expect_response(lambda r: "/assets/status/" in r.url) as first:
        page.clock.run_for(2_000)
    assert first.value.status == 200
    assert f"id={CLIP_ID}" in first.value.url  # the ids come from the page's cards
    expect(poller).to_have_attribute("hx-trigger", "load delay:3s")  # re-rendered: next delay
    expect(card).to_have_attribute("data-status", "PROCESSING")

    with page.expect_response(lambda r: "/assets/status/" in r.url) as second:
        page.clock.run_for(3_000)
    assert second.value.status == 286  # htmx: stop polling
    expect(card).to_have_attribute("data-status", "READY")  # swapped in place, out of band
    expect(card.locator(".card-link")).to_be_focused()  # a keyboard user keeps their place
    page.clock.run_for(100)  # the live region is filled a moment later (announce.js)
    expect(page.locator("#announcer")).to_have_text("Harbour at dawn, drone is ready.")
    expect(poller).not_to_have_attribute("hx-get", "/assets/status/")
    expect(poller).to_have_count(1)  # idle, where an upload can restart it

    # Twenty minutes of timers later: no poll went out. A request made afterwards is the fence:
    # the browser reports requests in the order it sends them.
    page.clock.run_for(20 * 60 * 1_000)
    assert page.evaluate("fetch('/healthz').then(r => r.status)") == 200
    assert len(polls) == 2
    assert [r.query.get("status") for r in fake_api.requests] == [
        ["READY"],
        ["PROCESSING"],
        ["PROCESSING"],
        None,
    ]


HIDE = "Object.defineProperty(document, 'hidden', {configurable: true, get: () => %s})"


def test_a_hidden_tab_polls_once_it_is_seen_again(status_page, live_server, fake_api):
    page = status_page
    polls = []
    page.on("request", lambda r: polls.append(r.url) if "/assets/status/" in r.url else None)
    enqueue_list(fake_api, upload("PROCESSING"))  # the browse page
    page.goto(live_server.url + "/")
    card = page.locator(f"#asset-{CLIP_ID}")
    expect(page.locator("#status-poll")).to_have_attribute("hx-trigger", "load delay:2s")
    page.evaluate(HIDE % "true")
    page.clock.run_for(60_000)  # the poll's turn comes and goes while hidden
    assert page.evaluate("fetch('/healthz').then(r => r.status)") == 200  # the fence
    assert polls == []

    enqueue_list(fake_api)  # seen again: one poll, and the upload is READY
    fake_api.enqueue(200, upload("READY"))
    page.evaluate(HIDE % "false")
    with page.expect_response(lambda r: "/assets/status/" in r.url) as answer:
        page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    assert answer.value.status == 286
    expect(card).to_have_attribute("data-status", "READY")
    assert len(polls) == 1
