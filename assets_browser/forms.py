"""What editors send: the browse query (validated from the URL, never forwarded upstream
unchecked), add-by-URL, live-status ids, board names, notes and preferences."""

import ipaddress
import re
import unicodedata
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.http import QueryDict

from .api import DEFAULT_PAGE_SIZE, UUID_RE, AssetStatus, AssetType
from .browse_query import (
    MAX_PAGE,
    PAGE_SIZES,
    SEARCH_MAX_CHARS,
    SEARCH_MAX_WORDS,
    SORT_LABELS,
    BrowseQuery,
)
from .labels import STATUS_LABELS, TYPE_LABELS, TYPE_PLURALS, UPLOAD_TYPES
from .media_query import parse_media_filter
from .models import (
    ASSET_NAME_MAX_LENGTH,
    BOARD_NAME_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    URL_MAX_LENGTH,
    Board,
    EditorProfile,
)
from .text import clean_line, clean_text


class LineField(forms.CharField):
    """A one-line text field whose NUL and other control characters are dropped (not refused:
    a name pasted from elsewhere may carry them), before the length and other checks."""

    def to_python(self, value):
        return clean_line(super().to_python(value) or "")


class TextField(forms.CharField):
    """LineField for several lines: line breaks are kept."""

    def to_python(self, value):
        return clean_text(super().to_python(value) or "")


class BrowseForm(forms.Form):
    type = forms.MultipleChoiceField(
        choices=[(t.value, label) for t, label in TYPE_PLURALS.items()], required=False
    )
    status = forms.ChoiceField(
        choices=[(s.value, label) for s, label in STATUS_LABELS.items()], required=False
    )
    page = forms.IntegerField(min_value=1, required=False)
    pageSize = forms.TypedChoiceField(  # noqa: N815 - the API's own parameter name
        coerce=int, choices=[(n, n) for n in PAGE_SIZES], required=False
    )
    # Searched in the catalogue; cut (with a notice), not refused, when too long.
    q = forms.CharField(required=False)
    sort = forms.ChoiceField(choices=list(SORT_LABELS.items()), required=False)


def clean_search(raw: str) -> tuple[str, list[str]]:
    """The search as typed, made safe to keep in a URL and send to the database: control
    characters (NUL included: PostgreSQL refuses it) become spaces, white space is collapsed,
    and it is cut at SEARCH_MAX_CHARS characters and SEARCH_MAX_WORDS words."""
    notices: list[str] = []
    text = "".join(" " if unicodedata.category(c) == "Cc" else c for c in raw)
    words = text.split()
    q = " ".join(words)
    if len(q) > SEARCH_MAX_CHARS:
        notices.append(f"Searches are cut at {SEARCH_MAX_CHARS} characters; the rest was left out.")
        q = q[:SEARCH_MAX_CHARS].rstrip()
        words = q.split()
    if len(words) > SEARCH_MAX_WORDS:
        notices.append(f"Only the first {SEARCH_MAX_WORDS} words are searched.")
        q = " ".join(words[:SEARCH_MAX_WORDS])
    return q, notices


def parse_browse_query(data: QueryDict) -> tuple[BrowseQuery, list[str]]:
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
    if "sort" in form.errors:
        notices.append(f"Sort must be one of {', '.join(SORT_LABELS)}; showing the default.")
    q, search_notices = clean_search(data.get("q", ""))
    notices += search_notices
    media, media_notices = parse_media_filter(data)
    notices += media_notices
    query = BrowseQuery(
        types=tuple(AssetType(t) for t in valid_types),
        status=AssetStatus(status) if status else AssetStatus.READY,
        page=page,
        page_size=cleaned.get("pageSize") or DEFAULT_PAGE_SIZE,
        q=q,
        sort=cleaned.get("sort") or "",
        media=media,
    )
    return query, notices


# --- Add B-roll by URL -----------------------------------------------------------------------

HTTP_REFUSED = (
    "Use an https:// link. Argil downloads the file from the public internet, "
    "so plain http (and other schemes) are refused."
)
PRIVATE_REFUSED = (
    "This link points at a local or private address. Argil must be able to download the file "
    "from the public internet: use a public https:// link."
)
# Names that only mean something inside a network (RFC 6761, RFC 6762, common internal zones).
_PRIVATE_SUFFIXES = (".localhost", ".local", ".internal", ".lan", ".home.arpa", ".intranet")


def is_private_host(host: str) -> bool:
    """Loopback, private, link-local or otherwise non-public: a host Argil cannot fetch from.

    Judged from the text only (no DNS lookup: Argil does the fetching, and resolves the name
    itself); a public name that resolves to a private address is Argil's to refuse.
    """
    host = host.lower().rstrip(".")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:  # a name: "localhost", a single label ("nas") or an internal zone
        return host == "localhost" or "." not in host or host.endswith(_PRIVATE_SUFFIXES)
    mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:10.0.0.1 is 10.0.0.1
    return not (mapped or address).is_global


class AddBrollForm(forms.Form):
    name = LineField(
        max_length=ASSET_NAME_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "Harbour at dawn"}),
    )
    type = forms.ChoiceField(
        choices=[(t.value, TYPE_LABELS[t]) for t in UPLOAD_TYPES],
        initial=AssetType.VIDEO.value,
        widget=forms.RadioSelect,
    )
    url = forms.URLField(
        max_length=URL_MAX_LENGTH,
        assume_scheme="https",
        help_text="A public https:// link to the file. Argil downloads and processes it.",
        widget=forms.URLInput(attrs={"placeholder": "https://", "spellcheck": "false"}),
    )

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("auto_id", "add_%s")  # apart from the filter form's ids on one page
        super().__init__(*args, **kwargs)

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        parts = urlsplit(url)
        if parts.scheme != "https":
            raise forms.ValidationError(HTTP_REFUSED, code="https_only")
        if parts.username or parts.password:
            raise forms.ValidationError(
                "Leave user names and passwords out of the link: Argil needs a public file.",
                code="credentials",
            )
        if is_private_host(parts.hostname or ""):
            raise forms.ValidationError(PRIVATE_REFUSED, code="private_host")
        return url

    def add_upstream_error(self, message: str) -> None:
        """Argil's own reason for refusing the asset, next to the field it names (else the URL:
        a file Argil cannot fetch is the likeliest refusal)."""
        mentioned = {
            field: match.start()
            for field in ("name", "type", "url")
            if (match := re.search(rf"\b{field}\b", message, re.IGNORECASE))
        }
        field = min(mentioned, key=mentioned.__getitem__) if mentioned else "url"
        self.add_error(field, f"Argil refused this: {message}")


# --- Live status -----------------------------------------------------------------------------

MAX_STATUS_IDS = 100  # ids one status poll may ask about (a full grid page is 100 at most)


def status_ids(data: QueryDict) -> list[str] | None:
    """The distinct asset ids of a status poll, lower-cased, in order (none: nothing left to
    watch); None if any is not a UUID or there are too many."""
    ids = list(dict.fromkeys(value.strip().lower() for value in data.getlist("id")))
    if len(ids) > MAX_STATUS_IDS or not all(UUID_RE.fullmatch(i) for i in ids):
        return None
    return ids


# --- Boards ----------------------------------------------------------------------------------


class BoardNameForm(forms.Form):
    """A board's name: new or renamed. Unique per editor, whatever the letter case."""

    name = LineField(
        max_length=BOARD_NAME_MAX_LENGTH,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "placeholder": "Spring launch B-roll"}
        ),
    )

    def __init__(self, *args, owner, board: Board | None = None, **kwargs) -> None:
        self.owner = owner
        self.board = board  # the board being renamed; None for a new one
        kwargs.setdefault("auto_id", f"board-{board.pk if board else 'new'}-%s")
        super().__init__(*args, **kwargs)

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())  # no stray or doubled spaces
        others = Board.objects.filter(owner=self.owner, name__iexact=name)
        if self.board is not None:
            others = others.exclude(pk=self.board.pk)
        if others.exists():
            raise forms.ValidationError(f"You already have a board called “{name}”.", code="taken")
        return name


# A bulk action takes at most a full board's worth of ids (boards.MAX_PICKS), and a place on a
# board is at most that.
MAX_BULK_IDS = 200


class PickNoteForm(forms.Form):
    note = TextField(max_length=NOTE_MAX_LENGTH, required=False)


class PickMoveForm(forms.Form):
    """Where to move a pick (or, with ``pick`` ids, several together): ``direction`` up, down,
    top or bottom, or ``to`` a place on the board (1 = the top)."""

    direction = forms.ChoiceField(
        choices=[("up", "Up"), ("down", "Down"), ("top", "Top"), ("bottom", "Bottom")],
        required=False,
    )
    to = forms.IntegerField(min_value=1, max_value=MAX_BULK_IDS, required=False)

    def clean(self) -> dict:
        super().clean()
        cleaned = self.cleaned_data
        given = [v for v in (cleaned.get("direction"), cleaned.get("to")) if v not in ("", None)]
        if not self.errors and len(given) != 1:
            raise forms.ValidationError(
                "Say where to move: direction=up, down, top or bottom, or to=a place (1 = top)."
            )
        if given:
            cleaned["target"] = given[0]
        return cleaned


# --- Many at once ----------------------------------------------------------------------------


def bulk_pick_ids(data: QueryDict) -> list[int] | None:
    """The picks a bulk action names (``pick``, repeated), distinct, in the order given; None
    when there are none, too many, or any is not a pick id."""
    values = data.getlist("pick")
    if not 1 <= len(values) <= MAX_BULK_IDS:
        return None
    if not all(v.isascii() and v.isdigit() and len(v) <= 18 for v in values):
        return None
    return list(dict.fromkeys(int(v) for v in values))


def bulk_asset_ids(data: QueryDict) -> list[str] | None:
    """The assets a bulk pick names (``id``, repeated), lower-cased and distinct, in the order
    given; None when there are none, too many, or any is not an asset id (a UUID)."""
    values = [v.strip() for v in data.getlist("id")]
    if not 1 <= len(values) <= MAX_BULK_IDS or not all(UUID_RE.fullmatch(v) for v in values):
        return None
    return list(dict.fromkeys(v.lower() for v in values))


class BoardShareForm(forms.Form):
    """Share a board with the team (``shared=1``) or stop sharing it (``shared=0``)."""

    shared = forms.TypedChoiceField(
        choices=[("1", "Share"), ("0", "Stop sharing")], coerce=lambda v: v == "1"
    )


# --- Preferences -----------------------------------------------------------------------------


class PreferencesForm(forms.Form):
    """One or more of an editor's look-and-feel preferences (each button posts one of them)."""

    layout = forms.ChoiceField(choices=EditorProfile.Layout.choices, required=False)
    thumb_size = forms.ChoiceField(choices=EditorProfile.ThumbSize.choices, required=False)
    theme = forms.ChoiceField(choices=EditorProfile.Theme.choices, required=False)
    filters = forms.ChoiceField(choices=EditorProfile.Filters.choices, required=False)

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        if not self.errors and not self.changes():
            raise forms.ValidationError(
                "Nothing to save: send layout, thumb_size, theme or filters."
            )
        return cleaned

    def changes(self) -> dict[str, str]:
        """The preferences this POST sets (the rest stay as they were)."""
        return {name: value for name, value in self.cleaned_data.items() if value}
