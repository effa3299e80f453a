"""The cards built in Python print what the templates' rules ask: escaped names, safe URLs."""

import pytest
from django.template import Context, Template
from django.urls import reverse

from assets_browser.api import Asset
from assets_browser.cards import PageState, asset_card, pick_toggle

STATE = PageState(picked_ids=frozenset(), csrf_token="tok3n", next_path="/?type=VIDEO&page=2")


def asset(**fields):
    return Asset.from_api(
        {
            "id": "5b0c6f0e-2f64-4c1e-9a57-0f7a4c1f1a01",
            "name": "Night market, Taipei — handheld",
            "type": "VIDEO",
            "status": "READY",
            "fileUrl": "https://cdn.example.com/night-market.webm",
            "thumbnailUrl": "https://cdn.example.com/night-market.jpg",
            "createdAt": "2026-10-30T09:15:00Z",
            **fields,
        }
    )


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
    url = reverse("assets_browser:asset_detail", args=["5b0c6f0e-2f64-4c1e-9a57-0f7a4c1f1a01"])
    assert f'href="{url}"' in html
    assert 'data-preview-src="https://cdn.example.com/night-market.webm"' in html
    assert "data-preview-src" not in asset_card(asset(type="IMAGE"), STATE)
    assert "data-preview-src" not in asset_card(asset(status="PROCESSING"), STATE)


def test_card_loads_thumbnails_below_the_first_rows_lazily():
    assert 'loading="lazy"' not in asset_card(asset(), STATE, position=8)
    assert 'loading="lazy"' in asset_card(asset(), STATE, position=9)


def test_pick_toggle_states():
    picked = PageState(frozenset({"5b0c6f0e-2f64-4c1e-9a57-0f7a4c1f1a01"}), "tok3n", "/")
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
    assert (
        "hx-swap-oob=\"outerHTML:[data-pick-toggle='5b0c6f0e-2f64-4c1e-9a57-0f7a4c1f1a01']\""
        in html
    )
    assert '<p class="pick-error" role="alert">Argil is unreachable right now</p>' in html
