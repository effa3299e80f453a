"""The browse query as the dashboard uses it: types, status, page and page size, and its
canonical URL. Plain values only; forms.parse_browse_query builds one from a request's query
string, correcting what it must.

The dashboard's query parameters use the API's own names (`type`, `status`, `page`, `pageSize`),
so a dashboard URL maps one to one onto the upstream query and can be shared.
"""

from dataclasses import dataclass, replace
from urllib.parse import urlencode

from .api import DEFAULT_PAGE_SIZE, AssetStatus, AssetType
from .labels import STATUS_LABELS, TYPE_PLURALS

PAGE_SIZES = (20, 50, 100)
# Far beyond any real library, low enough that page * pageSize stays a sane number upstream.
MAX_PAGE = 100_000


@dataclass(frozen=True, slots=True)
class BrowseQuery:
    types: tuple[AssetType, ...] = ()
    status: AssetStatus = AssetStatus.READY
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE

    @property
    def is_filtered(self) -> bool:
        return bool(self.types) or self.status != AssetStatus.READY

    def with_page(self, page: int) -> "BrowseQuery":
        return replace(self, page=page)

    def querystring(self) -> str:
        """The canonical URL query: defaults left out, so equal queries give equal URLs."""
        pairs: list[tuple[str, str | int]] = [("type", t.value) for t in self.types]
        if self.status != AssetStatus.READY:
            pairs.append(("status", self.status.value))
        if self.page_size != DEFAULT_PAGE_SIZE:
            pairs.append(("pageSize", self.page_size))
        if self.page != 1:
            pairs.append(("page", self.page))
        return "?" + urlencode(pairs) if pairs else "?"

    def describe(self) -> str:
        """What the filters are, in words: "ready videos and images"."""
        kinds = " and ".join(TYPE_PLURALS[t].lower() for t in self.types) or "assets"
        return f"{STATUS_LABELS[self.status].lower()} {kinds}"
