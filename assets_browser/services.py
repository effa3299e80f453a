"""Where the views get Argil data: the configured client, with the upstream cache in front
(assets_browser/upstream_cache.py: short TTLs, one call per cold query, stale copies when Argil
fails)."""

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any, TypedDict
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from . import breaker, editor_budget, errors, request_log, upstream_cache
from .api import (
    CONNECT_TIMEOUT,
    MAX_PAGE_SIZE,
    ArgilAPIError,
    ArgilBadRequest,
    ArgilClient,
    ArgilNotFound,
    Asset,
    AssetPage,
    AssetStatus,
    AssetType,
    UpstreamCall,
    parse_asset_page,
)
from .browse_query import BrowseQuery

logger = logging.getLogger(__name__)

# A settled (READY, FAILED) or unknown asset's answer may be reused this long where a minute-old
# answer will do: the export, which asks about up to 200 picks (exporting the same board again
# within a minute costs no calls), and the live-status poll. Previews and picks reuse one only
# for upstream_cache.ASSET_TTL. A PROCESSING answer is never reused.
SETTLED_MAX_AGE = 60
# What is kept for an asset Argil does not know (404): a preview of a random id, a deleted pick,
# a status poll of an unknown id. Reused like any answer, so asking again soon costs nothing.
NOT_FOUND = {"notFound": True}
# How long the live-status poll's list of PROCESSING assets is shared: a settled upload shows at
# most this much later than if every poll asked Argil.
PROCESSING_POLL_TTL = 2


@dataclass(frozen=True, slots=True)
class Listing:
    """One page of assets and how fresh it is."""

    page: AssetPage
    fetched_at: datetime
    is_stale: bool = False

    @property
    def age_minutes(self) -> int:
        """Whole minutes since Argil sent this page (for "shown from N minutes ago")."""
        return int((datetime.now(UTC) - self.fetched_at).total_seconds() // 60)


def argil_client() -> ArgilClient:
    return _client(
        settings.ARGIL_API_BASE_URL,
        settings.ARGIL_API_KEY,
        settings.ARGIL_API_TIMEOUT,
        settings.ARGIL_API_POOL_MAXSIZE,
    )


@cache
def _client(base_url: str, api_key: str, timeout: float, pool_maxsize: int) -> ArgilClient:
    # One client per configuration and process: its sessions (one per thread) keep connections
    # to the upstream alive across requests.
    if not base_url.startswith(("https://", "http://")):
        raise ImproperlyConfigured(
            "ARGIL_API_BASE_URL must be an http(s) URL, e.g. https://api.argil.ai/v1"
        )
    return ArgilClient(
        base_url=base_url,
        api_key=api_key,
        timeout=(CONNECT_TIMEOUT, timeout),
        pool_maxsize=pool_maxsize,
        on_call=_observe_upstream,
    )


def _observe_upstream(call: UpstreamCall) -> None:
    """Every call the client makes: counted on the request's log line; a failure also logged
    with its status and Argil's request id (never the key, the base URL or the query)."""
    request_log.record_upstream(call.duration_s, call.status, call.request_id)
    if call.error is None:
        return
    logger.warning(
        "Argil %s %s failed: %s (status %s, request id %s)",
        call.method,
        call.path,
        type(call.error).__name__,
        call.status,
        call.request_id,
        extra={
            "fields": {
                "upstream_method": call.method,
                "upstream_path": call.path,
                "upstream_status": call.status,
                "upstream_request_id": call.request_id,
                "upstream_ms": round(call.duration_s * 1000, 1),
                "error": type(call.error).__name__,
                "reason": getattr(call.error, "reason", None),  # timeout, connection, ...
            }
        },
    )


def _scope() -> str:
    return upstream_cache.scope_of(settings.ARGIL_API_BASE_URL, settings.ARGIL_API_KEY)


def _wait() -> float:
    # Wait for another request's identical call as long as it may take, retries and all (its
    # deadline), and a little more: a waiter that gave up first would call a struggling Argil
    # itself, one more call for each waiting thread.
    return argil_client().deadline + 1


def _guarded[T](upstream: Callable[[], T]) -> T:
    """One upstream call through the circuit breaker and this process's in-flight bound."""
    return breaker.call(_scope(), upstream)


class _ParsedPages:
    """The pages this process last parsed, by cache entry (its key and the time Argil sent it):
    a warm view reads the same entry again and again, and parsing its 100 assets each time cost
    0.6 ms of a 10 ms view. An entry never changes once stored (a new answer has a new time), so
    a page kept here is the entry's own. Pages are immutable, so threads share them."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._pages: dict[tuple[str, float], AssetPage] = {}
        self._lock = threading.Lock()

    def get(self, entry: tuple[str, float]) -> AssetPage | None:
        return self._pages.get(entry)

    def keep(self, entry: tuple[str, float], page: AssetPage) -> AssetPage:
        with self._lock:
            self._pages[entry] = page
            if len(self._pages) > self._size:  # forget the oldest (dicts keep insertion order)
                del self._pages[next(iter(self._pages))]
        return page


_parsed_pages = _ParsedPages(size=256)


class ListParams(TypedDict):
    types: list[str]
    status: str
    page: int
    page_size: int


def list_assets(query: BrowseQuery) -> Listing:
    """One page, from the cache when fresh; at most one upstream call, and a stale copy (up to
    15 minutes old) instead of an error while Argil is down or rate limiting."""
    client, scope = argil_client(), _scope()
    params: ListParams = {
        "types": [t.value for t in query.types],
        "status": query.status.value,
        "page": query.page,
        "page_size": query.page_size,
    }
    pages = {"requested_page": query.page, "requested_page_size": query.page_size}

    loaded: list[AssetPage] = []  # the page this request read from Argil itself, if it did

    def load() -> dict[str, Any]:
        body, headers = _guarded(lambda: client.fetch_asset_list(**params))
        page = parse_asset_page(body, headers, **pages)  # unreadable: never cached
        loaded.append(page)
        _note_processing(page.items)
        _warn_about_unlisted_media(page.items)
        # What is kept is the assets as we read them, not Argil's raw JSON: extra fields (of
        # any size or depth) never reach the cache or the code that walks cached answers.
        return {"body": [asset.to_api() for asset in page.items], "headers": headers}

    key = upstream_cache.list_key(scope, **params)
    answer = upstream_cache.fetch(
        scope,
        key,
        load,
        ttl=settings.ARGIL_CACHE_TTL,
        wait=_wait(),
        lists=True,  # fresh only until a write invalidates the lists of this status
        group=query.status.value,
        allow_stale=True,
        on_miss=_charge_read,
    )
    if loaded and not answer.is_stale:
        page = loaded[-1]  # read once: a cold page is parsed as it arrives, not again
        _parsed_pages.keep((key, answer.fetched_at), page)
    else:
        page = _parsed_pages.get((key, answer.fetched_at)) or _parsed_pages.keep(
            (key, answer.fetched_at),
            parse_asset_page(answer.value["body"], answer.value["headers"], **pages),
        )
    fetched_at = datetime.fromtimestamp(answer.fetched_at, UTC)
    return Listing(page=page, fetched_at=fetched_at, is_stale=answer.is_stale)


def get_asset(asset_id: str, *, max_age: float = upstream_cache.ASSET_TTL) -> Asset:
    """One asset, from the cache while its answer is younger than ``max_age`` seconds (and
    ARGIL_CACHE_TTL); never a cached one that is PROCESSING. A 404 is kept like an answer."""
    client, scope = argil_client(), _scope()
    if not _is_uuid(asset_id):
        raise ArgilNotFound()  # never sent upstream: no call, nothing to charge or keep

    def load() -> dict[str, Any]:
        try:
            value = _guarded(lambda: client.get_asset(asset_id)).to_api()
        except ArgilNotFound:
            return NOT_FOUND
        if value.get("status") == AssetStatus.PROCESSING:
            _note_processing_ids([asset_id])
        return value

    # ARGIL_CACHE_TTL=0 (always ask) holds here too; otherwise the minute is SETTLED_MAX_AGE's.
    longest = SETTLED_MAX_AGE if settings.ARGIL_CACHE_TTL > 0 else 0
    answer = upstream_cache.fetch(
        scope,
        upstream_cache.asset_key(scope, asset_id),
        load,
        ttl=longest,
        max_age=min(max_age, longest),
        wait=_wait(),
        processing_ttl=0,  # a watched upload must show READY as soon as Argil says so
        on_miss=_charge_read,
    )
    if answer.value == NOT_FOUND:
        raise ArgilNotFound(status=404)
    return Asset.from_api(answer.value)


def invalidate_asset_lists(status: AssetStatus | None = None) -> None:
    """After a write: the cached lists of ``status`` (else every list) stop being fresh, so the
    next view of them asks Argil."""
    for each in [status] if status else AssetStatus:
        upstream_cache.invalidate_lists(_scope(), each.value)


def processing_asset_ids() -> frozenset[str]:
    """Ids on the first page (100, newest first) of the workspace's PROCESSING assets.

    The first step of a live-status poll: at most one upstream call, shared by every editor's
    polls for PROCESSING_POLL_TTL seconds (and by a browse of that same page), so that many
    open tabs cost Argil one call every few seconds, not one per tab per poll.
    """
    client, scope = argil_client(), _scope()
    params: ListParams = {
        "types": [],
        "status": AssetStatus.PROCESSING.value,
        "page": 1,
        "page_size": MAX_PAGE_SIZE,
    }

    def load() -> dict[str, Any]:
        body, headers = _guarded(lambda: client.fetch_asset_list(**params))
        page = parse_asset_page(body, headers, requested_page=1, requested_page_size=MAX_PAGE_SIZE)
        _note_processing(page.items)  # unreadable: raised, never kept
        return {"body": [asset.to_api() for asset in page.items], "headers": headers}

    answer = upstream_cache.fetch(
        scope,
        upstream_cache.list_key(scope, **params),
        load,
        ttl=min(PROCESSING_POLL_TTL, settings.ARGIL_CACHE_TTL),
        processing_ttl=PROCESSING_POLL_TTL,
        wait=_wait(),
        lists=True,  # a new upload (create_asset) makes the next poll ask again
        group=AssetStatus.PROCESSING.value,
        on_miss=_charge_read,
    )
    page = parse_asset_page(
        answer.value["body"],
        answer.value["headers"],
        requested_page=1,
        requested_page_size=MAX_PAGE_SIZE,
    )
    return frozenset(asset.id for asset in page.items)


def settled_uploads(asset_ids: list[str]) -> list[str]:
    """Of these assets, found settled (READY, FAILED) or gone, the ones seen PROCESSING before:
    uploads that really finished, which the cached lists do not show yet."""
    return upstream_cache.settled_after_processing(_scope(), asset_ids)


def create_asset(*, name: str, type: AssetType, url: str) -> Asset:
    """Add B-roll by URL. Argil answers with the new asset, PROCESSING; a write is never retried.
    Counts against the editor's writes (EditorBudgetSpent when spent: nothing is sent)."""
    editor_budget.charge("writes")
    try:
        client = argil_client()
        asset = _guarded(lambda: client.create_asset(name=name, type=type, url=url))
    except ArgilBadRequest:
        raise  # refused: nothing was made
    except BaseException:
        # After a timeout Argil may have made it anyway: it would top the PROCESSING lists.
        invalidate_asset_lists(AssetStatus.PROCESSING)
        raise
    _note_processing_ids([asset.id])
    # Only the PROCESSING lists show it; READY and FAILED ones change when it settles (the
    # live-status poll sees that), so one editor's uploads do not empty everyone's cache.
    invalidate_asset_lists(AssetStatus.PROCESSING)
    return asset


# --- Live status -----------------------------------------------------------------------------
# While PROCESSING cards are on a page, the page asks about all of them in ONE request, at 2, 3,
# 5, 8, 13 s, then every 15 s, for at most 10 minutes from the last new one. The server renders
# the poller (an htmx element triggered on load after its delay) with the next step; the answer
# swaps the settled cards out of band and then stops polling (286) when nothing is left.

POLL_DELAYS = (2, 3, 5, 8, 13, 15)  # seconds before each poll; the last one repeats
POLL_FOR = 10 * 60  # seconds from the schedule's start (re-started by every new upload)
# A poll never waits longer than this, whatever Argil's Retry-After says: a rate limit is
# minutes at most, and a browser timer overflows past 2**31 - 1 ms and would fire at once.
POLL_MAX_DELAY = 60
# Upstream calls per poll, at most 1 + STATUS_LOOKUPS_PER_POLL = 6, however many ids: one list
# of the PROCESSING assets (pageSize 100; shared by all polls for PROCESSING_POLL_TTL), then
# get_asset for at most this many of the asked ids missing from it (settled, deleted, or beyond
# the first 100); the rest wait for the next poll, since their cards stay PROCESSING. Settled
# and unknown ids are answered from the cache for a minute (SETTLED_MAX_AGE), so asking about
# the same ids again costs nothing.
STATUS_LOOKUPS_PER_POLL = 5


@dataclass(frozen=True, slots=True)
class StatusPoll:
    """Where a page's live-status schedule is: the step, when it began, and the next wait."""

    step: int
    since: int  # Unix time (s) the schedule began
    wait: int  # seconds before this poll asks

    @classmethod
    def start(cls, now: float | None = None) -> "StatusPoll":
        return cls(step=0, since=int(time.time() if now is None else now), wait=POLL_DELAYS[0])

    @classmethod
    def from_query(cls, data: Mapping[str, str], now: float | None = None) -> "StatusPoll":
        """The schedule a poll's query (step, since) says it is on; garbled means a fresh one."""
        now = int(time.time() if now is None else now)
        try:
            step, since = int(data.get("step", "")), int(data.get("since", ""))
        except ValueError:
            return cls.start(now)
        if not 0 <= step < 10_000 or not now - 24 * 3600 <= since <= now:
            return cls.start(now)
        return cls(step=step, since=since, wait=_delay(step))

    def next(self, retry_after: float | None = None) -> "StatusPoll":
        """The following poll: the next delay, or longer if Argil asked us to wait (capped)."""
        wait = max(_delay(self.step + 1), min(int(retry_after or 0), POLL_MAX_DELAY))
        return StatusPoll(step=self.step + 1, since=self.since, wait=wait)

    def expired(self, now: float | None = None) -> bool:
        return (time.time() if now is None else now) - self.since > POLL_FOR


def _delay(step: int) -> int:
    return POLL_DELAYS[min(step, len(POLL_DELAYS) - 1)]


def status_poll_for(assets: Iterable[Asset]) -> StatusPoll | None:
    """A fresh schedule if any of these assets is PROCESSING (a page, or an upload), else None."""
    if any(asset.status == AssetStatus.PROCESSING for asset in assets):
        return StatusPoll.start()
    return None


@dataclass(frozen=True, slots=True)
class StatusOutcome:
    """What one poll learnt, and what the page does next."""

    settled: tuple[Asset, ...] = ()  # no longer PROCESSING: re-rendered in place
    gone: tuple[str, ...] = ()  # deleted upstream: removed from the page
    next_poll: StatusPoll | None = None  # None: stop polling
    problem: errors.UpstreamProblem | None = None  # Argil did not answer the list call

    @property
    def retry_after(self) -> int | None:
        """The Retry-After to send: Argil's, capped as the next poll's wait is."""
        if self.problem and self.problem.retry_after:
            return min(self.problem.retry_after, POLL_MAX_DELAY)
        return None


def poll_status(ids: list[str], poll: StatusPoll) -> StatusOutcome:
    """One live-status poll over the page's PROCESSING cards (at most 6 upstream calls).

    Cached lists are invalidated only when an upload seen PROCESSING really settled or vanished,
    since a READY list then gains it; an id nobody saw processing changes nothing.
    """
    if not ids or poll.expired():
        return StatusOutcome()
    try:
        processing = processing_asset_ids()
    except ArgilAPIError as exc:  # nothing to swap: ask again later, as Argil asks
        problem = errors.describe(exc)
        return StatusOutcome(next_poll=poll.next(problem.retry_after), problem=problem)
    settled: list[Asset] = []
    gone: list[str] = []
    for asset_id in [i for i in ids if i not in processing][:STATUS_LOOKUPS_PER_POLL]:
        try:
            asset = get_asset(asset_id, max_age=SETTLED_MAX_AGE)
        except ArgilNotFound:
            gone.append(asset_id)
        except editor_budget.EditorBudgetSpent as exc:
            if not settled and not gone:  # nothing learnt: wait as long as the budget says
                problem = errors.describe(exc)
                return StatusOutcome(next_poll=poll.next(problem.retry_after), problem=problem)
            break
        except ArgilAPIError:
            break  # the rest are asked about again on the next poll
        else:
            if asset.status != AssetStatus.PROCESSING:
                settled.append(asset)
    if settled_uploads([a.id for a in settled] + gone):
        invalidate_asset_lists()
    pending = len(ids) - len(settled) - len(gone)
    return StatusOutcome(
        settled=tuple(settled), gone=tuple(gone), next_poll=poll.next() if pending else None
    )


def _charge_read() -> None:
    editor_budget.charge("reads")


def _note_processing(assets: Iterable[Asset]) -> None:
    _note_processing_ids([a.id for a in assets if a.status == AssetStatus.PROCESSING])


def _note_processing_ids(asset_ids: list[str]) -> None:
    upstream_cache.note_processing(_scope(), asset_ids)


_unlisted_media_hosts: set[str] = set()  # already named in this process's log


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _warn_about_unlisted_media(assets: Iterable[Asset]) -> None:
    """Name, once per process, each origin Argil's media comes from that the CSP does not allow
    (ARGIL_MEDIA_HOSTS): those thumbnails and previews are blocked in the browser."""
    allowed = {*settings.ARGIL_MEDIA_HOSTS, origin_of(settings.ARGIL_API_BASE_URL)}
    for asset in assets:
        for url in (asset.thumbnail_url, asset.file_url):
            if not url or not url.startswith(("https://", "http://")):
                continue
            origin = origin_of(url)
            if origin not in allowed and origin not in _unlisted_media_hosts:
                _unlisted_media_hosts.add(origin)
                logger.warning(
                    "Argil sent media from %s, which ARGIL_MEDIA_HOSTS does not list: the "
                    "browser will block it (Content-Security-Policy). Add it if it is Argil's.",
                    origin,
                )


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except (ValueError, TypeError, AttributeError):
        return False
    return len(value) == 36
