"""Plain text helpers the cards, the boards and the templates share: which URLs may become an
href or src, and a date's compact "3 weeks ago". No templates here: the template filters of the
same names (templatetags/assets_browser.py) wrap these.
"""

from datetime import datetime
from functools import lru_cache
from urllib.parse import urlsplit

from django.utils.html import avoid_wrapping
from django.utils.timesince import TIME_STRINGS
from django.utils.translation import get_language


def http_url(value: object) -> str:
    """The URL if it is an absolute http(s) URL, else "": only those may become href/src."""
    if not isinstance(value, str):
        return ""
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return ""
    return value.strip() if parts.scheme in {"http", "https"} and parts.hostname else ""


def ago(value: datetime | None, now: datetime | None = None, language: str | None = None) -> str:
    """ "3 weeks ago": the largest unit only, for a card's compact date.

    The same words as Django's ``timesince(value, depth=1)`` (tests/test_cards.py compares
    them), worked out here because a page prints up to 100 dates and timesince translates
    and formats every unit of every one: about 10 µs a date, a millisecond a page.
    """
    if not value:
        return ""
    if now is None:
        now = datetime.now(value.tzinfo)
    elif value.tzinfo is not None and now.tzinfo is not None:
        now = now.astimezone(value.tzinfo)  # months are counted in the date's own zone
    unit, count = _largest_unit(value, now)
    return _ago_words(unit, count, language or get_language())


# Below a month, timesince counts these units of fixed length.
_FIXED_UNITS = (("week", 7 * 24 * 3600), ("day", 24 * 3600), ("hour", 3600), ("minute", 60))


def _largest_unit(value: datetime, now: datetime) -> tuple[str, int]:
    """timesince's first non-zero unit: whole calendar years or months, then fixed units."""
    delta = now - value
    if delta.days * 24 * 3600 + delta.seconds <= 0:
        return "minute", 0
    months = (now.year - value.year) * 12 + (now.month - value.month)
    if value.day > now.day or (value.day == now.day and value.time() > now.time()):
        months -= 1
    if months >= 12:
        return "year", months // 12
    if months > 0:
        return "month", months
    seconds = delta.total_seconds()
    for unit, length in _FIXED_UNITS:
        if seconds >= length:
            return unit, int(seconds // length)
    return "minute", 0


@lru_cache(maxsize=512)
def _ago_words(unit: str, count: int, language: str | None) -> str:
    # timesince's own (translated) strings, spaces made non-breaking as it makes them.
    return f"{avoid_wrapping(TIME_STRINGS[unit] % {'num': count})} ago"
