"""Small template helpers: safe media URLs and the pager's page window."""

from urllib.parse import urlsplit

from django import template
from django.utils.timesince import timesince

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
def ago(value) -> str:
    """ "3 weeks ago": the largest unit only, for a card's compact date."""
    return f"{timesince(value, depth=1)} ago" if value else ""


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
    numbers = page_window(page.number, page.num_pages) if page.num_pages else []
    links = [
        {
            "number": n,
            "url": query.with_page(n).querystring() if n else "",
            "current": n == page.number,
        }
        for n in numbers
    ]
    return {"query": query, "page": page, "links": links}


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
