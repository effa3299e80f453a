"""The media prober's step over the catalogue: real files from the sandbox over real HTTP.

Which rows it reads (READY, not yet read at their current fileUrl), what it stores (facts, or a
reason and the URL so the file is not read again until it changes), the address rule (the
sandbox is on loopback: refused unless ARGIL_MEDIA_ALLOW_PRIVATE), and the progress line.
"""

import logging
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from assets_browser import media_facts
from assets_browser.media_probe import AddressPolicy, MediaFacts
from assets_browser.models import CatalogueAsset

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def _row(asset_id: str, asset_type: str, file_url: str, *, status: str = "READY", age: int = 0):
    return CatalogueAsset.objects.create(
        id=asset_id,
        name=f"{asset_type.title()} {asset_id[:4]}",
        type=asset_type,
        status=status,
        file_url=file_url,
        created_at=NOW - timedelta(minutes=age),
        seen_at=NOW,
    )


@pytest.fixture
def media_url(sandbox):
    return lambda name: f"{sandbox.origin}/media/{name}"


@pytest.fixture
def allow_private(settings):
    settings.ARGIL_MEDIA_ALLOW_PRIVATE = True


def test_facts_of_each_type_are_stored(media_url, allow_private):
    _row("a1000000-0000-0000-0000-000000000001", "VIDEO", media_url("clip-01.webm"))
    _row("a1000000-0000-0000-0000-000000000002", "IMAGE", media_url("image-01.jpg"))
    _row("a1000000-0000-0000-0000-000000000003", "AUDIO", media_url("track-01.ogg"))

    assert media_facts.probe_some() == 3

    clip, image, track = CatalogueAsset.objects.order_by("id")
    assert (clip.width, clip.height, clip.orientation, clip.codec) == (480, 270, "landscape", "vp9")
    assert clip.duration_seconds == pytest.approx(4.0, abs=0.1)
    assert clip.frame_rate == 12.0
    assert clip.file_format == "matroska"
    assert (image.width, image.height, image.file_format) == (1920, 1080, "jpeg")
    assert image.duration_seconds is None
    assert track.duration_seconds == pytest.approx(9, abs=0.1)
    assert (track.codec, track.orientation, track.width) == ("opus", "", None)
    for row in (clip, image, track):
        assert row.probed_url == row.file_url
        assert row.probe_error == ""
        assert row.probed_at is not None
        assert row.file_size
        assert row.file_size > 1000


def test_only_ready_rows_with_a_file_are_read(media_url, allow_private):
    _row(
        "b1000000-0000-0000-0000-000000000001",
        "VIDEO",
        media_url("clip-01.webm"),
        status="PROCESSING",
    )
    _row(
        "b1000000-0000-0000-0000-000000000002", "VIDEO", media_url("clip-02.webm"), status="FAILED"
    )
    _row("b1000000-0000-0000-0000-000000000003", "VIDEO", "")

    assert media_facts.probe_some() == 0
    assert not CatalogueAsset.objects.exclude(probed_url="").exists()


def test_a_failure_is_recorded_with_its_reason_and_not_retried_until_the_url_changes(
    media_url, allow_private, caplog
):
    row = _row("c1000000-0000-0000-0000-000000000001", "VIDEO", media_url("gone.webm"))

    assert media_facts.probe_some() == 1
    row.refresh_from_db()
    assert row.probed_url == row.file_url
    assert row.probe_error == "the media host answered 404"
    assert row.duration_seconds is None
    assert row.orientation == ""
    assert f"media facts unknown for {row.id}: the media host answered 404" in caplog.text
    assert "gone.webm" not in caplog.text  # the id, never the URL (it may carry a signed token)

    assert media_facts.probe_some() == 0  # not read again on the next turn

    # What the sync does when Argil gives a new fileUrl: facts cleared, the old URL kept.
    CatalogueAsset.objects.filter(id=row.id).update(
        file_url=media_url("clip-02.webm"), probe_error=""
    )
    assert media_facts.probe_some() == 1
    row.refresh_from_db()
    assert (row.probe_error, row.orientation) == ("", "portrait")


def test_private_addresses_are_refused_unless_allowed(media_url, settings, caplog):
    settings.ARGIL_MEDIA_ALLOW_PRIVATE = False
    row = _row("d1000000-0000-0000-0000-000000000001", "IMAGE", media_url("image-02.jpg"))

    assert media_facts.probe_some() == 1
    row.refresh_from_db()
    assert row.probe_error == "refused: 127.0.0.1 is not a public address"
    assert row.width is None
    assert media_facts.address_policy() == AddressPolicy(allow_private=False)
    settings.ARGIL_MEDIA_ALLOW_PRIVATE = True
    assert media_facts.address_policy() == AddressPolicy(allow_private=True)


def test_newest_first_a_few_per_turn(media_url, allow_private):
    for n in range(12):
        _row(f"e1000000-0000-0000-0000-0000000000{n:02}", "AUDIO", media_url("track-02.ogg"), age=n)

    assert media_facts.probe_some(limit=5) == 5
    read = CatalogueAsset.objects.exclude(probed_url="").values_list("id", flat=True)
    assert sorted(read) == [f"e1000000-0000-0000-0000-0000000000{n:02}" for n in range(5)]
    assert str(media_facts.progress()) == "Media facts: 5 of 12"
    assert media_facts.probe_for(60) == 7
    assert media_facts.progress().complete


def test_facts_for_a_file_replaced_meanwhile_are_not_stored(media_url):
    row = _row("f1000000-0000-0000-0000-000000000001", "VIDEO", media_url("clip-03.webm"))
    facts = MediaFacts(duration_seconds=3.5, width=640, height=360)
    # The sync sees a new fileUrl while the old file is being read.
    CatalogueAsset.objects.filter(id=row.id).update(file_url=media_url("clip-04.webm"))

    media_facts._store(media_facts.Outcome(row.id, row.file_url, facts, "", 1000))

    row.refresh_from_db()
    assert row.probed_url == ""
    assert row.width is None
    assert list(media_facts.backlog().values_list("id", flat=True)) == [row.id]


def test_an_unexpected_prober_error_does_not_stop_the_step(caplog):
    _row("a2000000-0000-0000-0000-000000000001", "VIDEO", "https://cdn.example.com/a.mp4")
    _row("a2000000-0000-0000-0000-000000000002", "VIDEO", "https://cdn.example.com/b.mp4")

    def prober(url, asset_type, *, policy):
        if url.endswith("a.mp4"):
            raise RuntimeError("a bug")
        return MediaFacts(duration_seconds=7.0, width=1080, height=1920), 4096

    with caplog.at_level(logging.ERROR):
        assert media_facts.probe_some(prober=prober) == 2
    broken, fine = CatalogueAsset.objects.order_by("id")
    assert broken.probe_error == "unexpected error: RuntimeError"
    assert (fine.orientation, fine.duration_seconds) == ("portrait", 7.0)


def test_healthz_says_how_many_files_are_measured(client, media_url, allow_private):
    _row("a3000000-0000-0000-0000-000000000001", "IMAGE", media_url("image-03.jpg"))
    _row("a3000000-0000-0000-0000-000000000002", "IMAGE", media_url("image-04.jpg"))
    media_facts.probe_some(limit=1)

    assert client.get("/healthz").json()["catalogue"]["media_facts"] == {"probed": 1, "total": 2}


def test_probe_media_command_drains_the_backlog(media_url, allow_private):
    for n, name in enumerate(("clip-05.webm", "image-05.jpg", "track-03.ogg", "gone.ogg")):
        kind = {"webm": "VIDEO", "jpg": "IMAGE", "ogg": "AUDIO"}[name.rsplit(".", 1)[1]]
        _row(f"a4000000-0000-0000-0000-00000000000{n}", kind, media_url(name), age=n)
    out = StringIO()

    call_command("probe_media", stdout=out)

    assert "Media facts: 4 of 4; 4 read now; 1 unreadable (reasons in the log)" in out.getvalue()
    assert not media_facts.backlog().exists()
