"""Search benchmark: a 100,000-asset catalogue, searched and sorted through the browse view.

Measures, in process (Django's test client through every middleware; no network between the
editor and the server, so these are server times):
- search `q` as the editor types it (htmx fragment, what search-as-you-type asks for), p50/p95,
  target <= 30/50 ms; and the catalogue's queries alone (counts + page);
- the sorts (newest, oldest, name) on page 1 and deep in the list;
- the full search page against a warm plain browse page (Argil's answer cached), target <= 2x.

The catalogue is filled from the sandbox's own 100,000-asset seed library (what a sync pass
would store). SQLite by default (a throwaway file); with DATABASE_URL=postgres://... a throwaway
test_<name> database on that server. Prints a table and writes bench/SEARCH.md (a sample run:
other work on the machine skews every figure, and the load average is printed with them).

    .venv/bin/python bench/search.py [--rows 100000]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.harness import Sample  # noqa: E402

RESULTS = ROOT / "bench" / "SEARCH.md"
API_KEY = "bench-search-key"
TARGET_P50_MS, TARGET_P95_MS, TARGET_RATIO = 30.0, 50.0, 2.0
# What editors type, one keystroke at a time where search-as-you-type would ask (after a pause),
# plus whole searches: common and rare words, several words, accents, short words, no match.
SEARCHES = (
    "h", "ha", "har", "harb", "harbour", "harbour d", "harbour dusk", "drone", "drone lisbon",
    "drone flyover kyoto", "cafe", "reykjavik", "montreal dawn", "barista latte", "espresso",
    "4k", "v2", "9:16", "(loop)", "bpm", "lo-fi", "timelapse porto", "glacier", "zzz none",
    "sourdough", "walnut desk lamp", "aerial fjord winter", "portrait", "blue hour", "the",
)  # fmt: skip
REPEAT = 3


def setup_django(database_dir: Path) -> None:
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-not-a-secret")
    os.environ["DJANGO_SETTINGS_MODULE"] = "argil_dashboard.settings"
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ["DJANGO_HTTPS"] = "0"
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver"
    os.environ["DJANGO_LOG_LEVEL"] = "WARNING"
    os.environ["ARGIL_API_KEY"] = API_KEY
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        os.environ["DATABASE_URL"] = f"sqlite:///{database_dir / 'catalogue.sqlite3'}"
    import django

    django.setup()


def fill_catalogue(sandbox, rows: int) -> float:
    """The sandbox's library as catalogue rows; returns the seconds it took."""
    from django.db import connection

    from argil_sandbox.app import asset_json
    from argil_sandbox.library import AssetStatus, AssetType
    from assets_browser.catalogue_search import fold
    from assets_browser.models import CatalogueAsset, SyncState

    started = time.monotonic()
    if connection.vendor == "postgresql":  # commits on disk, as the sync's pass end makes them
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit = on")
    now = datetime.now(UTC)
    library, everything = sandbox.app.library, frozenset(AssetType)
    batch: list[CatalogueAsset] = []
    for status in AssetStatus:
        for asset in library.page(everything, status, 1, rows, now=time.monotonic()).items:
            data = asset_json(asset, sandbox.origin)
            batch.append(
                CatalogueAsset(
                    id=data["id"],
                    name=data["name"] or "",
                    search_name=fold(data["name"] or ""),
                    type=data["type"],
                    status=data["status"],
                    file_url=data["fileUrl"] or "",
                    thumbnail_url=data["thumbnailUrl"] or "",
                    created_at=datetime.fromisoformat(data["createdAt"]),
                    seen_at=now,
                )
            )
    CatalogueAsset.objects.bulk_create(batch, batch_size=2000)
    SyncState.objects.update_or_create(
        pk=1, defaults={"last_full_pass_at": now, "last_synced_at": now}
    )
    if connection.vendor == "postgresql":  # as the sync does at the end of a full pass
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) assets_browser_catalogueasset")
    return time.monotonic() - started


CPU: dict[str, Sample] = {}  # CPU seconds of this process, per measure


def measure(client, url: str, headers: dict | None = None, *, name: str) -> float:
    """Wall time of one request, its CPU time recorded under `name` too: on a machine busy
    with other work the wall time mostly measures waiting for a CPU."""
    started, cpu = time.perf_counter(), time.process_time()
    response = client.get(url, headers=headers or {})
    seconds = time.perf_counter() - started
    CPU.setdefault(name, Sample()).add(time.process_time() - cpu)
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    return seconds


def run(rows: int) -> list[str]:
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    from argil_sandbox import SandboxConfig, start_sandbox
    from assets_browser import catalogue_search
    from assets_browser.browse_query import BrowseQuery

    setup_test_environment()
    # Templates resolve {% static %} from the finders: no collectstatic manifest needed here.
    from django.test.utils import override_settings

    override_settings(
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    ).enable()
    lines: list[str] = []
    pg = connection.vendor == "postgresql"
    if pg:  # a throwaway database beside the one DATABASE_URL names
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    else:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
    try:
        config = SandboxConfig(library_size=rows, latency_ms=80)
        with start_sandbox(api_key=API_KEY, config=config) as sandbox:
            from django.conf import settings

            settings.ARGIL_API_BASE_URL = sandbox.base_url
            print(f"Sandbox up with {rows:,} assets; filling the catalogue...", flush=True)
            fill_seconds = fill_catalogue(sandbox, rows)
            print(f"Filled in {fill_seconds:.1f} s; measuring...", flush=True)
            user = get_user_model().objects.create_user("bench", password="bench-bench-42")
            client = Client()
            client.force_login(user)
            browse = reverse("assets_browser:browse")
            htmx = {"HX-Request": "true"}
            cache.clear()

            def query(q: str, sort: str = "") -> BrowseQuery:
                return BrowseQuery(q=q, sort=sort)

            for q in SEARCHES:  # warm the database's caches and our code once
                client.get(browse, {"q": q}, headers=htmx)
            queries, views, pages = Sample(), Sample(), Sample()
            by_search: dict[str, Sample] = {}
            for _ in range(REPEAT):
                for q in SEARCHES:
                    started, cpu = time.perf_counter(), time.process_time()
                    catalogue_search.search(query(q))
                    queries.add(time.perf_counter() - started)
                    CPU.setdefault("queries", Sample()).add(time.process_time() - cpu)
                    url = f"{browse}?{urlencode({'q': q})}"
                    seconds = measure(client, url, htmx, name="views")
                    views.add(seconds)
                    by_search.setdefault(q, Sample()).add(seconds)
                    pages.add(measure(client, url, name="pages"))
            sorts = {}
            for sort in ("newest", "oldest", "name"):
                sample = Sample()
                for page in (1, 2, 50, 1000):
                    for _ in range(REPEAT):
                        url = f"{browse}?sort={sort}&page={page}"
                        sample.add(measure(client, url, htmx, name=sort))
                sorts[sort] = sample
            measure(client, browse, name="cold")  # Argil asked once, then cached
            plain = Sample()
            for _ in range(len(SEARCHES)):
                plain.add(measure(client, browse, name="plain"))
            ratio = pages.p50 / plain.p50
            with_counts = catalogue_search.catalogue_counts()
    finally:
        if pg:
            connection.creation.destroy_test_db(old_name, verbosity=0)

    version = getattr(connection, "pg_version", 0)  # PostgreSQL's wrapper only
    database = f"PostgreSQL {version // 10000}" if pg else "SQLite"
    if not pg:
        import sqlite3

        database += f" {sqlite3.sqlite_version} (FTS5 trigram)"
    else:
        database += " (pg_trgm GIN)"
    cpu_views = CPU["views"]
    ok_wall = views.p50 <= TARGET_P50_MS and views.p95 <= TARGET_P95_MS
    ok_cpu = cpu_views.p50 <= TARGET_P50_MS and cpu_views.p95 <= TARGET_P95_MS
    cpu_ratio = CPU["pages"].p50 / CPU["plain"].p50

    def row(label, sample, cpu, target=""):
        return (
            f"| {label} | {sample.p50:.1f} | {sample.p95:.1f} | {cpu.p50:.1f} | {cpu.p95:.1f} "
            f"| {target} |"
        )

    def verdict(ok):
        return "PASS" if ok else "FAIL"

    lines += [
        f"Catalogue: {sum(with_counts.values()):,} assets on {database}, filled in "
        f"{fill_seconds:.1f} s. {len(SEARCHES)} searches x {REPEAT}, in process (Django's test "
        "client through every middleware). CPU: this process's CPU time for the same requests "
        "(what the wall time would be with a CPU to itself)"
        + ("; PostgreSQL's own work runs in its server process and is not in it." if pg else "."),
        "",
        "| measure | wall p50 ms | wall p95 ms | CPU p50 ms | CPU p95 ms | target |",
        "|---|---|---|---|---|---|",
        row(
            "search `q`, htmx fragment (the view)",
            views,
            cpu_views,
            f"<= 30 / 50: wall {verdict(ok_wall)}, CPU {verdict(ok_cpu)}",
        ),
        row("search `q`, catalogue queries only", queries, CPU["queries"]),
        row("search `q`, full page", pages, CPU["pages"]),
        row("warm plain browse page (Argil cached)", plain, CPU["plain"]),
        *[
            row(f"sort={s}, fragment, pages 1/2/50/1000", sorts[s], CPU[s])
            for s in ("newest", "oldest", "name")
        ],
        "",
        "Slowest searches (fragment, wall p50 ms): "
        + ", ".join(
            f"`{q}` {sample.p50:.1f}"
            for q, sample in sorted(by_search.items(), key=lambda item: -item[1].p50)[:6]
        )
        + ".",
        "",
        f"Full search page / warm plain page (p50): wall {ratio:.2f}x, CPU {cpu_ratio:.2f}x; "
        f"target <= {TARGET_RATIO:.0f}x: wall {verdict(ratio <= TARGET_RATIO)}, CPU "
        f"{verdict(cpu_ratio <= TARGET_RATIO)}.",
    ]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=100_000, help="assets in the catalogue")
    args = parser.parse_args()
    started, load_before = time.monotonic(), os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="argil-search-bench-") as work:
        setup_django(Path(work))
        lines = run(args.rows)
    from django.db import connection

    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    title = "## PostgreSQL" if connection.vendor == "postgresql" else "## SQLite"
    section = "\n".join(
        [
            title,
            "",
            f"Written by `bench/search.py` on {when}, in {time.monotonic() - started:.0f} s. "
            f"Machine: {os.cpu_count()} CPUs, Python {platform.python_version()}. "
            f"Load average (1 min) {load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at "
            "the end: other work on the machine inflates every wall time.",
            "",
            *lines,
        ]
    )
    print(section)
    write_section(title, section)
    print(f"\nWrote {RESULTS.relative_to(ROOT)} ({title[3:]}).")
    return 0


def write_section(title: str, section: str) -> None:
    """bench/SEARCH.md keeps one section per database: this run's replaces its own."""
    sections = {}
    if RESULTS.exists():
        for part in RESULTS.read_text().split("\n## ")[1:]:
            sections["## " + part.split("\n", 1)[0]] = "## " + part.strip()
    sections[title] = section
    head = "# Search benchmark (sample runs)\n\nWritten by `make bench-search`; see docs/search.md."
    body = "\n\n".join(sections[key] for key in sorted(sections, reverse=True))
    RESULTS.write_text(f"{head}\n\n{body}\n")


if __name__ == "__main__":
    sys.exit(main())
