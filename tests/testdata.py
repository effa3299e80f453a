"""Test data shared by the test modules: assets as Argil sends them, the totals headers, htmx.

Realistic names and ids, no factories. Builders return plain JSON (what the fake API serves);
``Asset.from_api(asset(...))`` gives the client's object. Override any field by its API name:
``asset(TAIPEI, "Night market, Taipei", type="IMAGE", fileUrl=None)``.
"""

from typing import Any

# Asset ids, one per realistic clip; tests that need several distinct assets take these.
LISBON = "5b0c6f0e-2f64-4c1e-9a57-0f7a4c1f1a01"
HARBOUR = "6c1d7a1f-3a75-4d2f-8b68-1a8b5d2e2b02"
TAIPEI = "7d2e8b20-4b86-4e30-9c79-2b9c6e3f3c03"
SYNTH = "8e3f9c31-5c97-4f41-8d8a-3cad7f404d04"
PIANO = "9f40ad42-6da8-4052-9e9b-4dbe80515e05"

LISBON_NAME = "Drone flyover, Lisbon rooftops at dusk"
CREATED_AT = "2026-10-30T09:15:00Z"

# The key the client tests give ArgilClient (the Django tests use settings.ARGIL_API_KEY).
API_KEY = "argil-test-key-7f3c9a1e5b2d4c6f8a0b"

# What htmx adds to every request it sends.
HTMX = {"HX-Request": "true"}


def asset_id(n: int) -> str:
    """The n-th of many distinct, valid asset ids (for pages of generated assets)."""
    return f"7d3f6a2e-1c4b-4e8a-9f21-{n:012x}"


def asset(asset_id: str = LISBON, name: str = LISBON_NAME, **fields: Any) -> dict[str, Any]:
    """One asset as the list and detail endpoints send it; media URLs follow the id."""
    slug = asset_id[:8]
    return {
        "id": asset_id,
        "name": name,
        "type": "VIDEO",
        "status": "READY",
        "fileUrl": f"https://cdn.example.com/{slug}.webm",
        "thumbnailUrl": f"https://cdn.example.com/{slug}.jpg",
        "createdAt": CREATED_AT,
        **fields,
    }


def totals(
    total: int | str = 1,
    page: int | str = 1,
    page_size: int | str = 20,
    pages: int | str | None = None,
) -> dict[str, str]:
    """The X-* totals headers of a list answer; ``pages`` defaults to what the others imply."""
    if pages is None:
        pages = max(1, -(-int(total) // int(page_size)))
    return {
        "X-Total-Count": str(total),
        "X-Page": str(page),
        "X-Page-Size": str(page_size),
        "X-Total-Pages": str(pages),
    }


def many_assets(count: int) -> list[dict[str, Any]]:
    """``count`` distinct assets, as a list answer holds them."""
    return [asset(asset_id(n), f"Harbour timelapse, take {n}") for n in range(count)]
