"""Preview dialog, hover preview, live status and add-by-URL in a real browser, on the sandbox."""

import re
import time
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from argil_sandbox.library import AssetType
from tests.browser.steps import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CARDS = "#asset-grid > .card"
DIALOG = "#preview"


def card_title(page: Page, index: int) -> str:
    return page.locator(CARDS).nth(index).locator(".card-title").inner_text()


def test_preview_opens_on_click_and_plays_the_video(logged_in_page: Page, app_url):
    page = logged_in_page
    page.goto(app_url + "/?type=VIDEO")
    first = page.locator(CARDS).first
    title = card_title(page, 0)
    # A click on the thumbnail lands on the title link stretched over the card (hence force:
    # Playwright sees the link's overlay, which is the point).
    first.locator(".thumb").click(force=True)
    dialog = page.locator(DIALOG)
    expect(dialog).to_be_visible()
    expect(page.get_by_role("dialog", name=title)).to_be_visible()
    expect(dialog.locator("#preview-title")).to_have_text(title)
    video = dialog.locator("video.preview-video")
    expect(video).to_have_attribute("preload", "metadata")
    expect(video).to_have_attribute("poster", re.compile(r"^http://127\.0\.0\.1:\d+/media/"))
    expect(dialog.get_by_role("link", name="Open file in a new tab")).to_have_attribute(
        "target", "_blank"
    )
    video.click()  # the native controls: a click plays
    page.wait_for_function("() => document.querySelector('#preview video').currentTime > 0")
    screenshot(page, "preview-video-desktop")


def test_preview_opens_with_enter_on_a_focused_card(logged_in_page: Page, app_url):
    page = logged_in_page
    page.goto(app_url + "/?type=IMAGE")
    link = page.locator(CARDS).nth(1).locator(".card-link")
    link.focus()
    page.keyboard.press("Enter")
    dialog = page.locator(DIALOG)
    expect(dialog).to_be_visible()
    expect(dialog.locator("img.preview-image")).to_be_visible()
    expect(dialog.locator("#preview-title")).to_have_text(card_title(page, 1))
    expect(dialog.get_by_role("button", name="Close")).to_be_focused()


def test_preview_arrows_step_through_the_grid_and_escape_returns_focus(
    logged_in_page: Page, app_url
):
    page = logged_in_page
    page.goto(app_url + "/")
    titles = [card_title(page, n) for n in range(3)]
    page.locator(CARDS).first.locator(".card-link").click()
    title = page.locator(f"{DIALOG} #preview-title")
    expect(title).to_have_text(titles[0])
    expect(page.get_by_role("button", name="Previous asset")).to_be_disabled()

    page.keyboard.press("ArrowRight")
    expect(title).to_have_text(titles[1])
    page.keyboard.press("ArrowRight")
    expect(title).to_have_text(titles[2])
    page.keyboard.press("ArrowLeft")
    expect(title).to_have_text(titles[1])
    expect(page).to_have_url(app_url + "/")  # the pager's ←/→ never saw those keys

    page.keyboard.press("Escape")
    expect(page.locator(DIALOG)).to_be_hidden()
    expect(page.locator(CARDS).nth(1).locator(".card-link")).to_be_focused()
    expect(page.locator("#preview-body")).to_be_empty()  # nothing keeps playing


def test_preview_close_button_and_copy_id(logged_in_page: Page, app_url):
    page = logged_in_page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=app_url)
    page.goto(app_url + "/?type=AUDIO")
    card = page.locator(CARDS).first
    asset_id = card.get_attribute("data-asset-id")
    card.locator(".card-link").click()
    dialog = page.locator(DIALOG)
    expect(dialog.locator("audio[controls]")).to_be_visible()
    dialog.get_by_role("button", name="Copy ID").click()
    expect(dialog.locator(".copy-status")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == asset_id
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()
    expect(card.locator(".card-link")).to_be_focused()


def test_preview_deep_link_is_a_full_page(logged_in_page: Page, app_url):
    page = logged_in_page
    page.goto(app_url + "/?type=VIDEO")
    href = page.locator(CARDS).first.locator(".card-link").get_attribute("href")
    page.goto(app_url + href)
    expect(page.locator("video.preview-video")).to_be_visible()
    page.get_by_role("link", name="Back to the library").click()
    expect(page.locator(CARDS).first).to_be_visible()


def test_preview_of_a_vanished_asset_is_a_404_in_the_dialog(logged_in_page: Page, app_url, sandbox):
    page = logged_in_page
    upload = sandbox.app.library.create(
        name="Street market, Hanoi",
        asset_type=AssetType.VIDEO,
        url="https://cdn.example.com/hanoi.webm",
        now=time.monotonic(),
        processing_seconds=3600,
    )
    page.goto(app_url + "/?status=PROCESSING")
    card = page.locator(f"#asset-{upload.id}")
    expect(card).to_be_visible()
    sandbox.app.library.delete(upload.id)  # deleted upstream after the grid was drawn
    card.locator(".card-link").click()
    expect(page.get_by_role("dialog", name="Asset not found")).to_be_visible()
    expect(page.locator(DIALOG).get_by_role("alert")).to_contain_text("does not exist")


def test_hover_plays_a_muted_clip_after_a_moment(logged_in_page: Page, app_url):
    page = logged_in_page
    start = datetime.now(UTC)
    page.clock.install(time=start)
    page.goto(app_url + "/?type=VIDEO")
    page.clock.pause_at(start + timedelta(seconds=30))  # time stands still but for run_for
    thumb = page.locator(CARDS).first.locator(".thumb")
    clip = thumb.locator("video.hover-preview")
    thumb.hover(force=True)  # the pointer is over the card link's overlay, as a user's would be
    page.clock.run_for(300)
    expect(clip).to_have_count(0)  # not yet: a pointer passing by loads nothing
    page.clock.run_for(200)
    expect(clip).to_have_count(1)
    assert clip.evaluate("v => v.muted && v.loop && !v.controls")
    expect(clip).to_have_attribute("src", re.compile(r"^http://127\.0\.0\.1:\d+/media/clip-"))
    expect(clip).to_have_class(re.compile("is-playing"))
    page.locator("#filters").hover()
    expect(clip).to_have_count(0)


def test_hover_plays_nothing_when_motion_is_reduced(logged_in_page: Page, app_url):
    page = logged_in_page
    page.emulate_media(reduced_motion="reduce")
    start = datetime.now(UTC)
    page.clock.install(time=start)
    page.goto(app_url + "/?type=VIDEO")
    page.clock.pause_at(start + timedelta(seconds=30))
    thumb = page.locator(CARDS).first.locator(".thumb")
    thumb.hover(force=True)
    page.clock.run_for(2000)
    expect(thumb.locator("video")).to_have_count(0)
    expect(page.locator(CARDS + "[data-preview-src]")).to_have_count(20)  # clips exist


def test_add_by_url_outside_the_filters_says_where_it_is(logged_in_page: Page, app_url):
    page = logged_in_page
    page.goto(app_url + "/?type=IMAGE")  # ready images: a processing video is not one
    first = page.locator(CARDS).first.get_attribute("id")
    summary = page.locator("[data-summary]").text_content()
    page.get_by_text("Add B-roll by URL").click()
    form = page.locator("#add-broll")
    form.get_by_label("Name").fill("Harbour at dawn, drone")
    form.get_by_label("Video").check()
    form.get_by_label("File link").fill("https://cdn.example.com/harbour-dawn.webm")
    form.get_by_role("button", name="Add B-roll").click()
    status = form.get_by_role("status")
    expect(status).to_contain_text("not among ready images")
    assert page.locator(CARDS).first.get_attribute("id") == first  # the grid is as it was
    assert page.locator("[data-summary]").text_content() == summary
    status.get_by_role("link", name="processing videos").click()
    expect(page).to_have_url(app_url + "/?type=VIDEO&status=PROCESSING")
    expect(page.locator(CARDS).first.locator(".card-title")).to_have_text("Harbour at dawn, drone")


def test_add_by_url_then_the_cards_turn_ready_and_failed(logged_in_page: Page, app_url):
    page = logged_in_page
    status_polls = []
    page.on("request", lambda r: status_polls.append(r.url) if "/assets/status/" in r.url else 0)
    page.goto(app_url + "/?status=PROCESSING")  # a new upload passes these filters
    summary = page.locator("[data-summary]")
    total = int(summary.get_attribute("data-total"))
    end = int(summary.get_attribute("data-end"))
    page.get_by_text("Add B-roll by URL").click()
    form = page.locator("#add-broll")

    form.get_by_label("Name").fill("Harbour at dawn, drone")
    form.get_by_label("File link").fill("https://cdn.example.com/harbour-dawn.webm")
    form.get_by_role("button", name="Add B-roll").click()
    expect(form.get_by_role("status")).to_contain_text("Added “Harbour at dawn, drone”")
    expect(form.get_by_label("Name")).to_have_value("")  # ready for the next one
    expect(page.locator(CARDS).first.locator(".card-title")).to_have_text("Harbour at dawn, drone")
    harbour = page.locator("#" + page.locator(CARDS).first.get_attribute("id"))
    expect(harbour).to_have_attribute("data-status", "PROCESSING")
    # Counted, in view, highlighted.
    expect(summary).to_have_text(f"Showing 1–{end + 1} of {total + 1}")
    expect(harbour).to_have_class(re.compile(r"\bis-new\b"))
    expect(harbour).to_be_in_viewport()

    form.get_by_label("Name").fill("Rooftop timelapse")
    form.get_by_label("Image").check()
    form.get_by_label("File link").fill("https://cdn.example.com/broken/rooftop.jpg")
    form.get_by_role("button", name="Add B-roll").click()
    expect(page.locator(CARDS).first.locator(".card-title")).to_have_text("Rooftop timelapse")
    rooftop = page.locator("#" + page.locator(CARDS).first.get_attribute("id"))
    screenshot(page, "add-broll-processing")

    expect(harbour).to_have_attribute("data-status", "READY", timeout=15_000)
    expect(rooftop).to_have_attribute("data-status", "FAILED", timeout=15_000)
    expect(harbour.locator(".thumb img")).to_be_visible()
    expect(rooftop.locator(".badge--failed")).to_be_visible()
    both = (harbour.get_attribute("data-asset-id"), rooftop.get_attribute("data-asset-id"))
    assert any(all(each in url for each in both) for url in status_polls)  # one request
    harbour.locator(".card-link").click()
    expect(page.locator(f"{DIALOG} video.preview-video")).to_be_visible()


def test_add_by_url_refusals_show_next_to_the_field(logged_in_page: Page, app_url):
    page = logged_in_page
    page.goto(app_url + "/")
    page.get_by_text("Add B-roll by URL").click()
    form = page.locator("#add-broll")
    form.get_by_label("Name").fill("Harbour at dawn")
    form.get_by_label("File link").fill("http://cdn.example.com/harbour.webm")
    form.get_by_role("button", name="Add B-roll").click()
    url = form.get_by_label("File link")
    expect(form.locator("#add_url_error")).to_contain_text("plain http")
    expect(url).to_have_attribute("aria-invalid", "true")
    expect(url).to_be_focused()
    expect(url).to_have_value("http://cdn.example.com/harbour.webm")
    expect(form.get_by_label("Name")).to_have_value("Harbour at dawn")
    screenshot(page, "add-broll-error")
