"""The cards built in Python print what the templates' rules ask: escaped names, safe URLs."""

import pytest
from django.template import Context, Template
from django.urls import reverse

from assets_browser.api import Asset
from assets_browser.cards import PageState, asset_card, pick_toggle
from tests import testdata
from tests.testdata import LISBON

STATE = PageState(picked_ids=frozenset(), csrf_token="tok3n", next_path="/?type=VIDEO&page=2")


def asset(name="Night market, Taipei — handheld", **fields):
    return Asset.from_api(testdata.asset(LISBON, name, **fields))


def test_card_escapes_the_name_everywhere_it_is_printed():
    html = asset_card(asset(name='<img src=x onerror=alert(1)>"quoted"'), STATE)
    assert "<img src=x" not in html
    assert html.count("&lt;img src=x onerror=alert(1)&gt;&quot;quoted&quot;") == 4  # title, alt,
    # link text, and the visually hidden name of the Pick button


@pytest.mark.parametrize("bad", ["javascript:alert(1)", "data:text/html,x", "/relative.jpg", None])
def test_card_renders_only_http_urls(bad):
    html = asset_card(asset(thumbnailUrl=bad, fileUrl=bad), STATE)
    assert 'class="glyph"' in html
    assert "data-preview-src" not in html
    if bad:
        assert bad not in html


def test_card_prints_the_dates_the_template_filters_print():
    item = asset()
    html = asset_card(item, STATE)
    expected = Template(
        "{% load assets_browser %}<time datetime=\"{{ a.created_at|date:'c' }}\" "
        "title=\"{{ a.created_at|date:'j F Y, H:i e' }}\">{{ a.created_at|ago }}</time>"
    ).render(Context({"a": item}))
    assert expected in html


def test_card_links_to_the_asset_and_previews_ready_videos_only():
    html = asset_card(asset(), STATE)
    url = reverse("assets_browser:asset_detail", args=[LISBON])
    assert f'href="{url}"' in html
    assert 'data-preview-src="https://cdn.example.com/5b0c6f0e.webm"' in html
    assert "data-preview-src" not in asset_card(asset(type="IMAGE"), STATE)
    assert "data-preview-src" not in asset_card(asset(status="PROCESSING"), STATE)


def test_card_loads_thumbnails_below_the_first_rows_lazily():
    assert 'loading="lazy"' not in asset_card(asset(), STATE, position=8)
    assert 'loading="lazy"' in asset_card(asset(), STATE, position=9)


def test_card_fetches_the_first_row_first():
    # The first two rows hold the page's largest image (the LCP); the rest wait their turn.
    assert 'fetchpriority="high"' in asset_card(asset(), STATE, position=8)
    assert "fetchpriority" not in asset_card(asset(), STATE, position=9)


def test_pick_toggle_states():
    picked = PageState(frozenset({LISBON}), "tok3n", "/")
    assert 'aria-pressed="true"' in pick_toggle(asset(), picked)
    assert 'value="remove"' in pick_toggle(asset(), picked)
    ready = pick_toggle(asset(), STATE)
    assert 'aria-pressed="false"' in ready
    assert 'name="csrfmiddlewaretoken" value="tok3n"' in ready
    assert 'name="next" value="/?type=VIDEO&amp;page=2"' in ready
    blocked = pick_toggle(asset(status="PROCESSING"), STATE)
    assert "disabled" in blocked
    assert "can be picked once ready" in blocked
    assert "<form" not in blocked


def test_pick_toggle_out_of_band_and_error():
    html = pick_toggle(asset(), STATE, oob=True, error="Argil is unreachable right now")
    assert f"hx-swap-oob=\"outerHTML:[data-pick-toggle='{LISBON}']\"" in html
    assert '<p class="pick-error" role="alert">Argil is unreachable right now</p>' in html


def _dates_around(now):
    """Dates before (and a few after) ``now`` that reach every unit and calendar edge: month
    ends, leap days, the same day and time a month or a year earlier, a second either side."""
    import random
    from datetime import timedelta

    rng = random.Random(5)
    steps = [0, 1, 59, 60, 61, 3599, 3600, 86399, 86400, 604799, 604800, 2419200, 31535999]
    yield from (now - timedelta(seconds=s) for s in steps)
    yield now + timedelta(minutes=5)  # in the future: "0 minutes"
    for months in (1, 2, 11, 12, 13, 24, 49):
        same = now.replace(year=now.year - (months // 12), day=min(now.day, 28))
        yield same.replace(month=(now.month - months % 12 - 1) % 12 + 1)
    for _ in range(3000):
        yield now - timedelta(seconds=rng.randrange(0, 6 * 365 * 86400))


@pytest.mark.parametrize(
    "now",
    ["2026-11-28T13:40:00+00:00", "2024-03-01T00:00:30+00:00", "2025-01-31T23:59:59+00:00"],
)
def test_ago_says_what_timesince_says(now, settings):
    """The card's fast "3 weeks ago" against Django's own timesince(depth=1), thousands of
    dates, in UTC and in a zone with daylight saving (months are counted in local time)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from django.utils.timesince import timesince

    from assets_browser.formatting import ago

    reference = datetime.fromisoformat(now)
    for zone in ("UTC", "Europe/Paris"):
        local_now = reference.astimezone(ZoneInfo(zone))
        for value in _dates_around(local_now):
            assert ago(value, local_now) == f"{timesince(value, local_now, depth=1)} ago", value


def test_a_card_kept_from_an_earlier_page_follows_this_page_and_this_asset():
    """Cards are kept per process: the page's CSRF token, return path and picks still come
    from this page, and an asset that changed gets a new card."""
    first = asset_card(asset(), STATE)
    picked = PageState(frozenset({"5b0c6f0e-2f64-4c1e-9a57-0f7a4c1f1a01"}), "0ther", "/boards/")
    again = asset_card(asset(), picked)
    assert 'value="tok3n"' in first
    assert 'aria-pressed="false"' in first
    assert 'value="0ther"' in again
    assert 'value="/boards/"' in again
    assert 'aria-pressed="true"' in again
    assert "tok3n" not in again
    renamed = asset_card(asset(name="Night market, Taipei — tripod", status="PROCESSING"), STATE)
    assert "tripod" in renamed
    assert "handheld" not in renamed
    assert "can be picked once ready" in renamed
