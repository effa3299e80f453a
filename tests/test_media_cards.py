"""Media facts where editors see them: the card's meta line, the preview, the words they read."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from assets_browser.api import Asset
from assets_browser.cards import PageState, asset_card
from assets_browser.media_labels import Facts, aspect_label, duration_label, size_label
from assets_browser.models import CatalogueAsset
from tests.testdata import HTMX

BROWSE = reverse("assets_browser:browse")
CLIP_ID = "5b0c6f0e-2f64-4c1e-9a57-0f7a4c1f1a01"
IMAGE_ID = "7d2e8a10-4b3c-4f5d-8e6f-9a0b1c2d3e4f"
TRACK_ID = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"
CLIP_URL = "https://cdn.example.com/vertical-street.webm"
NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def api_asset(asset_id=CLIP_ID, asset_type="VIDEO", name="Vertical street crossing, Shibuya"):
    return {
        "id": asset_id,
        "name": name,
        "type": asset_type,
        "status": "READY",
        "fileUrl": CLIP_URL if asset_id == CLIP_ID else f"https://cdn.example.com/{asset_id}",
        "thumbnailUrl": "https://cdn.example.com/thumb.jpg",
        "createdAt": "2026-10-30T09:15:00Z",
    }


def catalogue_row(data, *, error="", probed=True, **facts):
    return CatalogueAsset.objects.create(
        id=data["id"],
        name=data["name"],
        type=data["type"],
        status="READY",
        file_url=data["fileUrl"],
        created_at=NOW,
        seen_at=NOW,
        probed_url=data["fileUrl"] if probed else "",
        probe_error=error,
        **facts,
    )


# The words


@pytest.mark.parametrize(
    ("seconds", "label"),
    [(7.04, "0:07"), (151.0065, "2:31"), (0.3, "0:01"), (3725, "1:02:05"), (0, "0:00"), (None, "")],
)
def test_durations_read_as_minutes_and_seconds(seconds, label):
    assert duration_label(seconds) == label


@pytest.mark.parametrize(
    ("width", "height", "label"),
    [
        (1920, 1080, "16:9"),
        (270, 480, "9:16"),
        (1080, 1072, "1:1"),
        (1080, 1350, "4:5"),
        (2560, 1080, "21:9"),
        (1000, 300, ""),
        (None, 5, ""),
    ],
)
def test_aspect_ratios_are_named_within_two_percent(width, height, label):
    assert aspect_label(width, height) == label


def test_sizes_and_card_lines():
    assert [size_label(n) for n in (512, 84_000, 1_400_000, 2 * 1024**3)] == [
        "512 B",
        "84 KB",
        "1.4 MB",
        "2.1 GB",
    ]
    clip = Facts("VIDEO", duration_seconds=7.0, width=1080, height=1920, orientation="portrait")
    odd = Facts("VIDEO", duration_seconds=12.0, width=1000, height=300, orientation="landscape")
    assert clip.card_line == "0:07 · 9:16"
    assert odd.card_line == "0:12 · Landscape"
    assert Facts("IMAGE", width=1920, height=1080).card_line == "1920×1080"
    assert Facts("AUDIO", duration_seconds=151).card_line == "2:31"
    assert Facts("VIDEO").card_line == ""


# The card


def test_a_card_shows_its_facts_and_nothing_when_unknown():
    item = Asset.from_api(api_asset())
    facts = {CLIP_ID: Facts("VIDEO", duration_seconds=7, width=1080, height=1920)}
    known = PageState(picked_ids=frozenset(), csrf_token="t", next_path="/", facts=facts)
    unknown = PageState(picked_ids=frozenset(), csrf_token="t", next_path="/")

    assert '<span class="card-facts">0:07 · 9:16</span>' in asset_card(item, known)
    assert "card-facts" not in asset_card(item, unknown)  # the same asset, kept per process


@pytest.mark.django_db
@pytest.mark.parametrize("htmx", [False, True])
def test_browse_cards_show_the_catalogue_facts(editor_client, use_fake_api, htmx):
    clip, image, track = (
        api_asset(),
        api_asset(IMAGE_ID, "IMAGE", "Harbour cranes at dawn"),
        api_asset(TRACK_ID, "AUDIO", "Lo-fi beat, 84 bpm"),
    )
    catalogue_row(clip, duration_seconds=7.0, width=1080, height=1920, orientation="portrait")
    catalogue_row(image, error="not readable media: InvalidDataError")
    catalogue_row(track, duration_seconds=151.0)
    use_fake_api.enqueue(200, [clip, image, track], headers={"X-Total-Count": "3"})

    html = editor_client.get(BROWSE, headers=HTMX if htmx else {}).content.decode()

    assert html.count('class="card-facts"') == 2
    assert '<span class="card-facts">0:07 · 9:16</span>' in html
    assert '<span class="card-facts">2:31</span>' in html


@pytest.mark.django_db
def test_the_facts_of_a_page_are_one_query(editor_client, use_fake_api, django_assert_num_queries):
    items = [
        api_asset(f"00000000-0000-4000-8000-{n:012}", "AUDIO", f"Track {n}") for n in range(40)
    ]
    for item in items:
        catalogue_row(item, duration_seconds=30.0 + len(item["name"]))
    use_fake_api.enqueue(200, items, headers={"X-Total-Count": "40"})
    editor_client.get(BROWSE, headers=HTMX)  # the session and look, read once

    use_fake_api.enqueue(200, items, headers={"X-Total-Count": "40"})
    with django_assert_num_queries(6):  # session, editor, look, picks, sync state; the facts: one
        html = editor_client.get(BROWSE, headers=HTMX).content.decode()
    assert html.count('class="card-facts"') == 40


# The preview


def detail(client, asset_id=CLIP_ID):
    url = reverse("assets_browser:asset_detail", kwargs={"asset_id": asset_id})
    return client.get(url, headers=HTMX).content.decode()


@pytest.mark.django_db
def test_the_preview_shows_every_fact(editor_client, use_fake_api):
    clip = api_asset()
    catalogue_row(
        clip,
        duration_seconds=7.04,
        width=1080,
        height=1920,
        orientation="portrait",
        frame_rate=29.97,
        codec="h264",
        file_format="mp4",
        file_size=4_200_000,
    )
    use_fake_api.enqueue(200, clip)

    html = detail(editor_client)

    assert '<dd data-fact="duration">0:07</dd>' in html
    assert '1080×1920 px <span class="muted">(9:16)</span>' in html
    assert '<dd data-fact="frame-rate">29.97 fps</dd>' in html
    assert 'mp4 <span class="muted">(h264)</span>' in html
    assert '<dd data-fact="file-size">4.2 MB</dd>' in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("state", "words"),
    [
        ({"probed": False}, "Not read yet"),
        ({"error": "took too long"}, "Unknown: the file could not be read"),
        (None, "Not read yet"),  # not in the catalogue yet
    ],
)
def test_the_preview_says_why_facts_are_missing(editor_client, use_fake_api, state, words):
    clip = api_asset()
    if state is not None:
        catalogue_row(clip, **state)
    use_fake_api.enqueue(200, clip)

    html = detail(editor_client)

    assert f'<dd data-fact="unknown">{words}</dd>' in html
    assert 'data-fact="duration"' not in html
