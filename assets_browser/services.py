"""Where the views get Argil data: the configured client, with the upstream cache in front
(assets_browser/upstream_cache.py: short TTLs, one call per cold query, stale copies when Argil
fails)."""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from . import request_log, upstream_cache
from .api import (
    CONNECT_TIMEOUT,
    MAX_PAGE_SIZE,
    ArgilClient,
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


def list_assets(query: BrowseQuery) -> Listing:
    """One page, from the cache when fresh; at most one upstream call, and a stale copy (up to
    15 minutes old) instead of an error while Argil is down or rate limiting."""
    client, scope = argil_client(), _scope()
    params = {
        "types": [t.value for t in query.types],
        "status": query.status.value,
        "page": query.page,
        "page_size": query.page_size,
    }
    pages = {"requested_page": query.page, "requested_page_size": query.page_size}

    loaded: list[AssetPage] = []  # the page this request read from Argil itself, if it did

    def load() -> dict:
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
