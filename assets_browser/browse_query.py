"""The browse query as the dashboard uses it: types, status, page and page size, the search
and the sort, and its canonical URL. Plain values only; forms.parse_browse_query builds one
from a request's query string, correcting what it must.

The dashboard's query parameters use the API's own names (`type`, `status`, `page`, `pageSize`),
so a dashboard URL maps one to one onto the upstream query and can be shared.
"""

from dataclasses import dataclass, replace
from urllib.parse import urlencode

from .api import DEFAULT_PAGE_SIZE, AssetStatus, AssetType
from .labels import STATUS_LABELS, TYPE_PLURALS
from .media_query import DURATION_SORTS, MediaFilter

PAGE_SIZES = (20, 50, 100)
# Far beyond any real library, low enough that page * pageSize stays a sane number upstream.
MAX_PAGE = 100_000
# A name is at most 256 characters; a search longer than this is a paste gone wrong, and is cut
# (with a notice) rather than sent to the database.
SEARCH_MAX_CHARS = 100
# Every word must match: past a handful, more words only narrow to nothing and cost a scan each.
SEARCH_MAX_WORDS = 8
NO_MEDIA_FILTER = MediaFilter()
SORT_LABELS = {
    "newest": "Newest first",
    "oldest": "Oldest first",
    "name": "Name (A–Z)",
    **DURATION_SORTS,  # by the media facts: shortest or longest first
}


@dataclass(frozen=True, slots=True)
class BrowseQuery:
    types: tuple[AssetType, ...] = ()
    status: AssetStatus = AssetStatus.READY
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
    q: str = ""  # the search, cleaned (forms.clean_search)
    sort: str = ""  # "" (best match when searching, else Argil's own order), or a SORT_LABELS key
    # Orientation and duration, from the catalogue's facts (frozen, so one default is shared).
    media: MediaFilter = NO_MEDIA_FILTER

    @property
    def is_filtered(self) -> bool:
        return bool(self.types) or self.status != AssetStatus.READY or self.media.is_set

    @property
    def uses_catalogue(self) -> bool:
        """Search and sort come from the catalogue; plain browsing asks Argil live."""
        return bool(self.q or self.sort or self.media.is_set)

    @property
    def filter_count(self) -> int:
        """How many filters are set (a search, each type ticked, a status other than ready, a
        sort): the phone's "Filters (2)" button."""
        set_ = (bool(self.q), self.status != AssetStatus.READY, bool(self.sort))
        return len(self.types) + sum(set_)

    def shows_new(self, asset_type: str, status: str) -> bool:
        """Whether a just-added asset belongs at the top of this query's results: its type and
        status pass the filters, and this is the first page (the newest come first). Not for a
        search or a sort: the catalogue answers those, and it learns of the asset later."""
        if self.uses_catalogue:
            return False
        type_ok = not self.types or asset_type in {t.value for t in self.types}
        return type_ok and status == self.status.value and self.page == 1

    def with_page(self, page: int) -> "BrowseQuery":
        return replace(self, page=page)

    def without_search(self) -> "BrowseQuery":
        """The same filters, browsed live: no search, no sort, page 1."""
        return replace(self, q="", sort="", media=NO_MEDIA_FILTER, page=1)

    def with_sort(self, sort: str) -> "BrowseQuery":
        return replace(self, sort=sort, page=1)

    def with_duration(self, low: float | None, high: float | None) -> "BrowseQuery":
        """The same query with this duration range (a preset's link), from page 1."""
        return replace(self, media=replace(self.media, min_duration=low, max_duration=high), page=1)

    def querystring(self) -> str:
        """The canonical URL query: defaults left out, so equal queries give equal URLs."""
        pairs: list[tuple[str, str | int]] = [("q", self.q)] if self.q else []
        pairs += [("type", t.value) for t in self.types]
        if self.status != AssetStatus.READY:
            pairs.append(("status", self.status.value))
        pairs += self.media.pairs()
        if self.sort:
            pairs.append(("sort", self.sort))
        if self.page_size != DEFAULT_PAGE_SIZE:
            pairs.append(("pageSize", self.page_size))
        if self.page != 1:
            pairs.append(("page", self.page))
        return "?" + urlencode(pairs) if pairs else "?"

    def describe(self) -> str:
        """What the filters are, in words: "ready videos and images"."""
        kinds = " and ".join(TYPE_PLURALS[t].lower() for t in self.types) or "assets"
        words = f"{STATUS_LABELS[self.status].lower()} {kinds}"
        if self.media.is_set:
            words = f"{words} ({self.media.describe()})"
        return f"{words} matching “{self.q}”" if self.q else words
