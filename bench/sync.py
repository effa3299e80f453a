"""Benchmark of the catalogue sync at a 100,000-asset library. `make bench-sync`, ~4 minutes.

Loopback only; everything it starts is stopped on the way out. A sandbox in this process (the
stand-in Argil API, 80 ms latency per call like bench/run.py) and a fresh SQLite database (or
DATABASE_URL when it is set), then `manage.py sync_assets` as production runs it (DEBUG off):

1. **first full pass**, measured for real with the budget lifted (ARGIL_SYNC_READS_PER_MINUTE
   at 100,000): wall time, calls made (the sandbox's own count), the process's peak RSS
   (wait4's ru_maxrss). The time at the default budget (240 calls in any 60 s) is *computed*:
   the same calls, each taking the measured mean time, through the same sliding-window rule.
   Pass `--real-default-budget` to run it at 240 for real instead (about 5 minutes more);
2. **freshness with --watch** (default budget, polls every 10 s): an upload is added through
   the sandbox at a random moment, and the time until its row is in the catalogue is measured,
   `--uploads` times;
3. **steady state**: the same watcher with nothing changing, Argil calls counted for 60 s.

Prints a table and appends it to bench/SYNC.md (sample runs, newest last). Exit status 1 when
a target is missed: first pass ≤ 7 min at the default budget, peak RSS ≤ 150 MB, an upload
searchable ≤ 30 s.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import secrets
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from argil_sandbox import SandboxConfig, start_sandbox  # noqa: E402

LIBRARY_SIZE = 100_000
LATENCY_MS = 80
DEFAULT_BUDGET = 240
BUDGET_WINDOW = 60.0
TARGET_PASS_SECONDS = 7 * 60
TARGET_RSS_MB = 150
TARGET_FRESH_SECONDS = 30
STEADY_SECONDS = 60
OUTPUT = ROOT / "bench" / "SYNC.md"
HEADER = """# Catalogue sync benchmark: sample runs

Appended by `bench/sync.py` (`make bench-sync`), one section per run, newest last. Each row
says whether it was measured or computed. 100,000 assets, 80 ms a call, unless a run says.
"""


@dataclass
class Row:
    name: str
    value: str
    note: str = ""
    ok: bool | None = None


def computed_budget_seconds(calls: int, seconds_per_call: float, per_window: int) -> float:
    """Wall time of `calls` sequential calls of `seconds_per_call` each, at most `per_window` of
    them started in any BUDGET_WINDOW seconds (the sync's ReadBudget rule, on a virtual clock)."""
    clock, started = 0.0, deque[float]()
    for _ in range(calls):
        while started and clock - started[0] >= BUDGET_WINDOW:
            started.popleft()
        if len(started) >= per_window:
            clock = started[0] + BUDGET_WINDOW
            started.popleft()
        started.append(clock)
        clock += seconds_per_call
    return clock


def run_command(args: list[str], env: dict[str, str]) -> tuple[int, float, float, str]:
    """Run manage.py `args`; (exit status, seconds, peak RSS in MB, output)."""
    with tempfile.TemporaryFile(mode="w+") as log:
        began = time.monotonic()
        proc = subprocess.Popen(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, stdout=log, stderr=log
        )
        # wait4, not wait: it also gives this child's own peak RSS.
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.monotonic() - began
        log.seek(0)
        output = log.read()
    return proc.returncode, seconds, usage.ru_maxrss / 1024, output


class Catalogue:
    """Reads the catalogue's SQLite file directly, as a second process would."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def has(self, asset_id: str) -> bool:
        with sqlite3.connect(self.path, timeout=5) as db:
            row = db.execute(
                "SELECT 1 FROM assets_browser_catalogueasset WHERE id = ?", (asset_id,)
            ).fetchone()
        return row is not None

    def count(self) -> int:
        with sqlite3.connect(self.path, timeout=5) as db:
            return db.execute("SELECT COUNT(*) FROM assets_browser_catalogueasset").fetchone()[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--library-size", type=int, default=LIBRARY_SIZE)
    parser.add_argument("--uploads", type=int, default=6, help="freshness samples")
    parser.add_argument("--steady-seconds", type=int, default=STEADY_SECONDS)
    parser.add_argument("--real-default-budget", action="store_true")
    args = parser.parse_args()
    key = secrets.token_urlsafe(24)
    began = time.monotonic()
    rows: list[Row] = []
    load_before = os.getloadavg()[0]
    config = SandboxConfig(library_size=args.library_size, latency_ms=LATENCY_MS)
    with tempfile.TemporaryDirectory() as tmp, start_sandbox(api_key=key, config=config) as argil:
        database = Path(tmp) / "catalogue.sqlite3"
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "ARGIL_"))},
            "DJANGO_SETTINGS_MODULE": "argil_dashboard.settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_HTTPS": "0",
            "DJANGO_LOG_FORMAT": "plain",
            "DATABASE_URL": f"sqlite:///{database}",
            "ARGIL_API_KEY": key,
            "ARGIL_API_BASE_URL": argil.base_url,
        }
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        catalogue = Catalogue(database)

        # 1. The first full pass.
        budget = DEFAULT_BUDGET if args.real_default_budget else 100_000
        argil.app.stats.reset()
        status, seconds, rss_mb, output = run_command(
            ["sync_assets"], {**env, "ARGIL_SYNC_READS_PER_MINUTE": str(budget)}
        )
        calls = argil.app.stats.total
        stored = catalogue.count()
        if status != 0 or stored != args.library_size:
            print(output)
            print(f"first pass failed: exit {status}, {stored} rows")
            return 1
        per_call = seconds / calls
        rows.append(Row("library", f"{args.library_size:,} assets", f"{LATENCY_MS} ms a call"))
        rows.append(Row("first pass: calls to Argil", f"{calls:,}", "measured (sandbox stats)"))
        if args.real_default_budget:
            at_default = seconds
            rows.append(
                Row(
                    "first pass at the default budget (240/min)",
                    f"{seconds:.0f} s",
                    "measured",
                    seconds <= TARGET_PASS_SECONDS,
                )
            )
        else:
            rows.append(
                Row(
                    "first pass, budget lifted",
                    f"{seconds:.1f} s",
                    f"measured; {1000 * per_call:.0f} ms a call incl. writes and start-up",
                )
            )
            at_default = computed_budget_seconds(calls, per_call, DEFAULT_BUDGET)
            rows.append(
                Row(
                    "first pass at the default budget (240/min)",
                    f"{at_default:.0f} s ({at_default / 60:.1f} min)",
                    "computed: the measured calls through the budget's sliding window",
                    at_default <= TARGET_PASS_SECONDS,
                )
            )
        rows.append(
            Row(
                "sync process peak RSS",
                f"{rss_mb:.0f} MB",
                "measured (wait4 ru_maxrss)",
                rss_mb <= TARGET_RSS_MB,
            )
        )

        # 2 and 3. The watcher at the default budget.
        watcher = subprocess.Popen(
            [sys.executable, "manage.py", "sync_assets", "--watch", "--plain"],
            cwd=ROOT,
            env={**env, "ARGIL_SYNC_READS_PER_MINUTE": str(DEFAULT_BUDGET)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            delays = []
            dice = random.Random(1)
            for number in range(args.uploads):
                time.sleep(dice.uniform(0, 10))  # a random phase of the 10 s poll
                answer = requests.post(
                    f"{argil.origin}/__sandbox__/assets",
                    json={"status": "PROCESSING", "name": f"Bench upload {number}"},
                    headers={"x-api-key": key},
                    timeout=10,
                ).json()
                uploaded = time.monotonic()
                asset_id = answer["ids"][0]
                while not catalogue.has(asset_id):
                    if time.monotonic() - uploaded > 120:
                        break
                    time.sleep(0.1)
                delays.append(time.monotonic() - uploaded)
            rows.append(
                Row(
                    "new upload searchable (--watch)",
                    f"median {statistics.median(delays):.1f} s, max {max(delays):.1f} s",
                    f"measured, {len(delays)} uploads; polls every 10 s",
                    max(delays) <= TARGET_FRESH_SECONDS,
                )
            )
            time.sleep(2)  # let the last poll finish before counting
            argil.app.stats.reset()
            time.sleep(args.steady_seconds)
            steady = argil.app.stats.total * 60 / args.steady_seconds
            rows.append(
                Row(
                    "steady state, nothing changing (polls only)",
                    f"{steady:.0f} calls/min",
                    f"measured over {args.steady_seconds} s",
                )
            )
            average = steady + calls / 10
            rows.append(
                Row(
                    "steady state with a full pass every 10 min",
                    f"{average:.0f} calls/min on average",
                    f"computed: polls + {calls:,} calls per pass / 10 min",
                )
            )
        finally:
            watcher.send_signal(signal.SIGTERM)
            try:
                watcher.wait(60)
            except subprocess.TimeoutExpired:
                watcher.kill()
                watcher.wait()
        rows.append(Row("watcher exit status on SIGTERM", str(watcher.returncode), "", None))

    total = time.monotonic() - began
    report(rows, total, load_before, os.getloadavg()[0])
    return 0 if all(row.ok is not False for row in rows) else 1


def report(rows: list[Row], total: float, load_before: float, load_after: float) -> None:
    verdict = {True: "PASS", False: "FAIL", None: ""}
    width = max(len(row.name) for row in rows)
    for row in rows:
        print(f"{row.name:<{width}}  {row.value:<34} {verdict[row.ok]:<5} {row.note}")
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"## Run of {stamp} ({total:.0f} s)",
        "",
        f"Machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}; load average {load_before:.1f} at the start, "
        f"{load_after:.1f} at the end. SQLite database; the sandbox in the bench's process.",
        "",
        "| measurement | value | target | how |",
        "|---|---|---|---|",
    ]
    lines += [f"| {r.name} | {r.value} | {verdict[r.ok]} | {r.note} |" for r in rows]
    lines.append("")
    if not OUTPUT.exists():
        OUTPUT.write_text(HEADER)
    with OUTPUT.open("a") as results:  # each run is appended: sample runs, newest last
        results.write("\n" + "\n".join(lines))
    print(f"written to {OUTPUT.relative_to(ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
