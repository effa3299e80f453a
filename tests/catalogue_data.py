"""Catalogue rows for tests: a row as a full sync pass stores it (at a fixed NOW), one with its
media facts measured, and a catalogue whose first pass has finished."""

from datetime import UTC, datetime, timedelta
from itertools import count

from assets_browser.catalogue_search import fold
from assets_browser.media_probe import orientation_of
from assets_browser.models import CatalogueAsset, SyncState

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)

_ids = count(1)


def row(name, type="VIDEO", status="READY", *, age_days=0.0, id=None):
    """One catalogue row; `age_days` back from NOW (larger is older)."""
    asset_id = id or f"00000000-0000-4000-8000-{next(_ids):012d}"
    created = NOW - timedelta(days=age_days)
    return CatalogueAsset(
        id=asset_id,
        name=name,
        search_name=fold(name),
        type=type,
        status=status,
        file_url=f"https://cdn.example.com/{asset_id}.webm",
        thumbnail_url=f"https://cdn.example.com/{asset_id}.jpg",
        created_at=created,
        seen_at=NOW,
    )


def synced(*rows, seconds_ago=12, **state):
    """The catalogue holds `rows` and a first full pass has finished."""
    CatalogueAsset.objects.bulk_create(rows)
    at = datetime.now(UTC) - timedelta(seconds=seconds_ago)
    defaults = {"last_full_pass_at": at, "last_synced_at": at, **state}
    SyncState.objects.update_or_create(pk=1, defaults=defaults)
    return rows


def measured(name, asset_type="VIDEO", *, seconds=None, size=None, age_days=0.0):
    item = row(name, asset_type, age_days=age_days)
    item.probed_url = item.file_url
    item.duration_seconds = seconds
    if size:
        item.width, item.height = size
        item.orientation = orientation_of(*size)
    return item
