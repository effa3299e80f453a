"""The media part of the browse query: `orientation` (repeatable), `minDuration` and
`maxDuration` (seconds), and the duration sorts. Plain values, no Django (the browse query holds
one); media_filters.py turns it into database filters.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

from .media_labels import ORIENTATION_LABELS


class QueryData(Protocol):
    """What a query string offers (Django's QueryDict does)."""

    def get(self, key: str, default: str) -> str: ...

    def getlist(self, key: str) -> list[str]: ...


ORIENTATIONS = tuple(ORIENTATION_LABELS)  # landscape, portrait, square
# Longer than any B-roll; keeps the number sane in the URL and the query.
MAX_DURATION_SECONDS = 24 * 3600
DURATION_SORTS = {"duration": "Shortest first", "-duration": "Longest first"}
# The preset control's choices: (label, minDuration, maxDuration); free entry sets any pair.
DURATION_PRESETS = (
    ("Under 5 s", None, 5),
    ("5–15 s", 5, 15),
    ("15–60 s", 15, 60),
    ("Over 1 min", 60, None),
)


@dataclass(frozen=True, slots=True)
class MediaFilter:
    orientations: tuple[str, ...] = ()  # in ORIENTATIONS' order, no repeats
    min_duration: float | None = None  # seconds, inclusive
    max_duration: float | None = None  # seconds, inclusive

    @property
    def is_set(self) -> bool:
        return bool(self.orientations) or self.has_duration

    @property
    def has_duration(self) -> bool:
        return self.min_duration is not None or self.max_duration is not None

    @property
    def min_text(self) -> str:
        return "" if self.min_duration is None else seconds_text(self.min_duration)

    @property
    def max_text(self) -> str:
        return "" if self.max_duration is None else seconds_text(self.max_duration)

    def pairs(self) -> list[tuple[str, str]]:
        """Its part of the canonical URL query (nothing when unset)."""
        pairs = [("orientation", o) for o in self.orientations]
        if self.min_duration is not None:
            pairs.append(("minDuration", seconds_text(self.min_duration)))
        if self.max_duration is not None:
            pairs.append(("maxDuration", seconds_text(self.max_duration)))
        return pairs

    def describe(self) -> str:
        """ "portrait or square, 5-15 s" (an en dash; for the results' heading); "" when unset."""
        words = " or ".join(self.orientations)
        low, high = self.min_duration, self.max_duration
        if low is not None and high is not None:
            length = f"{seconds_text(low)}–{seconds_text(high)} s"
        elif low is not None:
            length = f"at least {seconds_text(low)} s"
        elif high is not None:
            length = f"at most {seconds_text(high)} s"
        else:
            length = ""
        return ", ".join(part for part in (words, length) if part)


def seconds_text(value: float) -> str:
    return f"{value:g}"


def parse_media_filter(data: QueryData) -> tuple[MediaFilter, list[str]]:
    """The media filter from a query string, corrected with a notice rather than refused: an
    unknown orientation is dropped, a duration that is not a number of seconds is ignored, and
    a minimum above the maximum is swapped."""
    notices: list[str] = []
    asked = [value.strip().lower() for value in data.getlist("orientation")]
    unknown = [value for value in asked if value and value not in ORIENTATIONS]
    if unknown:
        notices.append(f"Orientation must be one of {', '.join(ORIENTATIONS)}; ignored the rest.")
    orientations = tuple(o for o in ORIENTATIONS if o in asked)
    low = _seconds(data.get("minDuration", ""), "minDuration", notices)
    high = _seconds(data.get("maxDuration", ""), "maxDuration", notices)
    if low is not None and high is not None and low > high:
        notices.append("minDuration was above maxDuration; swapped them.")
        low, high = high, low
    return MediaFilter(orientations, low, high), notices


def _seconds(raw: str, name: str, notices: list[str]) -> float | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        notices.append(f"{name} must be a number of seconds (0 or more); ignored it.")
        return None
    if value > MAX_DURATION_SECONDS:
        notices.append(f"{name} stops at {MAX_DURATION_SECONDS:,} seconds.")
        value = MAX_DURATION_SECONDS
    return round(value, 2)
