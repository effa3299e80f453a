"""How media facts read on a card, in the preview and in an export: "0:07 · 9:16", "1920x1080"
(with a multiplication sign), "2:31", "1.4 MB". Plain functions of plain values, no Django.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Aspect ratios editors name, and the widest gap from one that still reads as it (2%, as square).
NAMED_RATIOS = ("16:9", "9:16", "1:1", "4:3", "3:4", "4:5", "5:4", "3:2", "2:3", "21:9", "9:21")
RATIO_TOLERANCE = 0.02
ORIENTATION_LABELS = {"landscape": "Landscape", "portrait": "Portrait", "square": "Square"}


def duration_label(seconds: float | None) -> str:
    """ "0:07", "2:31", "1:02:05"; "" when unknown. Rounded to the second, never down to 0:00."""
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return ""
    whole = max(1, round(seconds)) if seconds > 0 else 0
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"


def aspect_label(width: int | None, height: int | None) -> str:
    """ "9:16" when the shape is within 2% of a ratio editors name; else "" (then: orientation)."""
    if not width or not height:
        return ""
    ratio = width / height
    for name in NAMED_RATIOS:
        w, h = (int(part) for part in name.split(":"))
        if abs(ratio / (w / h) - 1) <= RATIO_TOLERANCE:
            return name
    return ""


def dimensions_label(width: int | None, height: int | None) -> str:
    return f"{width}×{height}" if width and height else ""


def size_label(size: int | None) -> str:
    """ "840 KB", "1.4 MB", "2.1 GB" (decimal units, as file managers show them)."""
    if size is None or size < 0:
        return ""
    for unit, scale in (("GB", 10**9), ("MB", 10**6), ("KB", 10**3)):
        if size >= scale:
            value = size / scale
            return f"{value:.1f} {unit}" if value < 10 else f"{value:.0f} {unit}"
    return f"{size} B"


@dataclass(frozen=True, slots=True)
class Facts:
    """What is known of one file (a catalogue row's facts); hashable, so cards can key on it."""

    asset_type: str
    duration_seconds: float | None = None
    width: int | None = None
    height: int | None = None
    orientation: str = ""
    frame_rate: float | None = None
    codec: str = ""
    file_format: str = ""
    file_size: int | None = None

    @property
    def duration(self) -> str:
        return duration_label(self.duration_seconds)

    @property
    def shape(self) -> str:
        """ "9:16", or the orientation's word when the ratio has no common name."""
        return aspect_label(self.width, self.height) or ORIENTATION_LABELS.get(self.orientation, "")

    @property
    def dimensions(self) -> str:
        return dimensions_label(self.width, self.height)

    @property
    def size(self) -> str:
        return size_label(self.file_size)

    @property
    def card_line(self) -> str:
        """The card's short line: a clip's length and shape, an image's size, music's length."""
        if self.asset_type == "VIDEO":
            return " · ".join(part for part in (self.duration, self.shape) if part)
        if self.asset_type == "IMAGE":
            return self.dimensions
        return self.duration
