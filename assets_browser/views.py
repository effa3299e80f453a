from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import wraps
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import IntegrityError, transaction
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    JsonResponse,
    QueryDict,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseStopPolling, push_url, trigger_client_event
from django_htmx.middleware import HtmxDetails

from . import boards, catalogue_search, errors, exports, health, media_facts, services
from .api import ArgilAPIError, ArgilBadRequest, Asset, AssetPage, AssetStatus, AssetType
from .browse_query import PAGE_SIZES, SORT_LABELS, BrowseQuery
from .forms import (
    MAX_BULK_IDS,
    MAX_STATUS_IDS,
    AddBrollForm,
    BoardNameForm,
    BoardShareForm,
    PickMoveForm,
    PickNoteForm,
    PreferencesForm,
    bulk_asset_ids,
    bulk_pick_ids,
    parse_browse_query,
    status_ids,
)
from .labels import STATUS_LABELS, TYPE_PLURALS
from .media_query import DURATION_PRESETS, DURATION_SORTS, ORIENTATIONS
from .models import Board, Pick
from .preferences import preferences_of, save_preferences


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def wants_fragment(request: HtmxHttpRequest) -> bool:
    # A history-restore request (Back after htmx's history cache missed) carries HX-Request
    # too but needs the whole page: do not "simplify" this condition.
    return bool(request.htmx) and not request.htmx.history_restore_request


# A preload of the next page (htmx preload extension, on hover or focus) may be kept by the
# browser this long, so the click that follows reuses it instead of asking again. Everything
# else stays private, no-cache: docs/performance.md says why this is safe.
PRELOAD_MAX_AGE = 10


def preload_cache_control(
    view: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    """Cache-Control for a view the preload extension calls: a 200 fragment asked for as a
    preload (HX-Preloaded: true) may be kept PRELOAD_MAX_AGE seconds; anything else is private,
    no-cache. A view that sets its own Cache-Control (a stale copy: never kept) keeps it."""

    @wraps(view)
    def wrapped(request: HtmxHttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.has_header("Cache-Control"):
            return response
        preload = request.headers.get("HX-Preloaded") == "true" and wants_fragment(request)
        if preload and response.status_code == 200:
            patch_cache_control(response, private=True, max_age=PRELOAD_MAX_AGE)
        else:
            patch_cache_control(response, private=True, no_cache=True)
        return response

    return wrapped


# Browse


@require_GET
@vary_on_headers("HX-Request", "HX-History-Restore-Request")
@preload_cache_control
def browse(request: HtmxHttpRequest) -> HttpResponse:
    query, notices = parse_browse_query(request.GET)
    # Every database read of the page is done before Argil is asked, none while its answer is
    # rendered: the look (otherwise read lazily by the template), the tray, and what the Pick
    # toggles show as picked (derived from the tray: no query per card).
    context = {"query": query, "notices": notices, "prefs": preferences_of(request.user)}
    if wants_fragment(request):  # the results only: one query for the toggles
        context["picked_ids"] = boards.picked_ids(request.user)
    else:  # the filters, the add-by-URL form and the tray around them
        context["tray"] = tray = boards.tray_for(request.user)
        context["picked_ids"] = tray.picked_ids
        context["status_labels"], context["sort_labels"] = STATUS_LABELS, SORT_LABELS
        context["orientations"] = ORIENTATIONS
        context["page_sizes"], context["add_form"] = PAGE_SIZES, AddBrollForm()
    # The catalogue's status line and counts per type, whatever the mode; with a search, a sort
    # or a media filter, the results too (Argil is not asked).
    found = catalogue_search.for_browse(query, TYPE_PLURALS)
    context["catalogue"], context["type_options"] = found.state, found.type_options
    if found.state.is_ready:  # "Media facts: 61,004 of 84,211" beside it (counted every 30 s)
        context["media_progress"] = media_facts.cached_progress()
    context["duration_presets"], context["sort_heads"] = _presets(query), _sort_heads(query)
    # A preset link changes the duration boxes too: they come back out of band then (only
    # then: typing in a box must not have it replaced under the cursor).
    trigger = request.htmx.trigger or "" if request.htmx else ""
    context["duration_oob"] = trigger.startswith("duration-preset-")
    status, stale = 200, False
    if found.page is not None:
        context["page"], context["highlight_terms"] = found.page, found.terms
        if query.media.is_set:  # never silently: how many it could not judge
            context["unmeasured"] = catalogue_search.unmeasured_count(query)
        context["mark_unmeasured"] = query.media.is_set or query.sort in DURATION_SORTS
        status = 404 if found.page.is_past_end else 200
    elif not query.uses_catalogue:
        try:
            listing = services.list_assets(query)
        except ArgilAPIError as exc:
            problem = errors.describe(exc)
            context["problem"] = problem
            status = problem.status_code
        else:
            context["listing"] = listing
            context["page"] = listing.page
            if listing.page.is_past_end:
                status = 404
            stale = listing.is_stale
    shown = context.get("page")
    if isinstance(shown, AssetPage):  # the facts of the cards shown: one query, ids known now
        context["media_facts"] = media_facts.facts_for(a.id for a in shown.items)
    template = "assets_browser/browse.html"
    if wants_fragment(request):
        template += "#results-response"
    response = _with_retry_after(render(request, template, context, status=status), context)
    if wants_fragment(request):
        # The address bar shows the canonical query (defaults left out, corrections applied),
        # not the raw form fields.
        push_url(response, request.path + query.querystring().rstrip("?"))
    if stale:  # a copy from while Argil was failing: never kept, not even as a preload
        patch_cache_control(response, private=True, no_cache=True)
    return response


def _presets(query: BrowseQuery) -> list[tuple[str, str, bool]]:
    """The duration presets: (label, URL, whether it is the current range)."""
    current = (query.media.min_duration, query.media.max_duration)
    return [
        (label, query.with_duration(low, high).querystring(), current == (low, high))
        for label, low, high in DURATION_PRESETS
    ]


@dataclass(frozen=True, slots=True)
class SortHead:
    """A list view column heading that sorts by it: its words, the URL, and the current order
    ("ascending", "descending" or "")."""

    label: str
    url: str
    order: str


# label, the sort for ascending, the sort for descending (a second click turns it around)
SORT_HEADS = (
    ("Name", "name", ""),
    ("Length", "duration", "-duration"),
    ("Added", "oldest", "newest"),
)


def _sort_heads(query: BrowseQuery) -> list[SortHead]:
    heads = []
    for label, ascending, descending in SORT_HEADS:
        order = {ascending: "ascending", descending: "descending"}.get(query.sort, "")
        target = descending if order == "ascending" and descending else ascending
        heads.append(SortHead(label, query.with_sort(target).querystring(), order))
    return heads


# Preview

# Upstream failures for which a preview shows the catalogue's copy instead: Argil is down or
# busy. Not a rejected key (an operator must see it) and not a 404 (the asset is gone).
CATALOGUE_FALLBACK_KINDS = frozenset({"rate_limited", "timeout", "unavailable", "bad_response"})


@require_GET
@vary_on_headers("HX-Request", "HX-History-Restore-Request")
@cache_control(private=True, no_cache=True)
def asset_detail(request: HtmxHttpRequest, asset_id: str) -> HttpResponse:
    """One asset: a full page (deep link), or the preview dialog's content for htmx."""
    context: dict = {"picked_ids": boards.picked_ids(request.user)}  # its Pick toggle's state
    context["facts"], context["facts_state"] = media_facts.facts_of(asset_id)
    status = 200
    try:
        # One spelling of an id for Argil, the cache and the picks. Not a UUID: ArgilNotFound.
        context["asset"] = services.get_asset(asset_id.lower())
    except ArgilAPIError as exc:
        problem = errors.describe(exc, "preview")
        # While Argil is down, the catalogue's copy (marked as such) rather than an error.
        copy = None
        if problem.kind in CATALOGUE_FALLBACK_KINDS:
            copy = catalogue_search.catalogue_copy(asset_id)
        if copy is not None:
            context["asset"], context["catalogue_copy"] = copy, problem
            context["catalogue"] = catalogue_search.catalogue_state()
        else:
            context["problem"] = problem
            status = problem.status_code
    template = "assets_browser/asset_detail.html"
    if wants_fragment(request):
        template += "#asset-preview"
    return _with_retry_after(render(request, template, context, status=status), context)


# Live status


@require_GET
@cache_control(private=True, no_store=True)
def asset_status(request: HtmxHttpRequest) -> HttpResponse:
    """One live-status poll: the settled cards out of band, then the poller again with its next
    delay, or 286 (htmx: stop polling) once nothing asked about is processing."""
    ids = status_ids(request.GET)
    if ids is None:
        return HttpResponseBadRequest(f"Give at most {MAX_STATUS_IDS} asset ids (UUIDs) as ?id=…")
    outcome = services.poll_status(ids, services.StatusPoll.from_query(request.GET))
    html = render_to_string("assets_browser/asset_status.html", {"outcome": outcome}, request)
    if outcome.next_poll is None:
        return HttpResponseStopPolling(html)
    response = HttpResponse(html, status=outcome.problem.status_code if outcome.problem else 200)
    if outcome.retry_after:
        response["Retry-After"] = str(outcome.retry_after)
    return response


# Add B-roll by URL


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request", "HX-History-Restore-Request")
@cache_control(private=True, no_cache=True)
def asset_create(request: HtmxHttpRequest) -> HttpResponse:
    """The add-by-URL form: htmx swaps it in place (422 with the errors); without JS, a page."""
    form = AddBrollForm(request.POST if request.method == "POST" else None)
    context: dict = {"form": form}
    status = 200
    if form.is_bound:
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                asset = services.create_asset(
                    name=data["name"], type=AssetType(data["type"]), url=data["url"]
                )
            except ArgilBadRequest as exc:
                form.add_upstream_error(exc.message)
            except ArgilAPIError as exc:
                context["problem"] = problem = errors.describe(exc, "add")
                status = problem.status_code
            else:
                if not wants_fragment(request):
                    return redirect("assets_browser:asset_detail", asset_id=asset.id)
                context = {"form": AddBrollForm(), "created": asset, **_placed(request, asset)}
                status = 200
    template = "assets_browser/asset_create.html"
    if wants_fragment(request):
        template += "#add-broll-form"
    return _with_retry_after(render(request, template, context, status=status), context)


def _placed(request: HtmxHttpRequest, asset: Asset) -> dict:
    """Where a just-added asset shows: at the top of the grid the editor is looking at if it
    passes its filters (htmx sends the page's address), else a link to a query that lists it."""
    page = urlsplit(request.htmx.current_url or "")
    query, _ = parse_browse_query(QueryDict(page.query))
    on_browse = page.path == reverse("assets_browser:browse")
    known = str(asset.status) in AssetStatus._value2member_map_  # Argil may add a status
    status = AssetStatus(str(asset.status)) if known else AssetStatus.PROCESSING
    return {
        "inserted": on_browse and query.shows_new(str(asset.type), str(asset.status)),
        "browsing": query if on_browse else None,
        "found_in": BrowseQuery(types=(AssetType(asset.type),), status=status),
    }


def _with_retry_after(response: HttpResponse, context: dict) -> HttpResponse:
    if (problem := context.get("problem")) and problem.retry_after:
        response["Retry-After"] = str(problem.retry_after)
    return response


# Health


@login_not_required
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers: answers without login and without calling the upstream. The
    catalogue's age (seconds since the sync last read Argil) lets monitoring see a stalled sync;
    null when the database cannot say (the answer is still 200: the proxy works without it).
    The catalogue part is read off the probe's path (assets_browser/health.py)."""
    return JsonResponse(
        {
            "status": "ok",
            "upstream_configured": bool(settings.ARGIL_API_KEY and settings.ARGIL_API_BASE_URL),
            "sandbox": settings.ARGIL_SANDBOX,
            "catalogue": health.catalogue_health.get(),
        }
    )


# Preferences


@require_POST
@vary_on_headers("HX-Request")
def preferences(request: HtmxHttpRequest) -> HttpResponse:
    """Save the editor's layout, thumbnail size or theme (whichever the POST carries). htmx gets
    204 plus the saved values in a "prefs-saved" event, which preferences.js applies to the page;
    without JS, back to the page, which the server renders with them."""
    form = PreferencesForm(request.POST)
    if not form.is_valid():
        allowed = "; ".join(
            f"{name}: {', '.join(str(value) for value, _ in field.choices)}"  # type: ignore[attr-defined]
            for name, field in form.fields.items()
        )
        return HttpResponseBadRequest(f"Send one of {allowed}.", content_type="text/plain")
    prefs = save_preferences(request.user, form.changes())
    if not request.htmx:
        return _back(request)
    response = HttpResponse(status=204)
    trigger_client_event(response, "prefs-saved", prefs.as_dict())
    return response


# Boards
#
# Every board and pick is looked up through Board.objects.owned_by / Pick.objects.owned_by:
# another editor's id is a 404. A change answers htmx with the tray (its swap target) plus the
# Pick toggles on the page whose state changed, out of band; without JS, it redirects back.


def _shown_ids(request: HttpRequest) -> list[str]:
    """Asset ids whose Pick toggle is on the editor's page (htmx sends them: hx-include)."""
    return boards.clean_asset_ids(request.POST.getlist("shown"))


def _back(request: HttpRequest, *, avoid: str = "") -> HttpResponse:
    """After a no-JS POST: back to the page the form was on (same site only)."""
    target = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    if not safe or (avoid and target.startswith(avoid)):
        target = reverse("assets_browser:browse")
    return redirect(target)


def _render_board(
    request: HtmxHttpRequest, board: Board | None, *, status: int = 200, **extra
) -> HttpResponse:
    """A board's page, or (htmx) its tray: one context for both."""
    context = {"tray": boards.tray_for(request.user, board), **extra}
    template = "assets_browser/board_detail.html"
    if wants_fragment(request):
        template = "assets_browser/includes/tray.html#tray"
    return render(request, template, context, status=status)


@dataclass(frozen=True, slots=True)
class BoardChange:
    """What a board or pick POST did, for its answer (``_board_changed``)."""

    board: Board | None  # the tray to show: this board, else the current one
    changed: Iterable[boards.PickableAsset] = ()  # assets whose Pick toggle may now differ
    # Exactly these toggles (a Pick click knows them); else the changed ones the page shows.
    toggles: Sequence[boards.PickableAsset | Asset] | None = None
    status: int = 200
    tray_oob: bool = False  # the tray swaps out of band (a Pick click targets its toggle)
    avoid: str = ""  # a no-JS answer never goes back to this path (a deleted board's page)
    # A refusal, shown in the tray: the form with its errors, or a sentence.
    create_form: BoardNameForm | None = None
    rename_form: BoardNameForm | None = None
    tray_error: str = ""
    pick_error: str = ""
    tray_notice: str = ""  # what a bulk action or sharing did ("Removed 3 picks.")

    def refusal_context(self) -> dict[str, object]:
        fields = ("create_form", "rename_form", "tray_error", "pick_error", "tray_notice")
        values = {name: getattr(self, name) for name in fields}
        return {name: value for name, value in values.items() if value not in (None, "")}


def _board_changed(request: HtmxHttpRequest, change: BoardChange) -> HttpResponse:
    """The answer to a board POST: the tray and the changed Pick toggles on the page; without
    JS, back to the page (or, on a refusal, the board page)."""
    if not request.htmx:
        if change.status < 400:
            return _back(request, avoid=change.avoid)
        return _render_board(
            request, change.board, status=change.status, **change.refusal_context()
        )
    tray = boards.tray_for(request.user, change.board)
    toggles: Sequence[boards.PickableAsset | Asset] | None = change.toggles
    if toggles is None:
        toggles = boards.toggles_to_refresh(_shown_ids(request), change.changed)
    picked = tray.picked_ids if tray.is_current else None
    if toggles and picked is None:
        picked = boards.picked_ids(request.user)
    context = {
        "tray": tray if (not change.tray_oob or "tray" in request.POST) else None,
        "tray_oob": change.tray_oob,
        "toggles": toggles,
        "picked_ids": picked or frozenset(),
        **change.refusal_context(),
    }
    return render(
        request, "assets_browser/includes/tray.html#tray-response", context, status=change.status
    )


def _viewable_board(request: HttpRequest, board_id: int) -> Board:
    """One of the editor's boards, or one shared with the team: to look at, export or
    duplicate, never to change (every change looks among Board.objects.owned_by: another
    editor's board, shared or not, is a 404 there)."""
    viewable = Board.objects.viewable_by(request.user).select_related("owner")
    return get_object_or_404(viewable, pk=board_id)


@require_GET
@cache_control(private=True, no_cache=True)
def board_list(request: HtmxHttpRequest) -> HttpResponse:
    """Every board of the editor's, with a form for a new one."""
    context = {
        "boards": boards.boards_with_counts(request.user).prefetch_related("picks"),
        "team_boards": boards.team_boards(request.user).prefetch_related("picks"),
        "create_form": BoardNameForm(owner=request.user),
    }
    return render(request, "assets_browser/board_list.html", context)


@require_POST
@vary_on_headers("HX-Request")
def board_create(request: HtmxHttpRequest) -> HttpResponse:
    form = BoardNameForm(request.POST, owner=request.user)
    old = boards.current_board(request.user)
    if form.is_valid():
        try:
            board = boards.create_board(request.user, form.cleaned_data["name"])
        except IntegrityError:  # the same name, created a moment ago in another tab
            form.add_error("name", "You already have a board with this name.")
        else:
            changed = boards.shown_picks(old, _shown_ids(request))
            return _board_changed(request, BoardChange(board, changed=changed))
    return _board_changed(request, BoardChange(old, status=422, create_form=form))


@require_POST
@vary_on_headers("HX-Request")
def board_switch(request: HtmxHttpRequest) -> HttpResponse:
    """Make another of the editor's boards the one Pick adds to (`board` = its id)."""
    board_id = request.POST.get("board", "")
    if not board_id.isascii() or not board_id.isdigit():
        raise Http404("No such board.")
    board = get_object_or_404(Board.objects.owned_by(request.user), pk=int(board_id))
    shown = _shown_ids(request)
    changed = boards.shown_picks(boards.current_board(request.user), shown)
    boards.set_current(request.user, board)
    changed += boards.shown_picks(board, shown)
    return _board_changed(request, BoardChange(board, changed=changed))


@require_GET
@vary_on_headers("HX-Request", "HX-History-Restore-Request")
@cache_control(private=True, no_cache=True)
def board_detail(request: HtmxHttpRequest, board_id: int) -> HttpResponse:
    """A board's page; for htmx, its tray (a confirmation's Cancel comes back here). A board
    another editor shares with the team is shown read-only, with Export and Duplicate."""
    board = _viewable_board(request, board_id)
    if board.owner_id == request.user.pk:
        return _render_board(request, board)
    context = {"board": board, "rows": boards.rows_of(board.picks.all())}
    return render(request, "assets_browser/board_shared.html", context)


@require_POST
@vary_on_headers("HX-Request")
def board_share(request: HtmxHttpRequest, board_id: int) -> HttpResponse:
    """Share a board with the team (shared=1: every editor sees it read-only) or stop (0)."""
    board = get_object_or_404(Board.objects.owned_by(request.user), pk=board_id)
    form = BoardShareForm(request.POST)
    if not form.is_valid():
        error = "Say shared=1 to share this board with the team, or shared=0 to stop."
        return _board_changed(request, BoardChange(board, status=400, tray_error=error))
    boards.set_shared(board, form.cleaned_data["shared"])
    if board.shared:
        notice = "Shared: every editor sees this board under Team boards, read-only."
    else:
        notice = "No longer shared: only you see this board."
    return _board_changed(request, BoardChange(board, tray_notice=notice))


@require_POST
def board_duplicate(request: HtmxHttpRequest, board_id: int) -> HttpResponse:
    """Copy a board (the editor's own, or one shared with the team) into a new board of the
    editor's, picks and notes in order; it becomes the board Pick adds to. Then its page."""
    source = _viewable_board(request, board_id)
    board = boards.duplicate_board(request.user, source)
    return redirect("assets_browser:board_detail", board_id=board.pk)


@require_POST
@vary_on_headers("HX-Request")
def board_rename(request: HtmxHttpRequest, board_id: int) -> HttpResponse:
    board = get_object_or_404(Board.objects.owned_by(request.user), pk=board_id)
    form = BoardNameForm(request.POST, owner=request.user, board=board)
    if form.is_valid():
        try:
            with transaction.atomic():
                boards.rename_board(board, form.cleaned_data["name"])
        except IntegrityError:
            form.add_error("name", "You already have a board with this name.")
        else:
            return _board_changed(request, BoardChange(board))
        board.refresh_from_db()
    return _board_changed(request, BoardChange(board, status=422, rename_form=form))


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request", "HX-History-Restore-Request")
@cache_control(private=True, no_cache=True)
def board_delete(request: HtmxHttpRequest, board_id: int) -> HttpResponse:
    """GET asks for confirmation (in the tray, or a page); POST deletes the board and its picks."""
    board = get_object_or_404(Board.objects.owned_by(request.user), pk=board_id)
    if request.method == "GET":
        return _render_board(request, board, confirm="delete")
    board_url = reverse("assets_browser:board_detail", args=[board.pk])
    shown = _shown_ids(request)
    changed = boards.shown_picks(board, shown)
    successor = boards.delete_board(request.user, board)
    changed += boards.shown_picks(successor, shown)
    return _board_changed(request, BoardChange(successor, changed=changed, avoid=board_url))


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request", "HX-History-Restore-Request")
@cache_control(private=True, no_cache=True)
def board_clear(request: HtmxHttpRequest, board_id: int) -> HttpResponse:
    """GET asks for confirmation; POST removes every pick from the board (the board stays)."""
    board = get_object_or_404(Board.objects.owned_by(request.user), pk=board_id)
    if request.method == "GET":
        return _render_board(request, board, confirm="clear")
    removed = boards.clear_board(board)
    changed = [boards.PickableAsset.from_pick(p) for p in removed]
    return _board_changed(request, BoardChange(board, changed=changed))


@require_GET
@vary_on_headers("HX-Request", "HX-History-Restore-Request")
@cache_control(private=True, no_cache=True)
def board_export(request: HtmxHttpRequest, board_id: int) -> HttpResponse:
    """The export for POST /videos: a preview (page, or the export dialog's content for htmx),
    or with ?format=json|csv a download. Every pick is checked with Argil first: picks that are
    gone or not READY are left out and listed (X-Export-Excluded on downloads); if Argil
    cannot answer, nothing is exported. Boards shared with the team can be exported too."""
    board = _viewable_board(request, board_id)
    fmt = request.GET.get("format", "")
    if fmt not in ("", "json", "csv"):
        return HttpResponseBadRequest("format must be json or csv", content_type="text/plain")
    context: dict = {"board": board}
    marked = 0
    try:
        export = exports.check_board(board)
    except ArgilAPIError as exc:
        problem = errors.describe(exc, "export")
        if fmt:
            message = f"Nothing was exported. {problem.title}: {problem.detail}\n"
            response = HttpResponse(message, status=problem.status_code, content_type="text/plain")
            return _with_retry_after(response, {"problem": problem})
        context["problem"] = problem
        status = problem.status_code
    else:
        if board.owner_id == request.user.pk:  # the tray marks what was left out
            marked = boards.mark_missing(export)
        if fmt:
            return _export_download(export, fmt)
        context["export"] = export
        status = 200
    template = "assets_browser/board_export.html"
    if wants_fragment(request):
        template += "#export-preview"
    response = _with_retry_after(render(request, template, context, status=status), context)
    if marked and wants_fragment(request):
        # The export dialog opened from the tray: the tray behind it marks what was left out
        # (or no longer is) at once, out of band.
        tray = {"tray": boards.tray_for(request.user, board), "tray_oob": True}
        tray_html = render_to_string("assets_browser/includes/tray.html#tray", tray, request)
        response.content += tray_html.encode()
    return response


def _export_download(export: exports.BoardExport, fmt: str) -> HttpResponse:
    if fmt == "json":
        response = HttpResponse(export.json_text(), content_type="application/json")
    else:
        response = HttpResponse(export.csv_text(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, export.filename(fmt))
    # What was left out, for whoever reads the headers (the preview lists them by name).
    response["X-Export-Excluded"] = str(len(export.flagged))
    return response


# Picks


@require_POST
@vary_on_headers("HX-Request")
def pick_toggle(request: HtmxHttpRequest, asset_id: str) -> HttpResponse:
    """Add an asset to the current board (action=add) or take it off (action=remove); without
    an action, whichever it is not. Only the id comes from the page: what is stored comes from
    Argil, and only a READY asset is taken."""
    ids = boards.clean_asset_ids([asset_id])  # a UUID, lower-cased, as picks store it
    if not ids:
        raise Http404("No such asset.")
    asset_key = ids[0]
    action = request.POST.get("action")
    if action not in ("add", "remove"):
        action = "remove" if asset_key in boards.picked_ids(request.user) else "add"
    shown: boards.PickableAsset | Asset = boards.PickableAsset(id=asset_key, name=None)
    error, status = "", 200
    if action == "remove":
        removed = boards.remove_pick(request.user, asset_key)
        if removed is not None:
            shown = boards.PickableAsset.from_pick(removed)
    else:
        try:
            shown = services.get_asset(asset_key)
            boards.add_pick(request.user, shown)
        except ArgilAPIError as exc:
            problem = errors.describe(exc, "pick")
            error, status = problem.title, problem.status_code
        except boards.PickRefused as exc:
            error, status = exc.message, 409
    if not request.htmx and status >= 400:
        return _render_board(request, None, status=status, tray_error=error)
    # Only the toggle and (when the page has one) the tray change: both out of band, so every
    # copy of this toggle (card, preview dialog) follows.
    change = BoardChange(None, toggles=[shown], status=status, tray_oob=True, pick_error=error)
    return _board_changed(request, change)


MOVE_HELP = "Say where to move: up, down, top, bottom, or a place on the board (1 = top)."


@require_POST
@vary_on_headers("HX-Request")
def pick_move(request: HtmxHttpRequest, pick_id: int) -> HttpResponse:
    """Move a pick one place up or down, to the top or the bottom (direction=…), or to any
    place (to=1 is the top): one request, however far."""
    pick = get_object_or_404(Pick.objects.owned_by(request.user), pk=pick_id)
    return _move(request, pick.board, [pick.pk], PickMoveForm(request.POST))


@require_POST
@vary_on_headers("HX-Request")
def picks_move(request: HtmxHttpRequest, board_id: int) -> HttpResponse:
    """Move several picks (pick=…, repeated) together, as a block in their board order: a step,
    to either end, or to a place (to=…). One request and one transaction."""
    board = get_object_or_404(Board.objects.owned_by(request.user), pk=board_id)
    pick_ids = bulk_pick_ids(request.POST)
    if pick_ids is None:
        error = f"Name 1 to {MAX_BULK_IDS} picks to move (pick=…)."
        return _board_changed(request, BoardChange(board, status=400, tray_error=error))
    return _move(request, board, pick_ids, PickMoveForm(request.POST))


def _move(
    request: HtmxHttpRequest, board: Board, pick_ids: list[int], form: PickMoveForm
) -> HttpResponse:
    """The server's order is the truth: a refused or stale move answers with the board's order
    as it is now (the tray, and a "pick-order" event with the pick ids, for a drag to undo)."""
    if not form.is_valid():
        return _order_answer(request, board, status=400, error=MOVE_HELP)
    try:
        boards.move_picks(board, pick_ids, form.cleaned_data["target"])
    except boards.StaleMove as exc:
        return _order_answer(request, board, status=409, error=exc.message)
    return _order_answer(request, board)


def _order_answer(
    request: HtmxHttpRequest, board: Board, *, status: int = 200, error: str = ""
) -> HttpResponse:
    response = _board_changed(request, BoardChange(board, status=status, tray_error=error))
    if request.htmx:
        order = list(board.picks.values_list("pk", flat=True))
        trigger_client_event(
            response, "pick-order", {"board": board.pk, "picks": order, "error": error}
        )
    return response


@require_POST
@vary_on_headers("HX-Request")
def picks_remove(request: HtmxHttpRequest, board_id: int) -> HttpResponse:
    """Take several picks (pick=…, repeated) off a board in one request; "Remove N missing"
    after an export posts the picks it left out."""
    board = get_object_or_404(Board.objects.owned_by(request.user), pk=board_id)
    pick_ids = bulk_pick_ids(request.POST)
    if pick_ids is None:
        error = f"Name 1 to {MAX_BULK_IDS} picks to remove (pick=…)."
        return _board_changed(request, BoardChange(board, status=400, tray_error=error))
    removed = boards.remove_picks(board, pick_ids)
    changed = [boards.PickableAsset.from_pick(p) for p in removed]
    notice = f"Removed {len(removed)} pick{pluralize(len(removed))}."
    return _board_changed(request, BoardChange(board, changed=changed, tray_notice=notice))


@require_POST
@vary_on_headers("HX-Request")
def picks_add(request: HtmxHttpRequest) -> HttpResponse:
    """Pick several assets (id=…, repeated) onto the current board in one request. Argil is
    asked about each (several at a time), as for one Pick; the READY ones are added in the
    order given, the rest are listed with why. If Argil cannot answer, nothing is picked."""
    asset_ids = bulk_asset_ids(request.POST)
    if asset_ids is None:
        error = f"Name 1 to {MAX_BULK_IDS} assets to pick (id=…, each an Argil asset id)."
        return _board_changed(request, BoardChange(None, status=400, tray_error=error))
    try:
        result = boards.pick_assets(request.user, asset_ids)
    except ArgilAPIError as exc:
        problem = errors.describe(exc, "pick")
        error = f"Nothing was picked. {problem.title}: {problem.detail}"
        refusal = BoardChange(None, status=problem.status_code, tray_error=error)
        return _with_retry_after(_board_changed(request, refusal), {"problem": problem})
    status = 409 if result.nothing_picked else 200
    if not request.htmx and result.refused:  # without JS, the board page says what was not
        return _render_board(
            request, None, status=status, tray_error=result.refusals, tray_notice=result.notice
        )
    # htmx: the tray is the answer (the bulk action's target); each named card's toggle follows.
    change = BoardChange(
        None,
        toggles=result.toggles,
        status=status,
        tray_error=result.refusals,
        tray_notice=result.notice,
    )
    return _board_changed(request, change)


@require_POST
@vary_on_headers("HX-Request")
def pick_remove(request: HtmxHttpRequest, pick_id: int) -> HttpResponse:
    pick = get_object_or_404(Pick.objects.owned_by(request.user), pk=pick_id)
    boards.delete_pick(pick)
    removed = boards.PickableAsset.from_pick(pick)
    return _board_changed(request, BoardChange(pick.board, changed=[removed]))


@require_POST
@vary_on_headers("HX-Request")
def pick_note(request: HtmxHttpRequest, pick_id: int) -> HttpResponse:
    """Save a pick's note; htmx swaps just the note form (focus stays where the editor is)."""
    pick = get_object_or_404(Pick.objects.owned_by(request.user), pk=pick_id)
    form = PickNoteForm(request.POST)
    saved = form.is_valid()
    if saved:
        boards.set_note(pick, form.cleaned_data["note"])
    status = 200 if saved else 422
    if not request.htmx:
        if saved:
            return _back(request)
        error = " ".join(str(message) for message in form.errors.get("note", []))
        return _render_board(request, pick.board, status=status, tray_error=error)
    context = {"pick": pick, "note_form": form, "note_saved": saved}
    return render(request, "assets_browser/includes/tray.html#pick-note", context, status=status)
