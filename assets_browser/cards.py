"""An asset card and its Pick toggle, as HTML built in Python.

Why not a template: a page prints up to 100 cards. Through Django's template engine a card
with its Pick toggle cost about 0.25 ms, which alone broke the speed budget (bench/RESULTS.md:
a warm 100-card page must be 5x faster than one upstream call, a cold one at most 20 ms slower).
Built here, 100 cards cost about 0.7 ms.

The rules are the templates' rules: every remote string goes through ``e`` (the standard
library's html.escape, which Django's own escape wraps: quotes included), and only http(s) URLs
(``http_url``) become ``src`` or ``href``. A card prints its asset's id, type and status as
they are: Asset.from_api lets only UUIDs and the enums' values through.
Templates print these with the ``{% asset_cards %}``, ``{% asset_card %}`` and
``{% pick_toggle %}`` tags (templatetags/asset_cards.py), so every card on every page comes
from here.
"""

import time
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from html import escape as e
from typing import Any

from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from .formatting import ago, http_url
from .labels import TYPE_LABELS, blocked_reason, status_label, type_label

# Cards after this many load their thumbnail lazily: the first rows are above the fold.
EAGER_THUMBNAILS = 8
# Reversed once per script prefix, then filled in: ids are UUIDs (Asset.from_api and the pick
# views check), so they need no quoting.
_ID = "00000000-0000-0000-0000-000000000000"


@lru_cache(maxsize=8)
def _url_patterns(script_prefix: str) -> tuple[str, str]:
    return (
        reverse("assets_browser:asset_detail", kwargs={"asset_id": _ID}),
        reverse("assets_browser:pick_toggle", kwargs={"asset_id": _ID}),
    )


@dataclass(frozen=True, slots=True)
class PageState:
    """What a card needs from the page it is on: the editor's picks and the no-JS form bits.

    What every card of a page prints alike is worked out here once, not once per card."""

    picked_ids: frozenset[str] | set[str]
    csrf_token: str
    next_path: str
    form_fields: str = field(init=False, repr=False)  # the hidden CSRF and return inputs
    url_patterns: tuple[str, str] = field(init=False, repr=False)  # detail, pick toggle
    dates: tuple[datetime, str | None] = field(init=False, repr=False)  # see _created

    def __post_init__(self) -> None:
        fields = (
            f'<input type="hidden" name="csrfmiddlewaretoken" value="{e(self.csrf_token)}">'
            f'<input type="hidden" name="next" value="{e(self.next_path)}">'
        )
        object.__setattr__(self, "form_fields", fields)
        object.__setattr__(self, "url_patterns", _url_patterns(get_script_prefix()))
        minute = int(time.time() // 60) * 60
        now = datetime.fromtimestamp(minute, timezone.get_current_timezone())
        object.__setattr__(self, "dates", (now, get_language()))


def _glyph(icon: str, label: str = "") -> str:
    text = f"<span>{label}</span>" if label else ""
    svg = f'<svg aria-hidden="true"><use href="#icon-{icon}"></use></svg>'
    return f'<span class="glyph">{svg}{text}</span>'


def _thumbnail(asset: Any, name: str, *, lazy: bool) -> str:
    """The thumbnail, given the card's escaped name."""
    status = str(asset.status)
    thumb = http_url(asset.thumbnail_url)
    if thumb:
        kind = TYPE_LABELS.get(str(asset.type), "asset").lower()
        alt = name if asset.name else f"Untitled {kind} thumbnail"
        loading = ' loading="lazy"' if lazy else ""
        return (
            f'<img src="{e(thumb)}" alt="{alt}" width="480" height="270" decoding="async"{loading}>'
        )
    if status == "PROCESSING":
        return _glyph("processing", "Processing")
    if status == "FAILED":
        return _glyph("failed", "Failed")
    return _glyph(str(asset.type).lower())


def _created(asset: Any, state: PageState) -> str:
    if not asset.created_at:
        return ""
    # A date's "3 weeks ago" is worked out once a minute (as of the minute's start), in the
    # page's time zone and language: the same on every card and page within the minute.
    return _created_html(asset.created_at, *state.dates)


@lru_cache(maxsize=4096)
def _created_html(created_at: datetime, now: datetime, language: str | None) -> str:
    created = created_at.astimezone(now.tzinfo)
    # As the date filter's "j F Y, H:i e" prints it, without its per-call formatting cost.
    exact = (
        f"{created.day} {_month_name(created.month, language)} {created.year}, "
        f"{created.hour:02d}:{created.minute:02d} {created.tzname()}"
    )
    words = ago(created, now, language)
    return f'<time datetime="{created.isoformat()}" title="{e(exact)}">{e(words)}</time>'


@lru_cache(maxsize=128)
def _month_name(month: int, language: str | None) -> str:
    return str(MONTHS[month])


def pick_toggle(asset: Any, state: PageState, *, oob: bool = False, error: str = "") -> SafeString:
    """The Pick/Picked toggle of one asset (an api.Asset or a boards.PickableAsset).

    Every copy on a page (card, preview dialog) is replaced out of band after a click, matched
    by data-pick-toggle; its hidden `shown` input tells the server it is there. Only READY
    assets can be picked (the server checks with Argil); a picked one can always be taken off.
    """
    name = e(asset.name or "Untitled")
    return mark_safe(_pick_toggle(asset, name, str(asset.status), state, oob=oob, error=error))


def _pick_toggle(
    asset: Any, name: str, status: str, state: PageState, *, oob: bool = False, error: str = ""
) -> str:
    """pick_toggle's HTML, given the escaped name (a card has it already)."""
    key = e(str(asset.id).lower())
    picked = key in state.picked_ids
    blocked = blocked_reason(status)
    reason = "" if picked else blocked
    label = f'<span class="visually-hidden"> {name}</span>'
    if picked:
        classes = "pick-toggle is-picked"
    else:
        classes = "pick-toggle is-blocked" if reason else "pick-toggle"
    swap = f" hx-swap-oob=\"outerHTML:[data-pick-toggle='{key}']\"" if oob else ""
    if reason:
        control = (
            '<button type="button" class="pick-button" disabled aria-pressed="false">'
            '<svg aria-hidden="true"><use href="#icon-pick"></use></svg> '
            f'<span class="pick-label">Pick</span>{label}</button>'
            f'<span class="pick-why">{e(reason)}</span>'
        )
    else:
        url = state.url_patterns[1].replace(_ID, key)
        # aria-pressed: a toggle button, so screen readers say "pressed"; the name says what.
        if picked:
            button = (
                '<input type="hidden" name="action" value="remove">'
                '<button type="submit" class="pick-button is-picked" aria-pressed="true"'
                ' title="Take it off the board"><svg aria-hidden="true"><use href="#icon-check">'
                f'</use></svg> <span class="pick-label">Picked</span>{label}</button>'
            )
        else:
            button = (
                '<input type="hidden" name="action" value="add">'
                '<button type="submit" class="pick-button" aria-pressed="false"'
                ' title="Add it to the board"><svg aria-hidden="true"><use href="#icon-pick">'
                f'</use></svg> <span class="pick-label">Pick</span>{label}</button>'
            )
        control = (
            f'<form class="pick-form" method="post" action="{url}" hx-post="{url}"'
            ' hx-target="this" hx-swap="none" hx-include="[name=tray][data-pick-context]"'
            f' hx-sync="this:drop">{state.form_fields}{button}</form>'
        )
    shown_error = error and error != blocked  # said once, not twice
    problem = f'<p class="pick-error" role="alert">{e(error)}</p>' if shown_error else ""
    # Every value above is escaped, or one of our constants.
    return (
        f'<div class="{classes}" data-pick-toggle="{key}"{swap}>'
        f'<input type="hidden" name="shown" value="{key}" data-pick-context>'
        f"{control}{problem}</div>"
    )


def asset_card(asset: Any, state: PageState, *, position: int = 1, oob: bool = False) -> SafeString:
    """One card of the grid. Its stable id lets live status swap it out of band."""
    # The id is a UUID and type and status are enum members (Asset.from_api checks): no markup.
    asset_id, asset_type, status = asset.id, str(asset.type), str(asset.status)
    name = e(asset.name or "Untitled")
    preview = http_url(asset.file_url) if asset_type == "VIDEO" and status == "READY" else ""
    preview_attr = f' data-preview-src="{e(preview)}"' if preview else ""
    oob_attr = ' hx-swap-oob="true"' if oob else ""
    link = state.url_patterns[0].replace(_ID, asset_id)
    type_text, status_text = type_label(asset_type), status_label(status)
    thumb = _thumbnail(asset, name, lazy=position > EAGER_THUMBNAILS)
    toggle = _pick_toggle(asset, name, status, state)
    # The title links to the asset page; its ::after stretches over the card, thumbnail
    # included. htmx loads it into the preview dialog instead.
    return mark_safe(  # every value above is escaped, or one of our constants
        f'<li id="asset-{asset_id}" class="card card--{status.lower()}"'
        f' data-asset-id="{asset_id}" data-type="{asset_type}" data-status="{status}"'
        f"{preview_attr}{oob_attr}>"
        f'<div class="thumb thumb--{asset_type.lower()}">{thumb}</div>'
        '<div class="card-body">'
        f'<h2 class="card-title" title="{name}"><a class="card-link" href="{link}"'
        f' hx-get="{link}" hx-target="#preview-body" hx-swap="innerHTML"'
        f' hx-sync="#preview:replace" aria-haspopup="dialog">{name}</a></h2>'
        f'<div class="card-meta"><span class="badge badge--{asset_type.lower()}">{type_text}'
        f'</span><span class="badge badge--{status.lower()}">{status_text}</span>'
        f"{_created(asset, state)}</div>{toggle}</div></li>"
    )
