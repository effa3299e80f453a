"""Small template helpers: safe media URLs and the pager's page window."""

from datetime import datetime
from functools import lru_cache
from urllib.parse import urlsplit

from django import template
from django.utils.html import avoid_wrapping
from django.utils.timesince import TIME_STRINGS
from django.utils.translation import get_language

from ..forms import BrowseQuery

register = template.Library()

# How many page numbers the pager shows on each side of the current one.
PAGER_RADIUS = 2


@register.filter
def http_url(value: object) -> str:
    """The URL if it is an absolute http(s) URL, else "": only those may become href/src."""
    if not isinstance(value, str):
        return ""
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return ""
    return value.strip() if parts.scheme in {"http", "https"} and parts.hostname else ""


@register.filter
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


@register.simple_tag
def page_url(query: BrowseQuery, number: int) -> str:
    return query.with_page(number).querystring()


def page_window(number: int, num_pages: int) -> list[int | None]:
    """Page numbers to show around the current one, None for a gap: [1, None, 7, 8, 9, None, 90]."""
    if num_pages <= 0:
        return []
    shown = {1, num_pages, *range(number - PAGER_RADIUS, number + PAGER_RADIUS + 1)}
    window: list[int | None] = []
    for n in sorted(p for p in shown if 1 <= p <= num_pages):
        if window and window[-1] is not None and n - window[-1] > 1:
            window.append(None)
        window.append(n)
    return window


@register.inclusion_tag("assets_browser/includes/pager.html")
def pager(query: BrowseQuery, page) -> dict:
    """The pager's links, each URL built once (the template prints each twice: href, hx-get)."""
    numbers = page_window(page.number, page.num_pages) if page.num_pages else []
    urls = {n: query.with_page(n).querystring() for n in numbers if n}
    links = [{"number": n, "url": urls.get(n, ""), "current": n == page.number} for n in numbers]

    def url(number: int | None) -> str:
        return (urls.get(number) or query.with_page(number).querystring()) if number else ""

    return {
        "query": query,
        "page": page,
        "links": links,
        "first_url": url(1) if page.has_previous else "",
        "previous_url": url(page.previous_page_number) if page.has_previous else "",
        "next_url": url(page.next_page_number) if page.has_next else "",
        "last_url": url(page.num_pages) if page.has_next and page.num_pages else "",
    }


# --- Boards and picks ------------------------------------------------------------------------


# Views that render whole pages; other requests (fragments, polls) are not a page to go back to.
PAGE_VIEWS = frozenset({"browse", "asset_detail", "board_list", "board_detail"})


@register.simple_tag(takes_context=True)
def return_path(context) -> str:
    """Where a no-JS form POST comes back to: the page the editor is on ("": the library)."""
    request = context.get("request")
    if request is None:
        return ""
    htmx = getattr(request, "htmx", None)
    if htmx:  # a fragment: the page is the one htmx says it is on
        return htmx.current_url_abs_path or ""
    match = request.resolver_match
    if match is None or match.url_name not in PAGE_VIEWS:
        return ""
    return request.get_full_path()
