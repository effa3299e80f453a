"""Benchmark of the media prober (`make bench-media`, about a minute; loopback only).

Starts the sandbox as its own process with 80 ms latency on every media request (a CDN some way
off), fills a throwaway SQLite catalogue with 100,000 READY assets whose files are the sandbox's
20 sample files (distinct URLs), and measures the worker step as `sync_assets --watch` runs it
(`media_facts.probe_some`, default batch and concurrency, facts written to the database):

- probe throughput, files per second, over PROBE_SECONDS of probing;
- bytes read per file (median and max; every file is read by ranges, never whole);
- the time to find the next batch in a 100,000-row backlog, and to count the progress line;
- the time to probe the whole 100,000-asset backlog at the default concurrency: COMPUTED from
  the measured rate (probing all of them would take the better part of an hour), not measured.

Prints a table and writes bench/MEDIA.md. No pass/fail targets: these are figures to watch.
"""

import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="argil-bench-media-"))
os.environ.update(
    DJANGO_SETTINGS_MODULE="argil_dashboard.settings",
    DJANGO_DEBUG="1",
    DJANGO_LOG_LEVEL="WARNING",
    DATABASE_URL=f"sqlite:///{WORK / 'catalogue.sqlite3'}",
    ARGIL_MEDIA_ALLOW_PRIVATE="1",  # the sandbox is on loopback
)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from assets_browser import media_facts  # noqa: E402
from assets_browser.media_probe import probe  # noqa: E402
from assets_browser.models import CatalogueAsset  # noqa: E402
from bench.harness import answers, free_port, process  # noqa: E402

MEDIA_LATENCY_MS = 80
BACKLOG = 100_000
PROBE_SECONDS = 20.0
MEDIA = [
    *(("VIDEO", f"clip-{n:02}.webm") for n in range(1, 9)),
    *(("IMAGE", f"image-{n:02}.jpg") for n in range(1, 9)),
    *(("AUDIO", f"track-{n:02}.ogg") for n in range(1, 5)),
]


def fill_catalogue(origin: str) -> None:
    now = datetime.now(UTC)
    rows = []
    for n in range(BACKLOG):
        asset_type, name = MEDIA[n % len(MEDIA)]
        rows.append(
            CatalogueAsset(
                id=str(uuid.UUID(int=n)),
                name=f"{name} #{n}",
                type=asset_type,
                status="READY",
                # A distinct URL per asset (the sandbox ignores the query), as in a real library.
                file_url=f"{origin}/media/{name}?copy={n}",
                created_at=now - timedelta(seconds=n),
                seen_at=now,
            )
        )
    CatalogueAsset.objects.bulk_create(rows, batch_size=2000)


def timed(function, repeat: int = 20) -> float:
    """The median of `repeat` runs, in milliseconds."""
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        runs.append((time.perf_counter() - started) * 1000)
    return statistics.median(runs)


def main() -> int:
    call_command("migrate", verbosity=0)
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "argil_sandbox", "--port", str(port)]
    cmd += ["--media-latency-ms", str(MEDIA_LATENCY_MS)]
    with process(
        "sandbox-media", cmd, env=dict(os.environ), ready=answers(f"{origin}/media/image-01.jpg")
    ):
        fill_catalogue(origin)
        next_batch_ms = timed(
            lambda: list(media_facts.backlog().values_list("id")[: media_facts.BATCH])
        )
        progress_ms = timed(media_facts.progress, repeat=5)

        bytes_read: list[int] = []

        def recording_probe(url, asset_type, *, policy):
            facts, read = probe(url, asset_type, policy=policy)
            bytes_read.append(read)
            return facts, read

        started = time.perf_counter()
        handled = 0
        while time.perf_counter() - started < PROBE_SECONDS:
            handled += media_facts.probe_some(prober=recording_probe)
        elapsed = time.perf_counter() - started
        failed = CatalogueAsset.objects.exclude(probe_error="").count()

    rate = handled / elapsed
    backlog_hours = BACKLOG / rate / 3600
    lines = [
        "# Media prober: figures",
        "",
        f"`make bench-media` against the sandbox with {MEDIA_LATENCY_MS} ms latency on every media"
        f" request; a {BACKLOG:,}-row SQLite catalogue; default batch ({media_facts.BATCH})"
        f" and concurrency ({media_facts.CONCURRENCY}). A sample run: load average"
        f" {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores while it ran.",
        "",
        "| figure | value |",
        "|---|---|",
        f"| probe throughput | {rate:.1f} files/s ({handled} files in {elapsed:.1f} s,"
        f" {failed} unreadable) |",
        f"| bytes read per file | median {statistics.median(bytes_read) / 1024:.0f} KB,"
        f" max {max(bytes_read) / 1024:.0f} KB |",
        f"| next batch from a {BACKLOG:,}-row backlog | {next_batch_ms:.2f} ms (median) |",
        f'| progress line ("{media_facts.progress()}") | {progress_ms:.1f} ms (median) |',
        f"| time to probe a {BACKLOG:,}-asset backlog | {backlog_hours:.1f} h"
        f" (computed: {BACKLOG:,} / {rate:.1f} files/s; not measured) |",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    (ROOT / "bench" / "MEDIA.md").write_text(text)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
