"""Media filters and the duration sort at the query level: what they keep, what they say."""

from datetime import UTC, datetime, timedelta

import pytest
from django.http import QueryDict

from assets_browser.media_filters import duration_ordering, matching, not_known
from assets_browser.media_query import MediaFilter, parse_media_filter
from assets_browser.models import CatalogueAsset

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("query", "expected", "notices"),
    [
        ("", MediaFilter(), 0),
        ("orientation=portrait&orientation=square", MediaFilter(("portrait", "square")), 0),
        ("orientation=square&orientation=Portrait", MediaFilter(("portrait", "square")), 0),
        ("orientation=diagonal&orientation=portrait", MediaFilter(("portrait",)), 1),
        ("minDuration=2&maxDuration=8", MediaFilter((), 2, 8), 0),
        ("minDuration=2.5", MediaFilter((), 2.5, None), 0),
        ("minDuration=15&maxDuration=5", MediaFilter((), 5, 15), 1),
        ("minDuration=abc&maxDuration=-3", MediaFilter(), 2),
        ("minDuration=nan&maxDuration=inf", MediaFilter(), 2),
        ("maxDuration=1e9", MediaFilter((), None, 86400), 1),
    ],
)  # fmt: skip
def test_the_filter_is_read_and_corrected_from_the_url(query, expected, notices):
    media, said = parse_media_filter(QueryDict(query))
    assert media == expected
    assert len(said) == notices


def test_the_canonical_url_and_the_words():
    media = MediaFilter(("portrait", "square"), 5, 15)
    assert media.pairs() == [
        ("orientation", "portrait"),
        ("orientation", "square"),
        ("minDuration", "5"),
        ("maxDuration", "15"),
    ]
    assert media.describe() == "portrait or square, 5–15 s"
    assert MediaFilter((), None, 60).describe() == "at most 60 s"
    assert MediaFilter((), 2.5).describe() == "at least 2.5 s"
    assert not MediaFilter().is_set


def _row(name, asset_type="VIDEO", *, seconds=None, orientation="", known=True, age=0):
    url = f"https://cdn.example.com/{name}.webm"
    return CatalogueAsset.objects.create(
        id=f"00000000-0000-4000-8000-{abs(hash(name)) % 10**12:012}",
        name=name,
        type=asset_type,
        status="READY",
        file_url=url,
        probed_url=url if known else "",
        duration_seconds=seconds,
        orientation=orientation,
        created_at=NOW - timedelta(minutes=age),
        seen_at=NOW,
    )


@pytest.fixture
def library(db):
    _row("Vertical crosswalk", seconds=4, orientation="portrait", age=1)
    _row("Vertical skate", seconds=7, orientation="portrait", age=2)
    _row("Square latte art", seconds=12, orientation="square", age=3)
    _row("Wide harbour", seconds=40, orientation="landscape", age=4)
    _row("Poster, tall", "IMAGE", orientation="portrait", age=5)
    _row("Not read yet", known=False, age=6)
    _row("Lo-fi beat", "AUDIO", seconds=151, age=7)


def names(rows):
    return list(rows.values_list("name", flat=True))


def test_orientation_and_duration_keep_only_known_matches(library):
    rows = CatalogueAsset.objects.order_by("-created_at")

    portrait_2_8 = matching(rows, MediaFilter(("portrait",), 2, 8))
    assert names(portrait_2_8) == ["Vertical crosswalk", "Vertical skate"]
    assert names(matching(rows, MediaFilter(("portrait", "square")))) == [
        "Vertical crosswalk",
        "Vertical skate",
        "Square latte art",
        "Poster, tall",
    ]
    assert names(matching(rows, MediaFilter((), 60))) == ["Lo-fi beat"]
    assert names(matching(rows, MediaFilter())) == names(rows)  # unset: nothing left out
    assert names(not_known(rows)) == ["Not read yet"]


SHORTEST_FIRST = [
    "Vertical crosswalk",
    "Vertical skate",
    "Square latte art",
    "Wide harbour",
    "Lo-fi beat",
]
NO_DURATION = ["Poster, tall", "Not read yet"]  # newest first among them


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("duration", SHORTEST_FIRST + NO_DURATION),
        ("-duration", SHORTEST_FIRST[::-1] + NO_DURATION),
    ],
)
def test_duration_sort_lists_what_has_no_duration_last(library, sort, expected):
    assert names(CatalogueAsset.objects.order_by(*duration_ordering(sort))) == expected
