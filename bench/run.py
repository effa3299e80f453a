"""Benchmark: how fast the dashboard answers, and how little it asks Argil. `make bench`.

One run, loopback only, bounded in time (RUN_BUDGET), and everything it starts is stopped on the
way out (also on Ctrl-C or a failure):

1. two sandboxes in this process (the stand-in Argil API, 80 ms latency per call): the sample
   library of 240 assets, and one of 100,000;
2. a throwaway redis-server (the shared cache production uses, REDIS_URL), or the Redis that
   REDIS_URL names; without redis-server the run stops and says how to install it (the targets
   assume a shared cache); --no-redis measures the per-process memory cache instead;
3. the dashboard under gunicorn as in production (gunicorn.conf.py, DEBUG off, collectstatic
   done, a fresh SQLite database with a bench editor), once per sandbox;
4. measurements, a table on stdout, PASS/FAIL per target, and bench/RESULTS.md.

What is measured (p50 and p95 over sequential requests from one logged-in editor):
- (a) a direct call to the sandbox, (b) a cold dashboard view (a page number never asked before,
  so the cache misses and the view calls the sandbox once), (c) a warm view (the same page
  again: a cache hit, as a full page and as the htmx fragment paging gets), for pageSize 20 and
  100, against the 100,000-asset library, which has enough pages for a fresh one every time;
  taken in interleaved rounds, so load from elsewhere on the machine skews them alike; and the
  dashboard's CPU time per view (gunicorn's processes, from /proc), which such load hardly moves;
- the same warm view against the 240- and the 100,000-asset library;
- throughput of warm views with 16 editors at once (bounded by count and by time);
- upstream calls (the sandbox's own stats endpoint) for 100 identical views by 16 editors,
  starting cold, and for a preload followed by the click it prepares;
- response sizes (page, fragment, static files) as sent over the wire.

No extra dependency: requests and threads. Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import secrets
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from argil_sandbox import SandboxConfig, start_sandbox  # noqa: E402
from bench.harness import (  # noqa: E402 (helpers shared with bench/loadtest.py)
    LOGS,
    Sample,
    answers,
    free_port,
    http,
    manage,
    process,
    redis_pings,
)
from bench.harness import login as harness_login  # noqa: E402

RESULTS = ROOT / "bench" / "RESULTS.md"

RUN_BUDGET = 240  # seconds for the whole run; every loop checks it
LATENCY_MS = 80  # the sandbox's delay per call: a real API across the internet
BIG_LIBRARY = 100_000
PAGE_SIZES = (20, 100)
TRIO_ROUNDS = 40  # rounds of direct, cold, warm and fragment; a round costs ~2 x LATENCY_MS
CPU_VIEWS = 25  # views per CPU-time figure (/proc counts in 10 ms ticks: enough views to average)
WARM_SAMPLES = 100
EDITORS = 16  # concurrent editors for the throughput and identical-views runs
LOAD_REQUESTS = 3000  # the throughput run stops at this many requests...
LOAD_SECONDS = 10  # ...or after this long, whichever comes first
IDENTICAL_VIEWS = 100

# Targets
WARM_SPEEDUP_MIN = 5.0  # warm view at least this many times faster than a direct call (p50)
COLD_OVERHEAD_MAX_MS = 20.0  # cold view at most this much slower than a direct call (p50, 100)
UPSTREAM_PER_100_MAX = 4  # upstream calls for 100 identical views
PRELOAD_CLICK_MAX = 1  # upstream calls for a preload plus the click it prepares

BENCH_USER = "bench-editor"
HTMX = {"HX-Request": "true"}
PRELOAD = {"HX-Request": "true", "HX-Preloaded": "true"}


class BudgetExceededError(RuntimeError):
    pass


class Budget:
    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self.deadline:
            raise BudgetExceededError(f"the benchmark ran past its {RUN_BUDGET} s budget")

    @property
    def left(self) -> float:
        return self.deadline - time.monotonic()


# --- Numbers -----------------------------------------------------------------------------------


def timed(session: requests.Session, url: str, headers: dict | None = None, expect: int = 200):
    started = time.perf_counter()
    try:
        response = session.get(url, headers=headers, timeout=(3.05, 30))
    except requests.RequestException as exc:
        return time.perf_counter() - started, f"{url}: {type(exc).__name__}", None
    elapsed = time.perf_counter() - started
    error = None if response.status_code == expect else f"{url}: HTTP {response.status_code}"
    return elapsed, error, response


# --- Things the benchmark starts ---------------------------------------------------------------


@dataclass
class Dashboard:
    url: str
    workers: str
    pid: int  # gunicorn's master; its workers are its children


@contextmanager
def dashboard(name: str, upstream: str, env: dict[str, str]) -> Iterator[Dashboard]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = env | {
        "ARGIL_API_BASE_URL": upstream,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "DJANGO_CSRF_TRUSTED_ORIGINS": url,
    }
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    if (ROOT / "gunicorn.conf.py").exists():  # the production settings, as `make serve` uses
        cmd = [gunicorn, "-c", "gunicorn.conf.py", "argil_dashboard.wsgi"]
        workers = f"gunicorn.conf.py: {env.get('GUNICORN_WORKERS', 'its default')} workers"
    else:
        cmd = [gunicorn, "-k", "gthread", "-w", "4", "--threads", "8", "-b", env["GUNICORN_BIND"]]
        cmd.append("argil_dashboard.wsgi")
        workers = "4 gthread workers x 8 threads"
    with process(name, cmd, env=env, ready=answers(url + "/healthz")) as proc:
        yield Dashboard(url, workers, proc.pid)


def cpu_seconds(master: int) -> float | None:
    """User + system CPU time so far of a gunicorn master and its workers (Linux /proc), or None.

    Unlike a latency, it hardly moves when other work competes for the CPUs."""
    if not Path("/proc/self/stat").exists():
        return None
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        if int(stat.parent.name) == master or int(fields[1]) == master:  # fields[1]: ppid
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def cpu_per_view(
    budget: Budget, board: Dashboard, url: Callable[[int], str], editor, headers=None
) -> str:
    """Dashboard CPU ms per view over CPU_VIEWS views (``url(i)`` for the i-th), as text."""
    before = cpu_seconds(board.pid)
    for i in range(CPU_VIEWS):
        budget.check()
        timed(editor, url(i), headers)
    after = cpu_seconds(board.pid)
    if before is None or after is None:
        return "n/a (no /proc)"
    return f"{(after - before) / CPU_VIEWS * 1000:.1f} ms"


def login(base: str, password: str) -> requests.Session:
    return harness_login(base, BENCH_USER, password)


def editors(session: requests.Session, count: int) -> list[requests.Session]:
    """``count`` browsers of the same editor: own connections, the same session cookie."""
    clones = []
    for _ in range(count):
        clone = http()
        clone.cookies.update(session.cookies)
        clones.append(clone)
    return clones


# --- Measurements ------------------------------------------------------------------------------


class Sandbox:
    def __init__(self, running, api_key: str) -> None:
        self.running = running
        self.api = http()
        self.api.headers["x-api-key"] = api_key

    @property
    def base_url(self) -> str:
        return self.running.base_url

    def calls(self) -> int:
        stats = self.api.get(self.running.origin + "/__sandbox__/stats", timeout=5).json()
        return stats["total"]


def sequential(budget: Budget, count: int, request: Callable[[int], tuple]) -> Sample:
    sample = Sample()
    for i in range(count):
        budget.check()
        elapsed, error, _ = request(i)
        sample.add(elapsed, error)
    return sample


def concurrent(
    budget: Budget, sessions: list[requests.Session], url: str, *, total: int, seconds: float
) -> tuple[Sample, float]:
    """Every session requests ``url`` in a loop until ``total`` requests or ``seconds`` pass."""
    sample, lock = Sample(), threading.Lock()
    issued = 0
    stop_at = time.monotonic() + min(seconds, max(1.0, budget.left - 30))

    def editor(session: requests.Session) -> None:
        nonlocal issued
        while time.monotonic() < stop_at:
            with lock:
                if issued >= total:
                    return
                issued += 1
            elapsed, error, _ = timed(session, url)
            with lock:
                sample.add(elapsed, error)

    threads = [threading.Thread(target=editor, args=(s,)) for s in sessions]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sample, time.perf_counter() - started


def at_once(calls: list[tuple[requests.Session, str, dict]]) -> list[str]:
    """The requests started together (a barrier); returns their errors."""
    gate, errors = threading.Barrier(len(calls)), []

    def call(session: requests.Session, url: str, headers: dict) -> None:
        gate.wait()
        _, error, _ = timed(session, url, headers)
        if error:
            errors.append(error)

    threads = [threading.Thread(target=call, args=c) for c in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def wire_size(session: requests.Session, url: str, headers: dict | None = None) -> int:
    """Bytes of body as sent (compressed), from Content-Length or the raw stream."""
    with session.get(url, headers=headers, stream=True, timeout=10) as response:
        length = response.headers.get("Content-Length")
        if length is not None:
            return int(length)
        return len(response.raw.read(decode_content=False))


# --- The run -----------------------------------------------------------------------------------


@dataclass
class Report:
    rows: list[tuple[str, str, str, str]] = field(default_factory=list)
    sizes: list[tuple[str, str]] = field(default_factory=list)
    targets: list[tuple[str, str, bool]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    cache: str = "not started"

    def latency(self, what: str, sample: Sample) -> None:
        n = str(len(sample.seconds))
        self.rows.append((what, f"{sample.p50:.1f}", f"{sample.p95:.1f}", n))
        self.errors += sample.errors

    def figure(self, what: str, value: str) -> None:
        self.rows.append((what, value, "", ""))

    def target(self, what: str, measured: str, ok: bool) -> None:
        self.targets.append((what, measured, ok))

    @property
    def passed(self) -> bool:
        return all(ok for _, _, ok in self.targets)

    def table(self) -> str:
        lines = ["| measurement | p50 ms (or value) | p95 ms | n |", "|---|---:|---:|---:|"]
        lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in self.rows]
        lines += ["", "| response | bytes on the wire |", "|---|---:|"]
        lines += [f"| {a} | {b} |" for a, b in self.sizes]
        lines += ["", "| target | measured | result |", "|---|---|---|"]
        lines += [f"| {a} | {b} | {'PASS' if ok else 'FAIL'} |" for a, b, ok in self.targets]
        return "\n".join(lines)


def run(report: Report, budget: Budget, stack: ExitStack, args: argparse.Namespace) -> None:
    api_key = "bench-" + secrets.token_urlsafe(24)
    password = secrets.token_urlsafe(16)
    tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="argil-bench-")))

    small = Sandbox(
        stack.enter_context(
            start_sandbox(api_key=api_key, config=SandboxConfig(latency_ms=LATENCY_MS))
        ),
        api_key,
    )
    big = Sandbox(
        stack.enter_context(
            start_sandbox(
                api_key=api_key,
                config=SandboxConfig(latency_ms=LATENCY_MS, library_size=BIG_LIBRARY),
            )
        ),
        api_key,
    )

    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "argil_dashboard.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_HTTPS": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_STATIC_ROOT": str(tmp / "static"),
        "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}",
        "ARGIL_API_KEY": api_key,
        # The bench's one editor makes thousands of distinct cold views a minute: it measures
        # speed, not the per-editor budget (which the load test and tests/test_editor_budget.py
        # hold), so the budget is lifted here.
        "ARGIL_EDITOR_READS_PER_MINUTE": "1000000",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    for name in ("GUNICORN_WORKERS", "GUNICORN_THREADS", "ARGIL_CACHE_TTL", "DJANGO_LOG_LEVEL"):
        if os.environ.get(name):
            env[name] = os.environ[name]

    redis = shutil.which("redis-server")
    if os.environ.get("REDIS_URL"):
        env["REDIS_URL"] = os.environ["REDIS_URL"]
        report.cache = "Redis from REDIS_URL"
        report.notes.append("Cache: Redis from REDIS_URL.")
    elif redis and not args.no_redis:
        port = free_port()
        cmd = [redis, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly"]
        cmd += ["no", "--dir", str(tmp), "--protected-mode", "yes"]
        stack.enter_context(process("redis", cmd, env=env, ready=redis_pings(port)))
        env["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
        report.cache = "Redis (a throwaway redis-server, shared by the workers)"
        report.notes.append(f"Cache: a throwaway {redis} on 127.0.0.1 (REDIS_URL), shared.")
    else:
        report.cache = "per-process memory (--no-redis)"
        report.notes.append(
            "Cache: per-process memory (--no-redis): each gunicorn worker warms its "
            "own copy, so identical views cost up to one upstream call per worker and TTL."
        )

    manage(env, "collectstatic", "--noinput")
    manage(env, "migrate", "--noinput")
    create_user = (
        "from django.contrib.auth import get_user_model; "
        f"get_user_model().objects.create_user({BENCH_USER!r}, password={password!r})"
    )
    manage(env, "shell", "-c", create_user)
    budget.check()

    with dashboard("gunicorn-100k", big.base_url, env) as big_board:
        report.notes.append(
            f"Dashboard: gunicorn, {big_board.workers}, DEBUG off; pages compressed as this "
            f"client accepts ({http().headers['Accept-Encoding']!s}: zstd), as browsers do."
        )
        big_warm = measure_trio(report, budget, big, big_board, password)
    measure_small(report, budget, small, env, password, big_warm)


def measure_trio(
    report: Report, budget: Budget, big: Sandbox, big_board: Dashboard, password: str
) -> Sample:
    """(a) direct, (b) cold, (c) warm for each page size; returns warm `/` for the size row."""
    editor = login(big_board.url, password)
    for size in PAGE_SIZES:
        # Fresh page numbers every time, apart for each kind of request, so nothing is warm.
        first = 100 if size == 100 else 1000

        def direct(i: int, size: int = size, first: int = first):
            url = f"{big.base_url}/assets?page={first + i}&pageSize={size}"
            return timed(big.api, url)

        def cold(i: int, size: int = size, first: int = first):
            return timed(editor, f"{big_board.url}/?pageSize={size}&page={first + 200 + i}")

        warm_url = f"{big_board.url}/?pageSize={size}&page=2"
        timed(editor, warm_url)  # the one cold miss before the warm samples

        # Interleaved, one of each per round: whatever else the machine is doing weighs on all
        # four alike, so their ratios hold even when the absolute figures wander.
        a, b, c, frag = Sample(), Sample(), Sample(), Sample()
        for i in range(TRIO_ROUNDS):
            budget.check()
            a.add(*direct(i)[:2])
            b.add(*cold(i)[:2])
            c.add(*timed(editor, warm_url)[:2])
            # What paging with htmx costs: the same warm view as a fragment.
            frag.add(*timed(editor, warm_url, HTMX)[:2])
        report.latency(f"(a) direct upstream call, pageSize {size}", a)
        report.latency(f"(b) cold dashboard view, pageSize {size}", b)
        report.latency(f"(c) warm dashboard view, pageSize {size}", c)
        report.latency(f"warm htmx fragment (paging), pageSize {size}", frag)
        for what, url, headers in (
            ("warm page", lambda i, u=warm_url: u, None),
            ("warm fragment", lambda i, u=warm_url: u, HTMX),
            (
                "cold page",
                lambda i, s=size, f=first: f"{big_board.url}/?pageSize={s}&page={f + 400 + i}",
                None,
            ),
        ):
            cpu = cpu_per_view(budget, big_board, url, editor, headers)
            report.figure(f"dashboard CPU per view: {what}, pageSize {size}", cpu)
        report.figure(f"(b)/(a) p50, pageSize {size}", f"{b.p50 / a.p50:.2f}")
        report.figure(f"(c)/(a) p50, pageSize {size}", f"{c.p50 / a.p50:.3f}")
        speedup = a.p50 / c.p50
        report.target(
            f"warm view >= {WARM_SPEEDUP_MIN:g}x faster than a direct call (p50, pageSize {size})",
            f"{speedup:.1f}x",
            speedup >= WARM_SPEEDUP_MIN,
        )
        if size == 100:
            overhead = b.p50 - a.p50
            report.target(
                f"cold view <= {COLD_OVERHEAD_MAX_MS:g} ms slower than a direct call "
                "(p50, pageSize 100)",
                f"{overhead:+.1f} ms",
                overhead <= COLD_OVERHEAD_MAX_MS,
            )
    timed(editor, big_board.url + "/")
    return sequential(budget, WARM_SAMPLES, lambda i: timed(editor, big_board.url + "/"))


def measure_small(
    report: Report,
    budget: Budget,
    small: Sandbox,
    env: dict[str, str],
    password: str,
    big_warm: Sample,
) -> None:
    """Against the 240-asset library: library size, load, upstream calls, preload, sizes."""
    with dashboard("gunicorn-240", small.base_url, env) as board:
        editor = login(board.url, password)
        measure_load(report, budget, small, board, editor, big_warm)
        measure_sizes(report, board, editor)
    report.target("zero errors in the whole run", f"{len(report.errors)} errors", not report.errors)


def measure_load(
    report: Report,
    budget: Budget,
    small: Sandbox,
    board: Dashboard,
    editor: requests.Session,
    big_warm: Sample,
) -> None:
    timed(editor, board.url + "/")
    small_warm = sequential(budget, WARM_SAMPLES, lambda i: timed(editor, board.url + "/"))
    report.latency("warm view `/`, library of 240 assets", small_warm)
    report.latency(f"warm view `/`, library of {BIG_LIBRARY:,} assets", big_warm)

    crowd = editors(editor, EDITORS)
    load, elapsed = concurrent(
        budget, crowd, board.url + "/", total=LOAD_REQUESTS, seconds=LOAD_SECONDS
    )
    report.latency(f"warm view under load, {EDITORS} editors at once", load)
    report.figure(
        f"throughput, {EDITORS} editors, warm views",
        f"{len(load.seconds) / elapsed:.0f} req/s",
    )
    report.target(
        f"zero errors under load ({len(load.seconds)} requests)",
        f"{len(load.errors)} errors",
        not load.errors,
    )

    before = small.calls()
    identical, _ = concurrent(
        budget,
        editors(editor, EDITORS),
        board.url + "/?type=VIDEO&pageSize=50",
        total=IDENTICAL_VIEWS,
        seconds=60,
    )
    report.errors += identical.errors
    upstream = small.calls() - before
    report.figure(
        f"upstream calls for {IDENTICAL_VIEWS} identical views (from cold)", str(upstream)
    )
    report.target(
        f"<= {UPSTREAM_PER_100_MAX} upstream calls per {IDENTICAL_VIEWS} identical warm views",
        f"{upstream} calls / {len(identical.seconds)} views",
        upstream <= UPSTREAM_PER_100_MAX and len(identical.seconds) == IDENTICAL_VIEWS,
    )

    # A preload, then the click (worst case: the browser did not keep the preload, the server
    # answers from its cache), and the two at once (a tap: touchstart preloads, click follows).
    before = small.calls()
    preload_url = board.url + "/?type=IMAGE&page=2"
    for headers in (PRELOAD, HTMX):
        _, error, _ = timed(editor, preload_url, headers)
        report.errors += [error] if error else []
    in_sequence = small.calls() - before
    before = small.calls()
    report.errors += at_once(
        [(editor, board.url + "/?type=AUDIO&page=2", headers) for headers in (PRELOAD, HTMX)]
    )
    together = small.calls() - before
    report.figure("upstream calls: preload, then click", str(in_sequence))
    report.figure("upstream calls: preload and click at once", str(together))
    report.target(
        f"preload + click cost <= {PRELOAD_CLICK_MAX} upstream call",
        f"{in_sequence} in sequence, {together} at once",
        max(in_sequence, together) <= PRELOAD_CLICK_MAX,
    )


def measure_sizes(report: Report, board: Dashboard, editor: requests.Session) -> None:
    # Pages go out as zstd, brotli or gzip, whichever the browser accepts first in that order.
    codings = ("identity", "zstd", "br", "gzip")
    for size in PAGE_SIZES:
        url = f"{board.url}/?pageSize={size}"
        for what, headers in (("full page", {}), ("fragment", HTMX)):
            sizes = [wire_size(editor, url, {**headers, "Accept-Encoding": c}) for c in codings]
            report.sizes.append(
                (
                    f"{what}, pageSize {size} (raw / zstd / brotli / gzip)",
                    " / ".join(f"{n:,}" for n in sizes),
                )
            )
    html = editor.get(board.url + "/", timeout=10).text
    for src in re.findall(r'<(?:script src|link rel="stylesheet" href)="([^"]+)"', html):
        name = src.rsplit("/", 1)[-1]
        raw = wire_size(editor, board.url + src, {"Accept-Encoding": "identity"})
        gz = wire_size(editor, board.url + src, {"Accept-Encoding": "gzip"})
        br = wire_size(editor, board.url + src, {"Accept-Encoding": "br"})
        report.sizes.append((f"`{name}` (raw / gzip / brotli)", f"{raw:,} / {gz:,} / {br:,}"))


def write_results(report: Report, seconds: float) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    header = [
        "# Benchmark results: a sample run",
        "",
        "> Generated by `make bench`, which rewrites this file: the figures are one run on one",
        "> machine, not a promise. Compare runs on the same machine; targets are in bench/run.py.",
        "",
        f"Written by `bench/run.py` (`make bench`) on {when}, in {seconds:.0f} s.",
        f"**Cache: {report.cache}.**",
        f"Machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}. Sandbox latency {LATENCY_MS} ms per call.",
        "",
        *[f"- {note}" for note in report.notes],
        "",
    ]
    body = report.table()
    errors = ["", "Errors seen: " + ("none." if not report.errors else "")]
    errors += [f"- {e}" for e in report.errors[:20]]
    text = "\n".join([*header, body, *errors]) + "\n"
    RESULTS.write_text(text)
    return text


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--no-redis", action="store_true", help="use the per-process memory cache, not Redis"
    )
    args = parser.parse_args()
    if not (args.no_redis or os.environ.get("REDIS_URL") or shutil.which("redis-server")):
        # Without a shared cache each worker warms its own copy, and the targets are missed.
        print(
            "make bench needs redis-server (the targets assume the shared cache production\n"
            "uses). Install it: apt-get install redis-server (Debian/Ubuntu), brew install\n"
            "redis (macOS); or point REDIS_URL at a Redis; or measure the per-process memory\n"
            "cache with: .venv/bin/python bench/run.py --no-redis",
            file=sys.stderr,
        )
        return 2
    # SIGTERM (e.g. from a CI timeout) unwinds like Ctrl-C: everything started is stopped.
    signal.signal(signal.SIGTERM, _interrupt)
    started = time.monotonic()
    report, budget = Report(), Budget(RUN_BUDGET)
    load_before = os.getloadavg()[0]
    with ExitStack() as stack:
        run(report, budget, stack, args)
    # Other work on the machine skews every figure: say how busy it was.
    report.notes.append(
        f"Load average (1 min) {load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the "
        f"end, on {os.cpu_count()} CPUs."
    )
    text = write_results(report, time.monotonic() - started)
    print(text)
    print(f"Wrote {RESULTS.relative_to(ROOT)}; logs in {LOGS.relative_to(ROOT)}/.")
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
