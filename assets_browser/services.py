"""Where the views get Argil data: the configured client, and (later) its cache in front."""

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .api import CONNECT_TIMEOUT, ArgilClient, Asset, AssetPage
from .forms import BrowseQuery


@dataclass(frozen=True, slots=True)
class Listing:
    """One page of assets and how fresh it is."""

    page: AssetPage
    fetched_at: datetime
    is_stale: bool = False


def argil_client() -> ArgilClient:
    return _client(settings.ARGIL_API_BASE_URL, settings.ARGIL_API_KEY, settings.ARGIL_API_TIMEOUT)


@cache
def _client(base_url: str, api_key: str, timeout: float) -> ArgilClient:
    # One client per configuration and process: its sessions (one per thread) keep connections
    # to the upstream alive across requests.
    if not base_url.startswith(("https://", "http://")):
        raise ImproperlyConfigured(
            "ARGIL_API_BASE_URL must be an http(s) URL, e.g. https://api.argil.ai/v1"
        )
    return ArgilClient(base_url=base_url, api_key=api_key, timeout=(CONNECT_TIMEOUT, timeout))


def list_assets(query: BrowseQuery) -> Listing:
    page = argil_client().list_assets(
        types=query.types, status=query.status, page=query.page, page_size=query.page_size
    )
    return Listing(page=page, fetched_at=datetime.now(UTC))


def get_asset(asset_id: str) -> Asset:
    return argil_client().get_asset(asset_id)
