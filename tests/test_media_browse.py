"""Browsing by media facts: orientation and duration filters and the duration sort, answered by
the catalogue, in the URL, validated; unknown facts listed last and marked, or counted."""

import pytest
from django.urls import reverse

from assets_browser.models import CatalogueAsset
from tests.catalogue_data import measured, row, synced
from tests.testdata import HTMX

pytestmark = pytest.mark.django_db

BROWSE = reverse("assets_browser:browse")


@pytest.fixture
def library():
    synced(
        measured("Vertical crosswalk, Shibuya", seconds=4, size=(1080, 1920), age_days=1),
        measured("Vertical skateboard ollie", seconds=7, size=(1080, 1920), age_days=2),
        measured("Latte art from above", seconds=12, size=(1080, 1080), age_days=3),
        measured("Harbour cranes, wide", seconds=40, size=(1920, 1080), age_days=4),
        measured("Poster wall, Lisbon", "IMAGE", size=(1080, 1350), age_days=5),
        measured("Lo-fi beat, 84 bpm", "AUDIO", seconds=151, age_days=6),
        row("Fresh upload, not measured", age_days=0.5),
    )


def names(response):
    return [item.name for item in response.context["page"].items]


@pytest.mark.parametrize("htmx", [False, True])
def test_portrait_clips_of_two_to_eight_seconds(editor_client, library, htmx):
    response = editor_client.get(
        BROWSE + "?orientation=portrait&minDuration=2&maxDuration=8",
        headers=HTMX if htmx else {},
    )
    html = response.content.decode()

    assert response.status_code == 200
    assert names(response) == ["Vertical crosswalk, Shibuya", "Vertical skateboard ollie"]
    assert '<span class="card-facts">0:04 · 9:16</span>' in html
    assert "1 asset not measured yet is left out" in html
    assert "data-catalogue-note" in html  # said to come from the catalogue


def test_several_orientations_and_an_open_range(editor_client, library):
    response = editor_client.get(BROWSE + "?orientation=square&orientation=portrait&maxDuration=10")
    # Images have no duration: a duration filter leaves them out.
    assert names(response) == ["Vertical crosswalk, Shibuya", "Vertical skateboard ollie"]
    response = editor_client.get(BROWSE + "?orientation=square&orientation=portrait")
    assert names(response) == [
        "Vertical crosswalk, Shibuya",
        "Vertical skateboard ollie",
        "Latte art from above",
        "Poster wall, Lisbon",
    ]


def test_the_url_is_canonical_and_bad_values_are_corrected_with_a_notice(editor_client, library):
    response = editor_client.get(
        BROWSE + "?maxDuration=60&minDuration=15.0&orientation=diagonal&orientation=landscape",
        headers=HTMX,
    )
    html = response.content.decode()

    assert response.status_code == 200
    assert (
        response["HX-Push-Url"] == BROWSE + "?orientation=landscape&minDuration=15&maxDuration=60"
    )
    assert "Orientation must be one of landscape, portrait, square" in html
    assert names(response) == ["Harbour cranes, wide"]

    response = editor_client.get(BROWSE + "?minDuration=soon&maxDuration=5")
    assert response.status_code == 200
    assert "minDuration must be a number of seconds" in response.content.decode()


def test_sort_by_duration_lists_unknown_facts_last_and_marks_them(editor_client, library):
    response = editor_client.get(BROWSE + "?sort=-duration")
    html = response.content.decode()

    assert names(response) == [
        "Lo-fi beat, 84 bpm",
        "Harbour cranes, wide",
        "Latte art from above",
        "Vertical skateboard ollie",
        "Vertical crosswalk, Shibuya",
        "Fresh upload, not measured",  # no duration: last, newest first, never hidden
        "Poster wall, Lisbon",
    ]
    assert html.count("card-facts--unknown") == 1
    assert "Not measured yet" in html
    assert "data-unmeasured" not in html  # nothing left out: the sort hides nothing


def test_plain_browsing_shows_no_marks(editor_client, library, use_fake_api):
    use_fake_api.enqueue(200, [], headers={"X-Total-Count": "0"})
    html = editor_client.get(BROWSE).content.decode()
    assert "card-facts--unknown" not in html
    assert 'name="orientation"' in html
    assert 'name="minDuration"' in html


def test_presets_link_to_their_range_and_the_boxes_follow_a_preset(editor_client, library):
    html = editor_client.get(BROWSE + "?orientation=portrait").content.decode()
    assert 'href="?orientation=portrait&amp;minDuration=5&amp;maxDuration=15"' in html
    assert 'href="?orientation=portrait&amp;maxDuration=5"' in html

    url = BROWSE + "?orientation=portrait&minDuration=5&maxDuration=15"
    after_preset = editor_client.get(url, headers={**HTMX, "HX-Trigger": "duration-preset-2"})
    typed = editor_client.get(url, headers={**HTMX, "HX-Trigger": "id_max_duration"})

    assert 'id="duration-filter" class="duration-filter" hx-swap-oob="true"' in after_preset.text
    assert 'value="15"' in after_preset.text
    assert "duration-filter" not in typed.text  # a box being typed in is never replaced
    assert names(typed) == ["Vertical skateboard ollie"]


def test_a_media_filter_with_a_search(editor_client, library):
    response = editor_client.get(BROWSE + "?q=vertical&minDuration=5")
    assert names(response) == ["Vertical skateboard ollie"]
    assert CatalogueAsset.objects.count() == 7


def test_the_catalogue_line_says_how_many_files_are_measured(editor_client, library):
    html = editor_client.get(BROWSE + "?sort=duration").content.decode()
    assert "<span data-media-progress>Media facts: 6 of 7</span>" in html


def test_list_headings_sort_by_length_and_turn_around(editor_client, library):
    html = editor_client.get(BROWSE + "?orientation=portrait").content.decode()
    assert 'href="?orientation=portrait&amp;sort=duration"' in html

    html = editor_client.get(BROWSE + "?orientation=portrait&sort=duration").content.decode()
    assert 'href="?orientation=portrait&amp;sort=-duration"' in html  # a second click: longest
    assert 'aria-current="true">Length <span aria-hidden="true">↑</span>' in html
