"""Filters and a sort on media facts (media_query.MediaFilter, `sort=duration` / `-duration`),
as catalogue queries.

"Known" facts are those read from the file at its current fileUrl. An asset whose facts are not
known yet cannot be said to match a media filter, so a filtered view leaves it out and says how
many it left out; a view sorted by duration lists it at the end, marked (like an image, which
has no duration at all), never hiding it.
"""

from __future__ import annotations

from django.db.models import F, Q, QuerySet

from .media_query import MediaFilter

# Read at the current fileUrl, and read well.
KNOWN = Q(probed_url=F("file_url"), probe_error="") & ~Q(file_url="")


def matching(rows: QuerySet, media: MediaFilter) -> QuerySet:
    """`rows` whose known facts match the filter (an unset filter keeps every row)."""
    if not media.is_set:
        return rows
    rows = rows.filter(KNOWN)
    if media.orientations:
        rows = rows.filter(orientation__in=media.orientations)
    if media.min_duration is not None:
        rows = rows.filter(duration_seconds__gte=media.min_duration)
    if media.max_duration is not None:
        rows = rows.filter(duration_seconds__lte=media.max_duration)
    return rows


def not_known(rows: QuerySet) -> QuerySet:
    """`rows` whose facts are not known (not read yet, or not readable)."""
    return rows.exclude(KNOWN)


def duration_ordering(sort: str) -> list:
    """Shortest (or longest) first; what has no duration (unknown facts, images) last, newest
    first among them."""
    duration = F("duration_seconds")
    first = duration.desc(nulls_last=True) if sort == "-duration" else duration.asc(nulls_last=True)
    return [first, "-created_at", "-id"]
