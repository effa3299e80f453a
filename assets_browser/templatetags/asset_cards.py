"""`{% asset_cards assets %}`, `{% asset_card asset %}` and `{% pick_toggle asset %}`: cards from
assets_browser/cards.py.

The page's own state (the editor's picks, the CSRF token, where a no-JS form comes back to) is
read from the context once per template render, not once per card.
"""

from collections.abc import Iterable
from typing import Any

from django import template
from django.utils.safestring import SafeString

from .. import cards
from .assets_browser import return_path

register = template.Library()


def _page_state(context: template.Context) -> cards.PageState:
    state = context.render_context.get("asset_cards.page_state")
    if state is None:
        state = cards.PageState(
            picked_ids=context.get("picked_ids") or frozenset(),
            csrf_token=str(context.get("csrf_token") or ""),
            next_path=return_path(context),
            highlight_terms=tuple(context.get("highlight_terms") or ()),
            facts=context.get("media_facts") or {},
            mark_unmeasured=bool(context.get("mark_unmeasured")),
        )
        context.render_context["asset_cards.page_state"] = state
    return state


@register.simple_tag(takes_context=True)
def asset_card(context: template.Context, asset: Any) -> SafeString:
    loop = context.get("forloop")
    return cards.asset_card(
        asset,
        _page_state(context),
        position=loop["counter"] if loop else 1,
        oob=bool(context.get("oob")),
    )


@register.simple_tag(takes_context=True)
def asset_cards(context: template.Context, assets: Iterable[Any]) -> SafeString:
    """Every card of a grid, in order (the first rows load their thumbnails eagerly)."""
    state = _page_state(context)
    return SafeString(
        "".join(
            cards.asset_card(asset, state, position=position)
            for position, asset in enumerate(assets, 1)
        )
    )


@register.simple_tag(takes_context=True)
def pick_toggle(context: template.Context, asset: Any) -> SafeString:
    return cards.pick_toggle(
        asset,
        _page_state(context),
        oob=bool(context.get("pick_oob")),
        error=context.get("pick_error") or "",
    )
