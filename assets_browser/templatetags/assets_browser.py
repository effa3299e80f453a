"""Small template helpers: safe media URLs and compact dates (formatting.py), type and status
words (labels.py), the pager's page window, and where a no-JS form comes back to."""

from django import template

from .. import formatting, labels, services
from ..api import Asset
from ..browse_query import BrowseQuery
from ..models import ASSET_NAME_MAX_LENGTH, BOARD_NAME_MAX_LENGTH, NOTE_MAX_LENGTH, URL_MAX_LENGTH

register = template.Library()

# How many page numbers the pager shows on each side of the current one.
PAGER_RADIUS = 2


register.filter("http_url", formatting.http_url)
register.filter("ago", formatting.ago)
register.filter("type_label", labels.type_label)
register.filter("status_label", labels.status_label)

# The length limits, as the models hold them, for hand-written inputs' maxlength.
MAX_LENGTHS = {
    "asset_name": ASSET_NAME_MAX_LENGTH,
    "board_name": BOARD_NAME_MAX_LENGTH,
    "note": NOTE_MAX_LENGTH,
    "url": URL_MAX_LENGTH,
}


@register.simple_tag
def max_length(field: str) -> int:
    """``{% max_length "board_name" %}``: a KeyError for an unknown field, not a silent blank."""
    return MAX_LENGTHS[field]


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
    urls: dict[int | None, str] = {n: query.with_page(n).querystring() for n in numbers if n}
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


@register.inclusion_tag("assets_browser/asset_status.html#status-poll")
def status_poll(assets, oob: bool = False) -> dict:
    """The live-status poller for a page's cards (or one new upload, out of band): active while
    any of them is PROCESSING, else an idle placeholder an upload can restart."""
    if isinstance(assets, Asset):
        assets = [assets]
    return {"poll": services.status_poll_for(assets or ()), "oob": oob}
