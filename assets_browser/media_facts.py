"""The media prober's step: which catalogue rows to read, reading a few at a time, storing facts.

A READY row needs probing while its `probed_url` differs from its `file_url`: never probed
(`probed_url` is ""), or the file changed (the sync clears the facts and leaves the old URL in
`probed_url`). Whatever the outcome, `probed_url` becomes the URL read, so a file that cannot be
read is not tried again every turn, only once Argil gives it a new `fileUrl`. A partial index
(`catalogue_unprobed`) holds just those rows, so the next few are found at once however large
the catalogue and however long the backlog.

Files are read by `media_probe.probe` on a few threads (the threads only fetch; every database
write happens on the caller's thread), through its own session: no key or cookie goes to a
media host. Private and loopback hosts are refused unless `ARGIL_MEDIA_ALLOW_PRIVATE` (the
sandbox on loopback). Each turn is small (`BATCH` files), so the sync loop that calls it stays
on time however long the backlog.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import F, QuerySet
from django.utils import timezone

from .media_labels import Facts
from .media_probe import AddressPolicy, MediaFacts, ProbeError, probe
from .models import CatalogueAsset

logger = logging.getLogger(__name__)

# Files read at once: each waits on the network nearly all the time, and a media host (a CDN,
# or the sandbox) serves a few parallel requests without noticing.
CONCURRENCY = 4
# Files per turn: one round of the pool. A turn lasts as long as its slowest file: a fraction of
# a second usually, the prober's 15 s limit at worst, so the sync's next poll waits that long at
# most however long the backlog.
BATCH = CONCURRENCY
PROBE_ERROR_MAX_LENGTH = CatalogueAsset._meta.get_field("probe_error").max_length or 200

Prober = Callable[..., tuple[MediaFacts, int]]


def address_policy() -> AddressPolicy:
    return AddressPolicy(allow_private=settings.ARGIL_MEDIA_ALLOW_PRIVATE)


def backlog() -> QuerySet[CatalogueAsset]:
    """READY rows whose file has not been read at its current URL, newest first (the order
    editors meet them). Matches the `catalogue_unprobed` index's condition term for term."""
    return (
        CatalogueAsset.objects.filter(status="READY")
        .exclude(file_url="")
        .exclude(probed_url=F("file_url"))
        .order_by("status", "-created_at")
    )


@dataclass(frozen=True, slots=True)
class Outcome:
    id: str
    url: str
    facts: MediaFacts | None
    error: str
    bytes_read: int


def probe_some(
    limit: int = BATCH,
    *,
    policy: AddressPolicy | None = None,
    workers: int = CONCURRENCY,
    prober: Prober = probe,
) -> int:
    """Probe up to `limit` rows of the backlog and store what was learnt; the rows handled
    (facts or a reason). 0 means the backlog is empty."""
    rows = list(backlog().values_list("id", "type", "file_url")[:limit])
    if not rows:
        return 0
    policy = policy or address_policy()

    def read(row: tuple[str, str, str]) -> Outcome:
        asset_id, asset_type, url = row
        try:
            facts, bytes_read = prober(url, asset_type, policy=policy)
        except ProbeError as exc:
            return Outcome(asset_id, url, None, str(exc), 0)
        except Exception as exc:  # a prober bug must not stop the worker: this file waits
            logger.exception("media facts: probing %s failed unexpectedly", asset_id)
            return Outcome(asset_id, url, None, f"unexpected error: {type(exc).__name__}", 0)
        return Outcome(asset_id, url, facts, "", bytes_read)

    with ThreadPoolExecutor(max_workers=min(workers, len(rows))) as pool:
        outcomes = list(pool.map(read, rows))
    for outcome in outcomes:
        _store(outcome)
    return len(outcomes)


def probe_for(seconds: float, **options) -> int:
    """Probe turn after turn for about `seconds` (a turn started is finished) or until the
    backlog is empty; the rows handled. For a loop's idle time between two jobs."""
    deadline = time.monotonic() + seconds
    handled = 0
    while time.monotonic() < deadline:
        done = probe_some(**options)
        if not done:
            break
        handled += done
    return handled


def _store(outcome: Outcome) -> None:
    facts = outcome.facts or MediaFacts()
    fields = {
        "probed_url": outcome.url,
        "probed_at": timezone.now(),
        "probe_error": outcome.error[:PROBE_ERROR_MAX_LENGTH],
        "duration_seconds": facts.duration_seconds,
        "width": facts.width,
        "height": facts.height,
        "orientation": facts.orientation,
        "frame_rate": facts.frame_rate,
        "codec": facts.codec[:32],
        "file_format": facts.file_format[:32],
        "file_size": facts.file_size,
    }
    # Only while the row still points at the file read: if the sync saw a new fileUrl meanwhile,
    # these facts belong to the old file and the row stays in the backlog.
    stored = CatalogueAsset.objects.filter(id=outcome.id, file_url=outcome.url).update(**fields)
    if stored and outcome.error:
        # The id and the reason only: a file URL can carry a signed token.
        logger.info("media facts unknown for %s: %s", outcome.id, outcome.error)


@dataclass(frozen=True, slots=True)
class MediaProgress:
    """How many of the catalogue's READY files have been read ("Media facts: 61,004 of 84,211")."""

    probed: int  # read at their current URL, facts learnt or not
    total: int  # READY assets with a file

    @property
    def complete(self) -> bool:
        return self.probed >= self.total

    def __str__(self) -> str:
        return f"Media facts: {self.probed:,} of {self.total:,}"


def progress() -> MediaProgress:
    """Two indexed counts: the READY files (the status index) and the backlog (its own index)."""
    total = CatalogueAsset.objects.filter(status="READY").exclude(file_url="").count()
    return MediaProgress(probed=total - backlog().count(), total=total)


PROGRESS_CACHE_KEY = "media-facts:progress"
# Counting 100,000 rows takes SQLite some 50 ms (bench/MEDIA.md): a page reuses the counts for
# this long rather than pay that on every view.
PROGRESS_CACHE_SECONDS = 30


def cached_progress() -> MediaProgress:
    """`progress()`, counted at most once per PROGRESS_CACHE_SECONDS (per cache)."""
    counted = cache.get_or_set(PROGRESS_CACHE_KEY, progress, PROGRESS_CACHE_SECONDS)
    return counted if isinstance(counted, MediaProgress) else progress()


def unreadable() -> int:
    """Files read in vain at their current URL (a scan of the READY rows: for the command)."""
    return (
        CatalogueAsset.objects.filter(status="READY", probed_url=F("file_url"))
        .exclude(file_url="")
        .exclude(probe_error="")
        .count()
    )


# -- Reading the facts back, for pages and exports ------------------------------------------------

FACT_FIELDS = (
    "duration_seconds",
    "width",
    "height",
    "orientation",
    "frame_rate",
    "codec",
    "file_format",
    "file_size",
)


def facts_for(
    ids: Iterable[str], *, file_urls: Mapping[str, str] | None = None
) -> dict[str, Facts]:
    """The known facts of these assets, by id (lower case), in one query; an asset whose facts
    are unknown (not read yet, not readable, not in the catalogue) is simply absent. With
    `file_urls` (id -> the fileUrl Argil gives now), facts of another file are absent too."""
    wanted = sorted({str(asset_id).lower() for asset_id in ids})
    if not wanted:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(_facts_sql(len(wanted)), wanted)
        rows = cursor.fetchall()
    urls = {key.lower(): url for key, url in (file_urls or {}).items()}
    return {
        row[0]: Facts(*row[2:]) for row in rows if file_urls is None or urls.get(row[0]) == row[1]
    }


@lru_cache(maxsize=16)
def _facts_sql(count: int) -> str:
    # Written out once per count of ids: every browse view asks this for its page, and the ORM
    # spent 0.7 ms building an IN of 100 ids (this costs 0.1 ms in all).
    quote = connection.ops.quote_name
    columns = ", ".join(quote(name) for name in ("id", "file_url", "type", *FACT_FIELDS))
    return (
        f"SELECT {columns} FROM {quote(CatalogueAsset._meta.db_table)} "
        f"WHERE id IN ({', '.join(['%s'] * count)}) "
        "AND probed_url = file_url AND probe_error = '' AND file_url <> ''"
    )


class FactsState(StrEnum):
    KNOWN = "known"
    PENDING = "pending"  # not read yet at its current fileUrl
    UNREADABLE = "unreadable"  # read, but the facts could not be learnt
    ABSENT = "absent"  # not in the catalogue (yet)


def facts_of(asset_id: str) -> tuple[Facts | None, FactsState]:
    """One asset's facts and why they may be missing, for its preview (one query)."""
    row = (
        CatalogueAsset.objects.filter(id=str(asset_id).lower())
        .values_list("type", "file_url", "probed_url", "probe_error", *FACT_FIELDS)
        .first()
    )
    if row is None:
        return None, FactsState.ABSENT
    asset_type, file_url, probed_url, error, *facts = row
    if not file_url or probed_url != file_url:
        return None, FactsState.PENDING
    if error:
        return None, FactsState.UNREADABLE
    return Facts(asset_type, *facts), FactsState.KNOWN
