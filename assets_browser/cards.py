"""An asset card and its Pick toggle, as HTML built in Python from format strings.

Why not a template: a page prints up to 100 cards. Through Django's template engine a card
with its Pick toggle cost about 0.25 ms, which alone broke the speed budget (bench/RESULTS.md:
a warm 100-card page must be 5x faster than one upstream call, a cold one at most 20 ms slower).
Built here, 100 cards cost about 0.25 ms warm and 2.5 ms cold (`python bench/cards.py`).

Escaping is by construction, as in Django admin's ``items_for_result``: each piece is one of the
format strings below, filled by ``format_html``, which escapes every value unless it is already
safe HTML (an escaped name, a nested piece, one of the constants escaped once at import). Only
http(s) URLs (``http_url``) become ``src`` or ``href``. A card depends only on its asset and a
few page-wide values, so the finished pieces are kept per process (``_card``, ``_toggle``); only
the page's form fields (its CSRF token) are joined in per view. Templates print cards with the
``{% asset_cards %}``, ``{% asset_card %}`` and ``{% pick_toggle %}`` tags
(templatetags/asset_cards.py), so every card on every page comes from here.
"""

import html
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.safestring import SafeData, SafeString
from django.utils.translation import get_language

from .api import AssetStatus, AssetType
from .catalogue_search import highlight
from .formatting import ago, http_url
from .labels import blocked_reason, status_label, type_label
from .media_labels import Facts


def format_html(template: str, /, **values: object) -> SafeString:
    """Django's ``format_html`` rule (every value escaped unless it is already safe HTML) at a
    cost 100 cards a page can afford: Django's own also checks every value for a lazy
    translation (none is one here), which made a cold page of cards twice as slow."""
    return SafeString(
        template.format_map(
            {
                name: value if isinstance(value, SafeData) else html.escape(str(value))
                for name, value in values.items()
            }
        )
    )


def escape(value: object) -> SafeString:
    """Django's ``conditional_escape``, without the lazy-translation check (see format_html)."""
    if isinstance(value, SafeString):
        return value
    return SafeString(value if isinstance(value, SafeData) else html.escape(str(value)))


NOTHING = SafeString("")
# Cards after this many load their thumbnail lazily: the first rows are above the fold.
EAGER_THUMBNAILS = 8
# The first two rows (four columns at the medium size on a laptop) hold the page's largest image
# (the LCP: which one depends on the thumbnails' own sizes): fetched before anything else.
HIGH_PRIORITY_THUMBNAILS = 8
# Reversed once per script prefix, then filled in with the (escaped) id.
_ID = "00000000-0000-0000-0000-000000000000"

CARD_START = (
    '<li id="asset-{id}" class="card card--{status_class}" data-asset-id="{id}"'
    ' data-type="{type}" data-status="{status}"{preview}{oob}>'
    '<div class="thumb thumb--{type_class}">{thumb}</div>'
    '<div class="card-body">'
    # The title links to the asset page; its ::after stretches over the card, thumbnail
    # included. htmx loads it into the preview dialog instead.
    '<h2 class="card-title" title="{name}"><a class="card-link" href="{link}"'
    ' hx-get="{link}" hx-target="#preview-body" hx-swap="innerHTML"'
    ' hx-sync="#preview:replace" aria-haspopup="dialog">{title}</a></h2>'
    '<div class="card-meta"><span class="badge badge--{type_class}">{type_label}</span>'
    '<span class="badge badge--{status_class}">{status_label}</span>{facts}{created}</div>'
)  # then the card's Pick toggle, and CARD_END
CARD_END = "</div></li>"
THUMBNAIL = '<img src="{src}" alt="{alt}" width="480" height="270" decoding="async"{loading}>'
LAZY = SafeString(' loading="lazy"')
HIGH_PRIORITY = SafeString(' fetchpriority="high"')
PREVIEW_SRC = ' data-preview-src="{src}"'
CARD_SWAP = SafeString(' hx-swap-oob="true"')
# A clip's length and shape, an image's size, music's length (media_labels.Facts.card_line).
FACTS = '<span class="card-facts">{line}</span>'
# Where the page is ordered or filtered by the facts, a card whose facts are unknown says so.
UNMEASURED = SafeString(
    '<span class="card-facts card-facts--unknown" title="Length and shape not measured yet">'
    '<span aria-hidden="true">—</span><span class="visually-hidden">Not measured yet</span></span>'
)
CREATED = '<time datetime="{iso}" title="{exact}">{words}</time>'
GLYPH = (
    '<span class="glyph"><svg aria-hidden="true"><use href="#icon-{icon}"></use></svg>'
    "{label}</span>"
)

# The Pick toggle, in pieces per state: TOGGLE_*_START, the page's form fields (CSRF token,
# return path), TOGGLE_*_END, then an error if any and TOGGLE_END. Every copy on a page is
# matched by data-pick-toggle for out-of-band swaps; its hidden `shown` input tells the server
# it is there. aria-pressed: a toggle button, so screen readers say "pressed"; the name says what.
_TOGGLE_OPEN = (
    '<div class="{classes}" data-pick-toggle="{key}"{swap}>'
    '<input type="hidden" name="shown" value="{key}" data-pick-context>'
)
_FORM_OPEN = (
    '<form class="pick-form" method="post" action="{url}" hx-post="{url}" hx-target="this"'
    ' hx-swap="none" hx-include="[name=tray][data-pick-context]" hx-sync="this:drop">'
)
_HIDDEN_NAME = '<span class="visually-hidden"> {name}</span>'
TOGGLE_FORM_START = _TOGGLE_OPEN + _FORM_OPEN
TOGGLE_ADD_END = (
    '<input type="hidden" name="action" value="add">'
    '<button type="submit" class="pick-button" aria-pressed="false"'
    ' title="Add it to the board"><svg aria-hidden="true"><use href="#icon-pick">'
    '</use></svg> <span class="pick-label">Pick</span>' + _HIDDEN_NAME + "</button></form>"
)
TOGGLE_REMOVE_END = (
    '<input type="hidden" name="action" value="remove">'
    '<button type="submit" class="pick-button is-picked" aria-pressed="true"'
    ' title="Take it off the board"><svg aria-hidden="true"><use href="#icon-check">'
    '</use></svg> <span class="pick-label">Picked</span>' + _HIDDEN_NAME + "</button></form>"
)
TOGGLE_BLOCKED = (  # no form: nothing to post
    _TOGGLE_OPEN + '<button type="button" class="pick-button" disabled aria-pressed="false">'
    '<svg aria-hidden="true"><use href="#icon-pick"></use></svg> '
    '<span class="pick-label">Pick</span>' + _HIDDEN_NAME + "</button>"
    '<span class="pick-why">{reason}</span>'
)
TOGGLE_END = "</div>"
TOGGLE_SWAP = " hx-swap-oob=\"outerHTML:[data-pick-toggle='{key}']\""
PICK_ERROR = '<p class="pick-error" role="alert">{error}</p>'


@dataclass(frozen=True, slots=True)
class _Words:
    """A type's or status's value, class name and label, escaped once at import."""

    value: SafeString
    css: SafeString
    label: SafeString

    @classmethod
    def of(cls, value: str, label: str) -> "_Words":
        return cls(escape(value), escape(value.lower()), escape(label))


_TYPES = {t.value: _Words.of(t.value, type_label(t)) for t in AssetType}
_STATUSES = {s.value: _Words.of(s.value, status_label(s)) for s in AssetStatus}


def _words(known: dict[str, _Words], value: str, label: Callable[[str], str]) -> _Words:
    return known.get(value) or _Words.of(value, label(value))


@lru_cache(maxsize=8)
def _url_patterns(script_prefix: str) -> tuple[SafeString, SafeString]:
    return (
        escape(reverse("assets_browser:asset_detail", kwargs={"asset_id": _ID})),
        escape(reverse("assets_browser:pick_toggle", kwargs={"asset_id": _ID})),
    )


@dataclass(frozen=True, slots=True)
class PageState:
    """What a card needs from the page it is on: the editor's picks, the no-JS form bits and
    the media facts of the page's assets (by lower-case id; one query per page, none per card).

    What every card of a page prints alike is worked out here once, not once per card."""

    picked_ids: frozenset[str] | set[str]
    csrf_token: str
    next_path: str
    highlight_terms: tuple[str, ...] = ()  # a search's folded words, marked in the titles
    facts: Mapping[str, Facts] = field(default_factory=dict)
    mark_unmeasured: bool = False  # a card with no facts says "not measured yet"
    form_fields: SafeString = field(init=False, repr=False)  # the hidden CSRF and return inputs
    url_patterns: tuple[SafeString, SafeString] = field(init=False, repr=False)  # detail, pick
    dates: tuple[datetime, str | None] = field(init=False, repr=False)  # see _created_html

    def __post_init__(self) -> None:
        fields = format_html(
            '<input type="hidden" name="csrfmiddlewaretoken" value="{token}">'
            '<input type="hidden" name="next" value="{next}">',
            token=self.csrf_token,
            next=self.next_path,
        )
        object.__setattr__(self, "form_fields", fields)
        object.__setattr__(self, "url_patterns", _url_patterns(get_script_prefix()))
        minute = int(time.time() // 60) * 60
        now = datetime.fromtimestamp(minute, timezone.get_current_timezone())
        object.__setattr__(self, "dates", (now, get_language()))


@lru_cache(maxsize=16)
def _glyph(icon: str, label: str = "") -> SafeString:
    text = format_html("<span>{label}</span>", label=label) if label else NOTHING
    return format_html(GLYPH, icon=icon, label=text)


def _thumbnail(asset: Any, name: SafeString, kind: _Words, *, loading: SafeString) -> SafeString:
    """The thumbnail, given the card's escaped name."""
    thumb = http_url(asset.thumbnail_url)
    if thumb:
        alt = name if asset.name else f"Untitled {kind.label.lower()} thumbnail"
        return format_html(THUMBNAIL, src=thumb, alt=alt, loading=loading)
    status = str(asset.status)
    if status in ("PROCESSING", "FAILED"):  # said on the thumbnail, not only in the badge
        return _glyph(status.lower(), status_label(status))
    return _glyph(str(asset.type).lower())


@lru_cache(maxsize=4096)
def _created_html(created_at: datetime, now: datetime, language: str | None) -> SafeString:
    created = created_at.astimezone(now.tzinfo)
    # As the date filter's "j F Y, H:i e" prints it, without its per-call formatting cost.
    exact = (
        f"{created.day} {_month_name(created.month, language)} {created.year}, "
        f"{created.hour:02d}:{created.minute:02d} {created.tzname()}"
    )
    return format_html(
        CREATED, iso=created.isoformat(), exact=exact, words=ago(created, now, language)
    )


@lru_cache(maxsize=128)
def _month_name(month: int, language: str | None) -> str:
    return str(MONTHS[month])


# A card (and a Pick toggle's label) shows this many characters of a name, which it prints
# four times (title, link, alt, label); the preview's heading shows the whole name, once.
CARD_NAME_MAX_CHARS = 120


def card_name(asset: Any) -> str:
    """The asset's name for a card (not escaped), cut to CARD_NAME_MAX_CHARS with an ellipsis."""
    name = asset.name or "Untitled"
    if len(name) > CARD_NAME_MAX_CHARS:
        name = name[: CARD_NAME_MAX_CHARS - 1].rstrip() + "…"
    return name


def pick_toggle(asset: Any, state: PageState, *, oob: bool = False, error: str = "") -> SafeString:
    """The Pick/Picked toggle of one asset (an api.Asset or a boards.PickableAsset).

    Every copy on a page (card, preview dialog) is replaced out of band after a click. Only
    READY assets can be picked (the server checks with Argil); a picked one can always be
    taken off.
    """
    key = str(asset.id).lower()
    status = str(asset.status)
    start, end = _toggle(
        key, card_name(asset), status, key in state.picked_ids, oob, state.url_patterns[1]
    )
    blocked = blocked_reason(status)
    problem = format_html(PICK_ERROR, error=error) if error and error != blocked else NOTHING
    if end is None:  # no form, so no form fields
        return SafeString("".join((start, problem, TOGGLE_END)))
    return SafeString("".join((start, state.form_fields, end, problem, TOGGLE_END)))


@lru_cache(maxsize=2048)
def _toggle(
    key: str, name: str, status: str, picked: bool, oob: bool, url_pattern: SafeString
) -> tuple[SafeString, SafeString | None]:
    """A toggle's HTML before and after the page's form fields (None: a toggle with no form).
    Kept per process (as _card): a page's toggles are the same from one view to the next."""
    reason = "" if picked else blocked_reason(status)
    swap = format_html(TOGGLE_SWAP, key=key) if oob else NOTHING
    if reason:
        classes = "pick-toggle is-blocked"
        start = format_html(
            TOGGLE_BLOCKED, classes=classes, key=key, swap=swap, name=name, reason=reason
        )
        return start, None
    classes = "pick-toggle is-picked" if picked else "pick-toggle"
    url = SafeString(url_pattern.replace(_ID, escape(key)))
    start = format_html(TOGGLE_FORM_START, classes=classes, key=key, swap=swap, url=url)
    end = format_html(TOGGLE_REMOVE_END if picked else TOGGLE_ADD_END, name=name)
    return start, end


def asset_card(asset: Any, state: PageState, *, position: int = 1, oob: bool = False) -> SafeString:
    """One card of the grid. Its stable id lets live status swap it out of band."""
    if position > EAGER_THUMBNAILS:
        loading = LAZY
    else:
        loading = HIGH_PRIORITY if position <= HIGH_PRIORITY_THUMBNAILS else NOTHING
    facts = state.facts.get(str(asset.id).lower()) if state.facts else None
    line = facts.card_line if facts else ""
    unmeasured = state.mark_unmeasured and not line and str(asset.status) == "READY"
    start = _card(
        asset,
        loading,
        oob,
        state.dates,
        state.url_patterns[0],
        state.highlight_terms,
        line,
        unmeasured,
    )
    return SafeString("".join((start, pick_toggle(asset, state), CARD_END)))


@lru_cache(maxsize=2048)
def _card(
    asset: Any,
    loading: SafeString,
    oob: bool,
    dates: tuple[datetime, str | None],
    url_pattern: SafeString,
    terms: tuple[str, ...] = (),
    facts_line: str = "",
    unmeasured: bool = False,
) -> SafeString:
    """A card's HTML up to its Pick toggle. It shows nothing but its asset (a frozen, so
    hashable, api.Asset) and these arguments, so it is built once and kept per process (2048
    cards: a few MB); a changed asset, or newly learnt facts, is another key."""
    asset_type, status = str(asset.type), str(asset.status)
    kind = _words(_TYPES, asset_type, type_label)
    state_words = _words(_STATUSES, status, status_label)
    card_id = escape(asset.id)
    name = escape(card_name(asset))
    preview = http_url(asset.file_url) if asset_type == "VIDEO" and status == "READY" else ""
    return format_html(
        CARD_START,
        id=card_id,
        type=kind.value,
        status=state_words.value,
        type_class=kind.css,
        status_class=state_words.css,
        preview=format_html(PREVIEW_SRC, src=preview) if preview else NOTHING,
        oob=CARD_SWAP if oob else NOTHING,
        thumb=_thumbnail(asset, name, kind, loading=loading),
        name=name,
        title=highlight(asset.name, terms) if terms and asset.name else name,
        link=SafeString(url_pattern.replace(_ID, card_id)),
        type_label=kind.label,
        status_label=state_words.label,
        facts=format_html(FACTS, line=facts_line)
        if facts_line
        else (UNMEASURED if unmeasured else NOTHING),
        created=_created_html(asset.created_at, *dates) if asset.created_at else NOTHING,
    )
