"""Where the views get Argil data: the configured client, with the upstream cache in front
(assets_browser/upstream_cache.py: short TTLs, one call per cold query, stale copies when Argil
fails)."""

import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any, TypedDict

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from . import errors, request_log, upstream_cache
from .api import (
    CONNECT_TIMEOUT,
    MAX_PAGE_SIZE,
    ArgilAPIError,
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
    # Wait for another request's identical call at most as long as one call may take.
    return CONNECT_TIMEOUT + settings.ARGIL_API_TIMEOUT


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
        body, headers = client.fetch_asset_list(**params)
        loaded.append(parse_asset_page(body, headers, **pages))  # unreadable: never cached
        return {"body": body, "headers": headers}

    answer = upstream_cache.fetch(
        scope,
        upstream_cache.list_key(scope, **params),
        load,
        ttl=settings.ARGIL_CACHE_TTL,
        wait=_wait(),
        lists=True,  # fresh only until a write invalidates the workspace's lists
        allow_stale=True,
    )
    if loaded and not answer.is_stale:
        page = loaded[-1]  # read once: a cold page is parsed as it arrives, not again
    else:
        page = parse_asset_page(answer.value["body"], answer.value["headers"], **pages)
    fetched_at = datetime.fromtimestamp(answer.fetched_at, UTC)
    return Listing(page=page, fetched_at=fetched_at, is_stale=answer.is_stale)


def get_asset(asset_id: str) -> Asset:
    """One asset, from the cache for a few seconds; never a cached one that is PROCESSING."""
    client, scope = argil_client(), _scope()
    answer = upstream_cache.fetch(
        scope,
        upstream_cache.asset_key(scope, asset_id),
        lambda: client.get_asset(asset_id).to_api(),
        ttl=min(upstream_cache.ASSET_TTL, settings.ARGIL_CACHE_TTL),
        wait=_wait(),
        processing_ttl=0,  # a watched upload must show READY as soon as Argil says so
    )
    return Asset.from_api(answer.value)


def invalidate_asset_lists() -> None:
    """After a write: every cached list stops being fresh (the next view asks Argil)."""
    upstream_cache.invalidate_lists(_scope())


def processing_asset_ids() -> frozenset[str]:
    """Ids on the first page (100, newest first) of the workspace's PROCESSING assets.

    One upstream call, the first step of a live-status poll. Never cached: it is how a poll
    learns that an asset has changed.
    """
    page = argil_client().list_assets(status=AssetStatus.PROCESSING, page_size=MAX_PAGE_SIZE)
    return frozenset(asset.id for asset in page.items)


def create_asset(*, name: str, type: AssetType, url: str) -> Asset:
    """Add B-roll by URL. Argil answers with the new asset, PROCESSING; a write is never retried."""
    try:
        return argil_client().create_asset(name=name, type=type, url=url)
    finally:
        # The new asset tops the PROCESSING lists; after a timeout Argil may have made it anyway.
        invalidate_asset_lists()


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
# Upstream calls per poll, at most 1 + STATUS_LOOKUPS_PER_POLL = 11, however many ids: one list
# of the PROCESSING assets (pageSize 100), then get_asset for at most this many of the asked ids
# missing from it (settled, deleted, or beyond the first 100); the rest wait for the next poll,
# since their cards stay PROCESSING.
STATUS_LOOKUPS_PER_POLL = 10


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
    """One live-status poll over the page's PROCESSING cards (at most 11 upstream calls).

    Cached lists are invalidated only when an upload really settled or vanished, since a READY
    list then gains it.
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
            asset = get_asset(asset_id)
        except ArgilNotFound:
            gone.append(asset_id)
        except ArgilAPIError:
            break  # the rest are asked about again on the next poll
        else:
            if asset.status != AssetStatus.PROCESSING:
                settled.append(asset)
    if settled or gone:
        invalidate_asset_lists()
    pending = len(ids) - len(settled) - len(gone)
    return StatusOutcome(
        settled=tuple(settled), gone=tuple(gone), next_poll=poll.next() if pending else None
    )
