"""Micro-benchmark: the time to print one page of 100 cards (`python bench/cards.py`).

What `{% asset_cards %}` costs for a 100-card page, without the network or gunicorn: the page
state once, then 100 cards of mixed types and statuses (a third picked). "warm": the same page
again (its cards are kept per process); "cold": cards never printed before. Prints the median
and best per-page time over several rounds; no target of its own (`make bench` holds those).
"""

import os
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "argil_dashboard.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")

import django

django.setup()

from assets_browser import cards  # noqa: E402
from assets_browser.api import Asset  # noqa: E402
from assets_browser.cards import PageState, asset_card  # noqa: E402

ROUNDS, PAGES_PER_ROUND, CARDS = 15, 20, 100


def assets() -> list[Asset]:
    now = datetime.now(UTC)
    kinds = ("IMAGE", "VIDEO", "AUDIO")
    statuses = ("READY", "READY", "READY", "PROCESSING", "FAILED")
    return [
        Asset.from_api(
            {
                "id": str(uuid.UUID(int=n + 1)),
                "name": f"Harbour at dawn <take {n}> & “pier”",
                "type": kinds[n % 3],
                "status": statuses[n % 5],
                "fileUrl": f"https://cdn.example.com/a/{n}.mp4" if n % 5 < 3 else None,
                "thumbnailUrl": f"https://cdn.example.com/a/{n}.jpg" if n % 7 else None,
                "createdAt": (now - timedelta(hours=7 * n)).isoformat(),
            }
        )
        for n in range(CARDS)
    ]


def one_page(items: list[Asset], picked: frozenset[str]) -> str:
    state = PageState(picked_ids=picked, csrf_token="t" * 64, next_path="/?type=VIDEO&page=2")
    return "".join(asset_card(a, state, position=i) for i, a in enumerate(items, 1))


def forget() -> None:
    """Drop the cards kept per process: the next page is printed from scratch."""
    for kept in (cards._card, cards._toggle, cards._created_html):
        kept.cache_clear()


def measure(label: str, items: list[Asset], picked: frozenset[str], *, cold: bool) -> None:
    one_page(items, picked)  # warm the per-process caches (URL patterns, dates)
    per_page = []
    for _ in range(ROUNDS):
        elapsed = 0.0
        for _ in range(PAGES_PER_ROUND):
            if cold:
                forget()
            start = time.perf_counter()
            one_page(items, picked)
            elapsed += time.perf_counter() - start
        per_page.append(elapsed / PAGES_PER_ROUND * 1000)
    print(
        f"{CARDS} cards per page, {label}: median {statistics.median(per_page):.3f} ms, "
        f"best {min(per_page):.3f} ms ({ROUNDS} rounds of {PAGES_PER_ROUND} pages)"
    )


def main() -> None:
    items = assets()
    picked = frozenset(a.id for a in items[::3])
    measure("warm", items, picked, cold=False)
    measure("cold", items, picked, cold=True)


if __name__ == "__main__":
    main()
