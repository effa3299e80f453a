"""The browse query: validated from the URL, never forwarded upstream unchecked.

The dashboard's query parameters use the API's own names (`type`, `status`, `page`, `pageSize`),
so a dashboard URL maps one to one onto the upstream query and can be shared.
"""

from dataclasses import dataclass, replace
from urllib.parse import urlencode

from django import forms
from django.http import QueryDict

from .api import DEFAULT_PAGE_SIZE, AssetStatus, AssetType

PAGE_SIZES = (20, 50, 100)
# Far beyond any real library, low enough that page * pageSize stays a sane number upstream.
MAX_PAGE = 100_000
TYPE_LABELS = {AssetType.IMAGE: "Images", AssetType.VIDEO: "Videos", AssetType.AUDIO: "Audio"}
STATUS_LABELS = {
    AssetStatus.READY: "Ready",
    AssetStatus.PROCESSING: "Processing",
    AssetStatus.FAILED: "Failed",
}


class BrowseForm(forms.Form):
    type = forms.MultipleChoiceField(
        choices=[(t.value, label) for t, label in TYPE_LABELS.items()], required=False
    )
    status = forms.ChoiceField(
        choices=[(s.value, label) for s, label in STATUS_LABELS.items()], required=False
    )
    page = forms.IntegerField(min_value=1, required=False)
    pageSize = forms.TypedChoiceField(  # noqa: N815 - the API's own parameter name
        coerce=int, choices=[(n, n) for n in PAGE_SIZES], required=False
    )


@dataclass(frozen=True, slots=True)
class BrowseQuery:
    types: tuple[AssetType, ...] = ()
    status: AssetStatus = AssetStatus.READY
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE

    @classmethod
    def from_querydict(cls, data: QueryDict) -> tuple["BrowseQuery", list[str]]:
        """The query an editor asked for, with what had to be corrected said in plain words."""
        notices: list[str] = []
        raw_types = data.getlist("type")
        valid_types = sorted({t for t in raw_types if t in AssetType.__members__})
        if len(valid_types) < len(set(raw_types)):
            notices.append("Unknown asset types were ignored.")
        form = BrowseForm({**data.dict(), "type": valid_types})
        form.is_valid()
        cleaned = form.cleaned_data
        status_ok = "status" not in form.errors and len(data.getlist("status")) <= 1
        if not status_ok:
            notices.append("Unknown status; showing ready assets.")
        if "pageSize" in form.errors:
            notices.append(f"Page size must be one of {', '.join(map(str, PAGE_SIZES))}.")
        if "page" in form.errors:
            notices.append("Page must be a whole number from 1; showing page 1.")
        page = cleaned.get("page") or 1
        if page > MAX_PAGE:
            notices.append(f"Pages stop at {MAX_PAGE:,}.")
            page = MAX_PAGE
        status = cleaned.get("status") if status_ok else ""
        query = cls(
            types=tuple(AssetType(t) for t in valid_types),
            status=AssetStatus(status) if status else AssetStatus.READY,
            page=page,
            page_size=cleaned.get("pageSize") or DEFAULT_PAGE_SIZE,
        )
        return query, notices

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
        kinds = " and ".join(TYPE_LABELS[t].lower() for t in self.types) or "assets"
        return f"{STATUS_LABELS[self.status].lower()} {kinds}"
