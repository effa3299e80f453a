"""What the browser tests share: an editor's steps on the browse page (pick cards, filter by
type, read the tray) and the screenshots they keep in test-results/."""

import re
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Page, expect

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-results"
PICKABLE = "#asset-grid > .card:has(.pick-form)"


def pick_cards(page: Page, count: int) -> list[str]:
    """Press Pick on the first ``count`` pickable cards; their asset ids, in order."""
    ids = []
    for index in range(count):
        card = page.locator(PICKABLE).nth(index)
        button = card.locator(".pick-button")
        expect(button).to_contain_text("Pick")
        ids.append(card.get_attribute("data-asset-id"))
        button.click()
        expect(card.locator(".pick-button")).to_contain_text("Picked")
    return ids


def set_type_filter(page: Page, label: str, *, ticked: bool) -> None:
    """Tick or untick one type filter and wait for the grid's answer (quick successive changes
    would abort the one in flight: hx-sync replace)."""
    box = page.get_by_role("checkbox", name=label)
    sheet = page.locator(".filters-sheet-toggle")
    in_sheet = sheet.is_visible() and not box.is_visible()
    if in_sheet:  # phones: the filters wait in a sheet
        sheet.click()
    with page.expect_response(lambda r: urlsplit(r.url).path == "/"):
        box.set_checked(ticked)
    if in_sheet:
        page.get_by_role("button", name="Show the results").click()


def only_audio(page: Page) -> None:
    set_type_filter(page, "Images", ticked=False)
    set_type_filter(page, "Videos", ticked=False)
    set_type_filter(page, "Audio", ticked=True)
    expect(page).to_have_url(re.compile(r"\?type=AUDIO$"))
    expect(page.locator("#asset-grid > .card").first).to_have_attribute("data-type", "AUDIO")


def tray_order(page: Page) -> list[str]:
    return page.locator("#tray .tray-pick").evaluate_all(
        "rows => rows.map(row => row.dataset.assetId)"
    )


def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    # caret="initial": the default hides it with a style="" attribute that htmx would copy on
    # its next swap, which the CSP then reports.
    page.screenshot(path=str(path), full_page=True, caret="initial")
    return path
