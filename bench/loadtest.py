"""Load and fault test: 32 editors for 60 s while Argil misbehaves and a gunicorn restarts.

`make loadtest` (not part of `make test`: it takes about two minutes and measures, it does not
unit-test). One bounded run (RUN_BUDGET), loopback only, and everything it starts is stopped on the
way out, however it ends (an error, Ctrl-C, SIGTERM, or the budget's SIGALRM):

1. a throwaway PostgreSQL and Redis (.ci/services, the script CI uses), the sandbox (the stand-in
   Argil API, `manage.py sandbox`, 80 ms per call) with its fault control, migrations, 32 editor
   accounts, collectstatic;
2. two gunicorn processes as in production (gunicorn.conf.py, DEBUG off, the same DATABASE_URL
   and REDIS_URL; DJANGO_HTTPS=0 on loopback), behind nginx (Debian's, configured by
   bench/balancer.py in a temporary directory): round robin with passive health checks. Why a
   balancer and not client-side round robin: editors'
   browsers know one address, so how a restart looks to them depends on what sits in front; a
   balancer that fails over only where that is safe (refused connections, and idempotent requests
   dropped before any answer) is what production has, and its failovers are counted apart;
3. 32 editors (threads, bounded in requests and time): log in, then browse with random filters,
   page sizes and pages (htmx fragments, now and then a full page), open previews, poll the live
   status of PROCESSING cards, pick and unpick READY assets, export their board as JSON and CSV,
   now and then create a board or switch boards. Each editor remembers every pick a response told
   it was saved (the toggle came back "Picked");
4. meanwhile the sandbox answers 5% of calls 503 and hangs 2% past the dashboard's read timeout,
   goes fully down for 10 s, one gunicorn is restarted (SIGTERM, wait for it to exit, start it
   again on the same port: a deploy or a crash-restart, which is what the balancer has to ride
   out; SIGHUP would keep the listening socket and show nothing about failover), and then Argil
   hangs every call for 10 s: threads must not run out, so /healthz, probed all along, keeps a
   p95 under 100 ms;
5. a report: requests served; outcomes by kind (an error page saying what failed, our 502/503/504,
   is an answer; a 500, a dropped connection or a timeout on our side is a failure); p50/p95 by
   action; upstream calls (the sandbox's stats) and the cache hit ratio (the gunicorns' JSON
   request logs); failovers; and whether every pick the editors believe saved is in PostgreSQL,
   nothing lost and nothing extra. Printed and written to bench/LOADTEST.md.

Exit status 1 on any 500, dropped connection, timeout on our side, unexplained answer, answer the
editors could not read, lost or extra pick, or export that disagrees with the editor's picks.
Logs of the run's processes are in bench/out/loadtest-*.log (nginx's error log: each refused or
dropped connection, with the time; its access log, every attempt: loadtest-balancer-access.jsonl).
"""

from __future__ import annotations

import csv
import html
import io
import json
import math
import multiprocessing
import os
import platform
import random
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import combinations
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assets_browser import errors  # noqa: E402 (no Django: the messages editors are shown)
from assets_browser.api import (  # noqa: E402
    ArgilAuthError,
    ArgilBadResponse,
    ArgilRateLimited,
    ArgilUnavailable,
)
from bench import balancer  # noqa: E402
from bench.harness import (  # noqa: E402
    LOGS,
    Sample,
    answers,
    free_port,
    http,
    login,
    manage,
    start_process,
    stop_process,
)

REPORT = ROOT / "bench" / "LOADTEST.md"
SERVICES = ROOT / ".ci" / "services"

RUN_BUDGET = 330  # seconds for the whole run, set-up included: SIGALRM unwinds past it
EDITORS = 32
# One more account that asks for previews of random asset ids as fast as it can (each a real
# Argil call): its excess must be answered 429 "slow down" (the per-editor budget,
# ARGIL_EDITOR_READS_PER_MINUTE, 120 by default), while the 32 editors never are.
GREEDY = "greedy"
GREEDY_READS_PER_MINUTE = 120
GREEDY_THREADS = 4  # its requests in flight at once (one thread alone made ~90 a minute here)
RUN_SECONDS = 60
MAX_REQUESTS_PER_EDITOR = 1500  # a bound, far above what 60 s allows
THINK_SECONDS = (0.05, 0.3)  # between an editor's actions
MAX_BOARD_PICKS = 15  # an editor past this unpicks instead (keeps exports small)
# Above the dashboard's own worst case for one page (~28 s, assets_browser/api.py): past this,
# the dashboard failed to answer in time, a failure on our side.
CLIENT_TIMEOUT = (3.05, 35.0)
# Editors arrive a few at a time, as at the start of a working day: a log-in costs ~0.3 s of
# CPU (PBKDF2, on purpose), so 32 at once on a small machine queue for seconds.
LOGINS_AT_ONCE = 4
LOGIN_TIMEOUT = 30.0
# All 33 log-ins before the 60 s start: 9 rounds of 4; on a busy 2-CPU machine one round of
# PBKDF2 log-ins took 7 s, so 60 s was not always enough.
LOGINS_WAIT = 120.0

# The dashboard: two gunicorn processes, each as gunicorn.conf.py has it with 2 workers x 12
# threads (this machine's default would be 2 x cores + 1 workers; two processes on one box stand
# for two machines: 2 x 2 x 12 = 48 requests in flight for the 32 editors, the greedy one's 4
# and the /healthz probe).
GUNICORN_WORKERS = 2
GUNICORN_THREADS = 12

# Argil's behaviour (the sandbox), from the start of the 60 s.
LATENCY_MS = 80
ERROR_RATE = 0.05  # answered 503
TIMEOUT_RATE = 0.02  # hang for HANG_SECONDS, longer than the dashboard's 5 s read timeout
HANG_SECONDS = 8.0
OUTAGE_AT, OUTAGE_SECONDS = 15.0, 10.0  # every call answered 503
RESTART_AT = 35.0  # gunicorn "b": SIGTERM, wait for its exit, start again on the same port
# Argil hung: every call hangs HUNG_HANG_SECONDS (far past the 5 s read timeout) for this window.
# Threads must not run out: /healthz keeps answering fast (HEALTH_P95_MS) throughout.
HUNG_AT, HUNG_SECONDS, HUNG_HANG_SECONDS = 46.0, 10.0, 30.0
HEALTH_EVERY = 0.1  # seconds between /healthz probes, all run long
HEALTH_P95_MS = 100
RESTART_STOP_TIMEOUT = 45.0  # gunicorn's graceful_timeout (35 s) plus its own shutdown

ACTIONS = {  # what an editor does next, by weight
    "browse": 40,
    "browse_page": 5,
    "pick": 25,
    "unpick": 12,
    "export_json": 6,
    "export_csv": 6,
    "board_create": 3,
    "board_switch": 3,
    "status_poll": 4,  # the page's live-status poll, while PROCESSING cards are shown
    "preview": 6,  # a card's preview dialog
}
EDITOR_NAMES = """maya ines theo lena omar sofia jonas aiko rafael nadia kwame elif luca priya sven
marta diego hana yusuf clara tomasz amara felix leila bruno noor oskar zara mateo ingrid kenji
ada""".split()  # noqa: SIM905 (32 names read better as words)
BOARD_THEMES = (
    "Spring launch B-roll",
    "Harbour documentary",
    "Q3 product teaser",
    "Founder interview cutaways",
    "City timelapse opener",
    "Podcast promo",
)
STATUSES = ("READY", "PROCESSING", "FAILED")
TYPES = ("AUDIO", "IMAGE", "VIDEO")
PAGE_SIZES = (20, 50, 100)

# What the dashboard tells an editor when Argil fails (errors.describe): an error page carrying
# one of these titles is an answer, not a crash.
PROBLEM_TITLES = tuple(
    html.escape(errors.describe(exc).title)
    for exc in (
        ArgilUnavailable(reason="timeout"),
        ArgilUnavailable(reason="connection"),
        ArgilUnavailable(reason="circuit_open"),
        ArgilUnavailable(reason="busy"),
        ArgilRateLimited(),
        ArgilAuthError(),
        ArgilBadResponse(),
    )
)
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
PICKABLE_RE = re.compile(rf'class="pick-toggle" data-pick-toggle="({UUID})"')
CARD_RE = re.compile(rf'class="card [^"]*" data-asset-id="({UUID})"')
PROCESSING_RE = re.compile(rf'data-asset-id="({UUID})" data-type="[A-Z]+" data-status="PROCESSING"')
TRAY_BOARD_RE = re.compile(r'action="/boards/(\d+)/rename/"')
EXCEPTION_LINE_RE = re.compile(r"^[A-Za-z_][\w.]*(?:Error|Exception|Warning)\b.*$", re.MULTILINE)
FAILURES = ("crash", "dropped", "timeout", "unexplained", "unexpected", "slowed")


class Interrupted(Exception):  # noqa: N818 (what happened to the run)
    """SIGTERM, SIGINT or the run budget's SIGALRM: unwind and stop everything."""


# --- Outcomes ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outcome:
    action: str
    status: int | None
    kind: str  # ok, refused, error_page, crash, dropped, timeout, unexplained, unexpected
    seconds: float
    started: float  # seconds since the load began
    detail: str = ""


def classify(action: str, response: requests.Response | None, failure: str) -> tuple[str, str]:
    """What an answer (or its absence) means: (kind, detail)."""
    if response is None:
        return failure, ""
    status = response.status_code
    balancer_error = response.headers.get("X-Balancer-Error")
    if balancer_error:  # no gunicorn answered: the balancer's own 502/504
        return ("timeout" if status == 504 else "dropped"), balancer_error
    if status in (502, 503, 504):
        if any(title in response.text for title in PROBLEM_TITLES):
            return "error_page", ""
        if action == "status_poll" and 'id="status-poll"' in response.text:
            return "error_page", ""  # no cards to swap: the poller asks again, later
        return "unexplained", response.text[:200]
    if status >= 500:
        return "crash", response.text[:200]
    if status == 409 and action == "pick":
        return "refused", ""  # not READY, or a full board: said so on the toggle
    if status == 429 and ("Slow down" in response.text or not response.content):
        return "slowed", ""  # the editor's budget of Argil calls is spent
    if status == 404 and action == "greedy_preview" and "Asset not found" in response.text:
        return "ok", ""  # a random id: Argil does not know it
    if status < 400 or (status == 422 and action == "board_create"):
        return "ok", ""
    return "unexpected", f"HTTP {status}"


# --- The editors -------------------------------------------------------------------------------


@dataclass
class Editor:
    name: str
    session: requests.Session
    rng: random.Random
    board: int | None = None  # the current board, as the last tray showed it
    believed: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    uncertain: set[str] = field(default_factory=set)  # asked, answer lost: state unknown
    pickable: list[str] = field(default_factory=list)  # READY, unpicked, on the last page seen
    processing: list[str] = field(default_factory=list)  # PROCESSING cards on the last page
    cards: list[str] = field(default_factory=list)  # every card on the last page
    requests: int = 0
    boards_made: int = 0
    export_checks: int = 0
    export_mismatches: list[str] = field(default_factory=list)
    anomalies: list[str] = field(default_factory=list)


class LoadRun:
    """The editors' side: the balancer's address, the outcomes, the clock."""

    def __init__(self, base: str, totals: dict[tuple[tuple[str, ...], str], int]) -> None:
        self.base = base
        self.totals = totals  # assets per (types, status): pages stay within range
        self.outcomes: list[Outcome] = []
        self.greedy: list[Outcome] = []  # the greedy editor's, apart from the 32 editors'
        self.logins = Sample()
        self._login_slots = threading.Semaphore(LOGINS_AT_ONCE)
        self.stop = threading.Event()
        self.started = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        return time.monotonic() - self.started

    def request(
        self,
        editor: Editor,
        action: str,
        method: str,
        path: str,
        *,
        data: dict | None = None,
        htmx: bool = True,
    ) -> tuple[requests.Response | None, str]:
        """One request as the editor's browser sends it; recorded. Returns (response, kind)."""
        headers: dict[str, str] = {}
        if htmx:
            headers = {"HX-Request": "true", "HX-Current-URL": self.base + "/"}
        if method == "POST":
            token = editor.session.cookies.get("csrftoken") or ""
            headers["X-CSRFToken"] = token  # hx-headers on <body>
            data = {"csrfmiddlewaretoken": token, "next": "/", **(data or {})}
        editor.requests += 1
        started = time.monotonic()
        response, failure = None, ""
        try:
            response = editor.session.request(
                method, self.base + path, data=data, headers=headers, timeout=CLIENT_TIMEOUT
            )
        except requests.Timeout:
            failure = "timeout"
        except requests.RequestException:
            failure = "dropped"
        seconds = time.monotonic() - started
        kind, detail = classify(action, response, failure)
        outcome = Outcome(
            action,
            response.status_code if response is not None else None,
            kind,
            seconds,
            started - self.started,
            detail,
        )
        with self._lock:
            (self.greedy if editor.name == GREEDY else self.outcomes).append(outcome)
        return response, kind

    # -- An editor's session --

    def editor_loop(self, editor: Editor, password: str, ready: threading.Barrier) -> None:
        try:
            self._log_in(editor, password)
        finally:
            ready.wait()  # the 60 s start together, logged in or not
        if editor.session is None:
            return
        actions, weights = zip(*ACTIONS.items(), strict=True)
        self.browse(editor, htmx=False)
        while not self.stop.is_set() and editor.requests < MAX_REQUESTS_PER_EDITOR:
            action = editor.rng.choices(actions, weights)[0]
            try:
                getattr(self, action)(editor)
            except Exception as exc:  # an answer the editor could not read (bad JSON, ...)
                editor.anomalies.append(f"{action}: {type(exc).__name__}: {exc}"[:300])
            self.stop.wait(editor.rng.uniform(*THINK_SECONDS))

    def greedy_loop(self, editor: Editor, password: str, ready: threading.Barrier) -> None:
        """Previews of ids nobody has, back to back: every one would cost Argil a call."""
        try:
            self._log_in(editor, password)
        finally:
            ready.wait()
        if editor.session is None:
            return
        # A script with the editor's session cookie, GREEDY_THREADS requests at a time.
        copies = []
        for n in range(GREEDY_THREADS):
            session = http()
            session.cookies.update(editor.session.cookies)
            copy = Editor(GREEDY, session, random.Random(n))
            copies.append(threading.Thread(target=self._greedy_requests, args=(copy,)))
        for thread in copies:
            thread.start()
        for thread in copies:
            thread.join()

    def _greedy_requests(self, editor: Editor) -> None:
        while not self.stop.is_set() and editor.requests < MAX_REQUESTS_PER_EDITOR:
            self.request(editor, "greedy_preview", "GET", f"/assets/{uuid.uuid4()}/")

    def _log_in(self, editor: Editor, password: str) -> None:
        with self._login_slots:
            started = time.monotonic()
            try:
                login(self.base, editor.name, password, editor.session, LOGIN_TIMEOUT)
            except (RuntimeError, requests.RequestException) as exc:
                editor.anomalies.append(f"log-in failed: {exc}")
                editor.session = None  # type: ignore[assignment]
                return
            self.logins.add(time.monotonic() - started)

    def _query(self, editor: Editor) -> str:
        rng = editor.rng
        types = rng.choice([(), *(c for n in (1, 2) for c in combinations(TYPES, n))])
        status = rng.choices(STATUSES, (80, 10, 10))[0]
        size = rng.choices(PAGE_SIZES, (60, 25, 15))[0]
        pages = max(1, math.ceil(self.totals[types, status] / size))
        pairs = [("type", t) for t in types]
        if status != "READY":
            pairs.append(("status", status))
        if size != 20:
            pairs.append(("pageSize", str(size)))
        page = rng.randint(1, pages)
        if page > 1:
            pairs.append(("page", str(page)))
        return "/?" + "&".join(f"{k}={v}" for k, v in pairs)

    def browse(self, editor: Editor, *, htmx: bool = True) -> None:
        action = "browse" if htmx else "browse_page"
        response, kind = self.request(editor, action, "GET", self._query(editor), htmx=htmx)
        if kind == "ok" and response is not None:
            editor.pickable = PICKABLE_RE.findall(response.text)
            editor.processing = PROCESSING_RE.findall(response.text)[:100]
            editor.cards = CARD_RE.findall(response.text)
            if not htmx and (board := TRAY_BOARD_RE.search(response.text)):
                editor.board = int(board[1])

    def browse_page(self, editor: Editor) -> None:
        self.browse(editor, htmx=False)

    def pick(self, editor: Editor) -> None:
        mine = editor.believed[editor.board] if editor.board else set()
        if len(mine) >= MAX_BOARD_PICKS:
            return self.unpick(editor)
        choices = [a for a in editor.pickable if a not in mine]
        if not choices:
            return self.browse(editor)
        self._toggle(editor, editor.rng.choice(choices), "add")

    def unpick(self, editor: Editor) -> None:
        mine = sorted(editor.believed[editor.board]) if editor.board else []
        if not mine:
            return self.pick(editor) if editor.pickable else self.browse(editor)
        self._toggle(editor, editor.rng.choice(mine), "remove")

    def _toggle(self, editor: Editor, asset_id: str, action: str) -> None:
        kind_of_action = "pick" if action == "add" else "unpick"
        data = {"action": action, "shown": asset_id, "tray": "1"}
        path = f"/picks/{asset_id}/toggle/"
        response, kind = self.request(editor, kind_of_action, "POST", path, data=data)
        if kind in FAILURES or response is None:
            editor.uncertain.add(asset_id)  # it may or may not have happened
            return
        if kind != "ok":
            return  # refused, or Argil failed: the toggle says so and nothing changed
        toggle = re.search(
            rf'class="pick-toggle([^"]*)" data-pick-toggle="{asset_id}"', response.text
        )
        board = TRAY_BOARD_RE.search(response.text)
        if toggle is None or board is None:
            editor.anomalies.append(f"{kind_of_action} {asset_id}: no toggle or tray in the answer")
            editor.uncertain.add(asset_id)
            return
        editor.board = int(board[1])
        picked = "is-picked" in toggle[1]
        if picked:
            editor.believed[editor.board].add(asset_id)
        else:
            editor.believed[editor.board].discard(asset_id)
        if picked != (action == "add"):
            editor.anomalies.append(f"{action} {asset_id} answered 200 but picked={picked}")
        if asset_id in editor.pickable:
            editor.pickable.remove(asset_id)

    def _export(self, editor: Editor, fmt: str) -> None:
        if editor.board is None:
            return self.browse(editor)
        board = editor.board
        path = f"/boards/{board}/export/?format={fmt}"
        response, kind = self.request(editor, f"export_{fmt}", "GET", path, htmx=False)
        if kind != "ok" or response is None:
            return
        if fmt == "json":
            payload = response.json()
            exported = {m["broll"]["assetId"] for m in payload["moments"]}
            if "backgroundMusic" in payload:
                exported.add(payload["backgroundMusic"]["assetId"])
        else:
            exported = {row["id"] for row in csv.DictReader(io.StringIO(response.text))}
        believed = editor.believed[board]
        if editor.uncertain:
            exported -= editor.uncertain
            believed = believed - editor.uncertain
        editor.export_checks += 1
        # The CSV lists every ready pick; the JSON leaves out audio past the first (one track).
        if (exported != believed) if fmt == "csv" else not exported <= believed:
            editor.export_mismatches.append(
                f"{fmt} of board {board}: exported {len(exported)}, believed {len(believed)}"
            )

    def export_json(self, editor: Editor) -> None:
        self._export(editor, "json")

    def export_csv(self, editor: Editor) -> None:
        self._export(editor, "csv")

    def board_create(self, editor: Editor) -> None:
        editor.boards_made += 1
        name = f"{editor.rng.choice(BOARD_THEMES)} {editor.boards_made}"
        response, kind = self.request(
            editor, "board_create", "POST", "/boards/new/", data={"name": name, "tray": "1"}
        )
        self._follow_tray(editor, response, kind)

    def board_switch(self, editor: Editor) -> None:
        boards = sorted(editor.believed)
        if len(boards) < 2:
            return self.board_create(editor)
        target = editor.rng.choice([b for b in boards if b != editor.board] or boards)
        response, kind = self.request(
            editor, "board_switch", "POST", "/boards/switch/", data={"board": str(target)}
        )
        self._follow_tray(editor, response, kind)

    def preview(self, editor: Editor) -> None:
        """A card's preview dialog (htmx loads it into the dialog)."""
        if not editor.cards:
            return self.browse(editor)
        self.request(editor, "preview", "GET", f"/assets/{editor.rng.choice(editor.cards)}/")

    def status_poll(self, editor: Editor) -> None:
        """What the status poller sends while PROCESSING cards are on the page: one for all."""
        if not editor.processing:
            return self.browse(editor)
        query = "&".join(f"id={asset_id}" for asset_id in editor.processing)
        self.request(editor, "status_poll", "GET", f"/assets/status/?{query}")

    def _follow_tray(self, editor: Editor, response: requests.Response | None, kind: str) -> None:
        """After a board change: the tray in the answer says which board is current now."""
        board = None
        if response is not None and response.status_code == 200:
            board = TRAY_BOARD_RE.search(response.text)
        if board is not None:
            editor.board = int(board[1])
            editor.believed.setdefault(editor.board, set())  # known, even while empty
            return
        if kind in FAILURES:
            editor.board = None  # unknown until a tray says; picks then tell us


# --- Processes ---------------------------------------------------------------------------------


@dataclass
class Gunicorn:
    name: str
    port: int
    env: dict[str, str]
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *, append: bool = False) -> None:
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        self.proc = start_process(
            f"loadtest-gunicorn-{self.name}",
            [gunicorn, "-c", "gunicorn.conf.py", "argil_dashboard.wsgi"],
            env=self.env | {"GUNICORN_BIND": f"127.0.0.1:{self.port}"},
            ready=answers(self.url + "/healthz"),
            append=append,
        )

    def stop(self, timeout: float = 15) -> None:
        if self.proc is not None:
            stop_process(self.proc, timeout=timeout)


class Sandbox:
    """The sandbox process's control endpoints (faults, stats), with the key."""

    def __init__(self, origin: str, api_key: str) -> None:
        self.origin = origin
        self.api = http()
        self.api.headers["x-api-key"] = api_key

    def faults(self, **changes: float) -> dict:
        answer = self.api.post(self.origin + "/__sandbox__/faults", json=changes, timeout=5)
        answer.raise_for_status()
        return answer.json()

    def stats(self) -> dict:
        return self.api.get(self.origin + "/__sandbox__/stats", timeout=5).json()

    def reset_stats(self) -> None:
        self.api.post(self.origin + "/__sandbox__/stats/reset", timeout=5).raise_for_status()

    def ready(self) -> bool:
        try:
            return self.api.get(self.origin + "/__sandbox__/stats", timeout=1).status_code == 200
        except requests.RequestException:
            return False

    def totals(self) -> dict[tuple[tuple[str, ...], str], int]:
        """Assets per filter combination (the sandbox itself, before the stats are reset)."""
        totals = {}
        for types in [(), *(c for n in (1, 2) for c in combinations(TYPES, n))]:
            for status in STATUSES:
                params = [("type", t) for t in types] + [("status", status), ("pageSize", "1")]
                answer = self.api.get(self.origin + "/v1/assets", params=params, timeout=5)
                answer.raise_for_status()
                totals[types, status] = int(answer.headers["X-Total-Count"])
        return totals


@dataclass
class Timeline:
    events: list[tuple[float, str]] = field(default_factory=list)
    restart: dict[str, float] = field(default_factory=dict)
    hung: list[float] = field(default_factory=list)  # start and end of the hung window
    errors: list[str] = field(default_factory=list)
    health: list[tuple[float, float, int | None]] = field(default_factory=list)  # at, s, status

    def note(self, at: float, text: str) -> None:
        self.events.append((at, text))


def fault_schedule(run: LoadRun, sandbox: Sandbox, b: Gunicorn, timeline: Timeline) -> None:
    """Argil's faults and the restart, at fixed times from the start of the load."""
    try:
        sandbox.faults(error_rate=ERROR_RATE, timeout_rate=TIMEOUT_RATE, hang_seconds=HANG_SECONDS)
        timeline.note(
            run.now(),
            f"faults on: {ERROR_RATE:.0%} answered 503, {TIMEOUT_RATE:.0%} hang {HANG_SECONDS:g} s",
        )
        if run.stop.wait(max(0.0, OUTAGE_AT - run.now())):
            return
        sandbox.faults(outage_seconds=OUTAGE_SECONDS)
        timeline.note(run.now(), f"Argil outage: every call 503 for {OUTAGE_SECONDS:g} s")
        if run.stop.wait(max(0.0, RESTART_AT - run.now())):
            return
        began = run.now()
        timeline.note(began, f"gunicorn b (:{b.port}): SIGTERM")
        b.stop(timeout=RESTART_STOP_TIMEOUT)
        exited = run.now()
        timeline.note(exited, f"gunicorn b exited after {exited - began:.1f} s")
        b.start(append=True)
        back = run.now()
        timeline.note(back, f"gunicorn b answering /healthz again ({back - exited:.1f} s start)")
        timeline.restart = {"sigterm": began, "exited": exited, "back": back}
        if run.stop.wait(max(0.0, HUNG_AT - run.now())):
            return
        sandbox.faults(timeout_rate=1.0, hang_seconds=HUNG_HANG_SECONDS)
        timeline.hung = [run.now()]
        timeline.note(run.now(), f"Argil hung: every call hangs {HUNG_HANG_SECONDS:g} s")
        run.stop.wait(HUNG_SECONDS)
        sandbox.faults(timeout_rate=TIMEOUT_RATE, hang_seconds=HANG_SECONDS)
        timeline.hung.append(run.now())
        timeline.note(run.now(), "Argil answers again (back to the background faults)")
    except Exception as exc:  # the run goes on; the report says the schedule broke
        timeline.errors.append(f"fault schedule: {type(exc).__name__}: {exc}")


# --- After the run -----------------------------------------------------------------------------

PICKS_QUERY = """
import json
from assets_browser.models import Pick
rows = Pick.objects.values_list("board__owner__username", "board_id", "asset_id")
print(json.dumps([list(row) for row in rows]))
"""


def picks_in_database(env: dict[str, str]) -> set[tuple[str, int, str]]:
    """Every pick PostgreSQL holds, through the ORM (the same DATABASE_URL)."""
    out = manage(env, "shell", "--no-imports", "-c", PICKS_QUERY)
    return {(user, int(board), asset) for user, board, asset in json.loads(out.splitlines()[-1])}


@dataclass
class LogFigures:
    requests: int = 0
    statuses: Counter = field(default_factory=Counter)
    cache_hits: int = 0
    cache_misses: int = 0
    upstream_calls: int = 0
    server_errors: list[str] = field(default_factory=list)
    tracebacks: int = 0
    healthz: list[float] = field(default_factory=list)  # Django's seconds per /healthz


def read_logs(paths: list[Path]) -> LogFigures:
    """The gunicorns' JSON request lines (one per request) and any error they logged."""
    figures = LogFigures()
    for path in paths:
        if not path.exists():
            continue
        for line in path.read_text(errors="replace").splitlines():
            if line.startswith("Traceback"):
                figures.tracebacks += 1
            if not line.startswith("{"):
                continue
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if record.get("logger") == "assets_browser.requests":
                figures.requests += 1
                figures.statuses[record.get("status")] += 1
                figures.cache_hits += record.get("cache_hits", 0)
                figures.cache_misses += record.get("cache_misses", 0)
                figures.upstream_calls += record.get("upstream_calls", 0)
                if record.get("path") == "/healthz":
                    figures.healthz.append(record.get("duration_ms", 0.0) / 1000)
            elif record.get("exception"):  # not Django's "Bad Gateway" line for our own 502s
                raised = EXCEPTION_LINE_RE.findall(record["exception"])
                last = raised[-1] if raised else record["exception"].strip().splitlines()[-1]
                figures.server_errors.append(f"{record.get('message', '')[:120]}: {last[:200]}")
    return figures


def pct(values: list[float], p: float) -> float:
    sample = Sample(values)
    return sample.pct(p) if values else 0.0


# --- The report --------------------------------------------------------------------------------


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)
    checks: list[tuple[str, str, bool]] = field(default_factory=list)

    def add(self, *lines: str) -> None:
        self.lines.extend(lines)

    def check(self, what: str, measured: str, ok: bool) -> None:
        self.checks.append((what, measured, ok))

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(ok for _, _, ok in self.checks)

    def text(self) -> str:
        checks = ["| check | measured | result |", "|---|---|---|"]
        checks += [f"| {a} | {b} | {'PASS' if ok else 'FAIL'} |" for a, b, ok in self.checks]
        return "\n".join([*self.lines, "", "## Verdict", "", *checks]) + "\n"


def phase_at(at: float, timeline: Timeline) -> str:
    if OUTAGE_AT <= at < OUTAGE_AT + OUTAGE_SECONDS:
        return "outage"
    hung = timeline.hung
    if hung and hung[0] <= at <= (hung[1] if len(hung) > 1 else float("inf")):
        return "hung"
    restart = timeline.restart
    if restart and restart["sigterm"] <= at <= restart["back"]:
        return "restart"
    return "faults only"


def health_prober(base: str, stop, results) -> None:
    """/healthz every HEALTH_EVERY seconds until ``stop``: it answers from a free thread, so its
    latency shows whether the gunicorns' threads ran out (all waiting on Argil). It runs in its
    own process, as a balancer's health checker would: in a thread of this load generator, each
    probe's time also held the wait for this process's GIL among the editors' 37 threads.
    Sends its probes, (monotonic time, seconds, status), through ``results`` at the end."""
    session = http()
    probes = []
    while not stop.is_set():
        at, started = time.monotonic(), time.perf_counter()
        try:
            status = session.get(base + "/healthz", timeout=CLIENT_TIMEOUT).status_code
        except requests.RequestException:
            status = None
        probes.append((at, time.perf_counter() - started, status))
        stop.wait(HEALTH_EVERY)
    results.send(probes)


def phase_of(outcome: Outcome, timeline: Timeline) -> str:
    return phase_at(outcome.started, timeline)


def build_report(
    run: LoadRun,
    editors: list[Editor],
    timeline: Timeline,
    *,
    seconds: float,
    sandbox_stats: dict,
    balancer_stats: dict,
    logs: LogFigures,
    database: set[tuple[str, int, str]],
    stuck: int,
) -> Report:
    report = Report()
    outcomes = run.outcomes
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    kinds = Counter(o.kind for o in outcomes)
    served = sum(1 for o in outcomes if o.status is not None)
    report.add(
        "# Load and fault test: a sample run",
        "",
        "> Generated by `make loadtest`, which rewrites this file: one run on one machine, not a",
        "> promise. What must hold on every run (no 500, no dropped connection, no lost pick) is",
        "> checked by the script itself.",
        "",
        f"Written by `bench/loadtest.py` (`make loadtest`) on {when}, in {seconds:.0f} s. "
        f"Machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}; load average (1 min) "
        f"{os.getloadavg()[0]:.1f} at the end.",
        "",
        f"- {EDITORS} editors for {RUN_SECONDS} s, each a thread with its own session, "
        f"{THINK_SECONDS[0]:g}-{THINK_SECONDS[1]:g} s between actions, through "
        "nginx (bench/balancer.py: round robin, passive health checks) to two gunicorns "
        f"({GUNICORN_WORKERS} workers x {GUNICORN_THREADS} threads each, gunicorn.conf.py, "
        "DEBUG off), one PostgreSQL and one Redis (`.ci/services`).",
        f"- Argil (the sandbox): {LATENCY_MS} ms per call; from the start {ERROR_RATE:.0%} of "
        f"calls answered 503 and {TIMEOUT_RATE:.0%} hang {HANG_SECONDS:g} s (the dashboard's "
        f"read timeout is 5 s); a full outage at {OUTAGE_AT:g}-{OUTAGE_AT + OUTAGE_SECONDS:g} s; "
        f"gunicorn b restarted at {RESTART_AT:g} s (SIGTERM, exit, start on the same port); "
        f"Argil hung at {HUNG_AT:g}-{HUNG_AT + HUNG_SECONDS:g} s (every call hangs "
        f"{HUNG_HANG_SECONDS:g} s); /healthz probed every {HEALTH_EVERY:g} s throughout.",
        "",
        "## Timeline (seconds from the start of the load)",
        "",
        *[f"- {at:5.1f} s: {text}" for at, text in timeline.events],
        *[f"- **{error}**" for error in timeline.errors],
        "",
        "## Requests",
        "",
        f"{len(outcomes)} requests, {served} answered ({served / RUN_SECONDS:.0f} a second), "
        f"{len(run.logins.seconds)} of {EDITORS + 1} editors (the greedy one too) logged in "
        f"(log-in p50 {run.logins.p50 if run.logins.seconds else 0:.0f} ms, before the 60 s).",
        "",
        "| outcome | requests | share | meaning |",
        "|---|---:|---:|---|",
    )
    meanings = {
        "ok": "the page, fragment, toggle or download",
        "error_page": "our 502/503/504 saying what failed (Argil down or slow), or an empty "
        "one the live-status poll backs off on; not a crash",
        "refused": "409 on a pick: not READY, or the board is full; the toggle says so",
        "crash": "a 500 (or other 5xx without our message): **a failure**",
        "unexplained": "a 502/503/504 without our message: **a failure**",
        "dropped": "connection dropped, or no gunicorn answered: **a failure**",
        "timeout": f"no answer in {CLIENT_TIMEOUT[1]:g} s: **a failure**",
        "unexpected": "another 4xx: **a failure**",
        "slowed": '429 "slow down": the editor\'s budget of Argil calls spent: **a failure** '
        "for these editors (only the greedy one, below, should ever see it)",
    }
    for kind, meaning in meanings.items():
        n = kinds.get(kind, 0)
        share = n / len(outcomes) if outcomes else 0
        report.add(f"| {kind} | {n} | {share:.1%} | {meaning} |")

    report.add(
        "",
        "| action | requests | p50 ms | p95 ms | max ms | ok | error page | refused | failures |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    )
    for action in [*ACTIONS, "all"]:
        chosen = [o for o in outcomes if action in ("all", o.action)]
        if not chosen:
            continue
        times = [o.seconds for o in chosen]
        count = Counter(o.kind for o in chosen)
        failed = sum(count[k] for k in FAILURES)
        report.add(
            f"| {action} | {len(chosen)} | {pct(times, 50):.0f} | {pct(times, 95):.0f} | "
            f"{max(times) * 1000:.0f} | {count['ok']} | {count['error_page']} | "
            f"{count['refused']} | {failed} |"
        )

    report.add(
        "",
        "| phase | requests | p50 ms | p95 ms | error pages | failures |",
        "|---|---:|---:|---:|---:|---:|",
    )
    by_phase: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        by_phase[phase_of(outcome, timeline)].append(outcome)
    for phase in ("faults only", "outage", "restart", "hung"):
        chosen = by_phase.get(phase, [])
        if not chosen:
            continue
        times = [o.seconds for o in chosen]
        pages = sum(o.kind == "error_page" for o in chosen)
        failed = sum(o.kind in FAILURES for o in chosen)
        report.add(
            f"| {phase} | {len(chosen)} | {pct(times, 50):.0f} | {pct(times, 95):.0f} | "
            f"{pages} | {failed} |"
        )

    report.add(
        "",
        f"/healthz, probed every {HEALTH_EVERY:g} s through the balancer (threads left over):",
        "",
        "| phase | probes | p50 ms | p95 ms | max ms | not 200 |",
        "|---|---:|---:|---:|---:|---:|",
    )
    health_by_phase: dict[str, list[tuple[float, int | None]]] = defaultdict(list)
    for at, took, status in timeline.health:
        health_by_phase[phase_at(at, timeline)].append((took, status))
        health_by_phase["all"].append((took, status))
    for phase in ("faults only", "outage", "restart", "hung", "all"):
        probes = health_by_phase.get(phase, [])
        if not probes:
            continue
        times = [took for took, _ in probes]
        bad = sum(status != 200 for _, status in probes)
        report.add(
            f"| {phase} | {len(probes)} | {pct(times, 50):.0f} | {pct(times, 95):.0f} | "
            f"{max(times) * 1000:.0f} | {bad} |"
        )

    # Where a probe's time goes: nginx's part includes gunicorn's (the listen backlog, waiting for
    # a free thread, then Django's); the rest is the prober's own client and nginx getting a CPU.
    at_nginx, in_django = balancer_stats.get("healthz", []), logs.healthz
    if at_nginx and in_django:
        report.add(
            "",
            f"Where its time went (all phases): at nginx (gunicorn included) p50 "
            f"{pct(at_nginx, 50):.0f} ms, p95 {pct(at_nginx, 95):.0f} ms; inside Django (the "
            f"request log's duration_ms) p50 {pct(in_django, 50):.1f} ms, p95 "
            f"{pct(in_django, 95):.1f} ms. The rest of the probe's time is the prober's own client "
            "(a process of its own) and waiting for a CPU.",
        )

    failures = [o for o in outcomes if o.kind in FAILURES]
    if failures:
        report.add("", "Failures (first 15):", "")
        report.add(
            *[
                f"- {o.started:5.1f} s {o.action}: {o.kind}, HTTP {o.status}, "
                f"{o.seconds * 1000:.0f} ms {o.detail[:160]!r}"
                for o in failures[:15]
            ]
        )

    hits, misses = logs.cache_hits, logs.cache_misses
    lookups = hits + misses
    statuses = sandbox_stats.get("statuses", {})
    report.add(
        "",
        "## Upstream, cache, balancer",
        "",
        f"- Argil calls (the sandbox's stats): {sandbox_stats.get('total', 0)}, by status "
        + ", ".join(f"{code}: {n}" for code, n in statuses.items())
        + "; by route "
        + ", ".join(f"`{r}` {n}" for r, n in sandbox_stats.get("routes", {}).items())
        + ".",
        f"- The gunicorns logged {logs.requests} requests, {logs.upstream_calls} upstream calls "
        f"({logs.upstream_calls / max(1, logs.requests):.2f} per request); cache lookups "
        f"{lookups}, hits {hits} ({hits / max(1, lookups):.1%}).",
        f"- Balancer: {balancer_stats.get('requests', 0)} requests; "
        f"**{balancer_stats.get('failovers', 0)} failovers** (connection refused, sent to the "
        f"other gunicorn), {balancer_stats.get('retries', 0)} GETs retried after a drop before "
        f"any answer, {balancer_stats.get('dropped', 0)} answered 502 by the balancer, "
        f"{balancer_stats.get('timeouts', 0)} answered 504; answered by backend: "
        + ", ".join(f"{b} {n}" for b, n in balancer_stats.get("backends", {}).items())
        + ".",
    )
    if timeline.restart:
        r = timeline.restart
        report.add(
            f"- Restart of gunicorn b: exited {r['exited'] - r['sigterm']:.1f} s after SIGTERM "
            f"(in-flight requests finished first), answering again {r['back'] - r['exited']:.1f} s "
            "after that."
        )
    if logs.server_errors or logs.tracebacks:
        report.add(
            "",
            f"Errors the gunicorns logged ({len(logs.server_errors)}; tracebacks in text: "
            f"{logs.tracebacks}), first 10:",
            "",
            *[f"- `{line}`" for line in logs.server_errors[:10]],
        )

    # Picks: what the editors believe against what PostgreSQL holds.
    uncertain = {(e.name, a) for e in editors for a in e.uncertain}
    believed = {
        (e.name, board, asset)
        for e in editors
        for board, assets in e.believed.items()
        for asset in assets
        if (e.name, asset) not in uncertain
    }
    held = {row for row in database if (row[0], row[2]) not in uncertain}
    lost, extra = believed - held, held - believed
    made = sum(1 for o in outcomes if o.action == "pick" and o.kind == "ok")
    undone = sum(1 for o in outcomes if o.action == "unpick" and o.kind == "ok")
    checks = sum(e.export_checks for e in editors)
    mismatches = [m for e in editors for m in e.export_mismatches]
    anomalies = [m for e in editors for m in e.anomalies]
    report.add(
        "",
        "## Picks: what the editors believe against PostgreSQL",
        "",
        f"- {made} picks and {undone} unpicks answered as done; at the end the editors believe "
        f"{len(believed)} picks are saved, on {len({(u, b) for u, b, _ in believed})} boards.",
        f"- PostgreSQL holds {len(database)} picks. Lost (believed, not held): **{len(lost)}**; "
        f"extra (held, not believed): **{len(extra)}**; left out as uncertain (the request's "
        f"answer never came): {len(uncertain)}.",
        f"- Exports checked against the editor's belief: {checks}, mismatched: {len(mismatches)}.",
        *[f"- lost: {row}" for row in sorted(lost)[:10]],
        *[f"- extra: {row}" for row in sorted(extra)[:10]],
        *[f"- export: {m}" for m in mismatches[:10]],
        *[f"- anomaly: {m}" for m in anomalies[:10]],
    )

    greedy = Counter(o.kind for o in run.greedy)
    greedy_failed = sum(greedy[k] for k in FAILURES if k != "slowed")
    greedy_times = [o.seconds for o in run.greedy] or [0.0]
    # Its previews answered (not refused) each cost Argil one call: a sliding minute allows
    # GREEDY_READS_PER_MINUTE, and a 60 s run spans two of the budget's minutes at most.
    greedy_cap = 2 * GREEDY_READS_PER_MINUTE
    report.add(
        "",
        "## A greedy editor",
        "",
        f"One more account asked for previews of random asset ids back to back for the 60 s, "
        f"{GREEDY_THREADS} at a time (each one an Argil call unless refused): "
        f"{len(run.greedy)} requests, "
        f"{greedy['ok']} answered (404, Argil asked), {greedy['slowed']} answered 429 "
        f'"slow down" with Retry-After, {greedy["error_page"]} error pages, '
        f"{greedy_failed} failures; p50 {pct(greedy_times, 50):.0f} ms. The 32 editors got "
        f'{kinds["slowed"]} "slow down" answers.',
    )
    report.check(
        "the greedy editor's excess is refused, within its budget",
        f"{greedy['ok']} calls let through (at most {greedy_cap}), {greedy['slowed']} refused",
        greedy["slowed"] > 0 and greedy["ok"] <= greedy_cap and greedy_failed == 0,
    )
    report.check("no other editor is slowed down", f"{kinds['slowed']}", kinds["slowed"] == 0)
    report.check("no 500s", f"{kinds['crash']}", kinds["crash"] == 0)
    report.check(
        "no dropped connections",
        f"{kinds['dropped']} (balancer 502s: {balancer_stats.get('dropped', 0)})",
        kinds["dropped"] == 0,
    )
    report.check("no timeouts on our side", f"{kinds['timeout']}", kinds["timeout"] == 0)
    report.check(
        "every error page says what failed",
        f"{kinds['unexplained']} without a message, {kinds['unexpected']} other 4xx",
        kinds["unexplained"] == 0 and kinds["unexpected"] == 0,
    )
    report.check(
        "every pick believed saved is in the database, nothing extra",
        f"{len(believed)} believed, {len(lost)} lost, {len(extra)} extra",
        not lost and not extra and bool(believed),
    )
    report.check(
        "exports match what the editor picked",
        f"{checks} checked, {len(mismatches)} mismatched",
        not mismatches and checks > 0,
    )
    report.check(
        "every answer read as the editor expected",
        f"{len(anomalies)} anomalies",
        not anomalies,
    )
    report.check(
        "every editor logged in, and stopped in time",
        f"{len(run.logins.seconds)}/{EDITORS + 1} logged in, {stuck} still running",
        len(run.logins.seconds) == EDITORS + 1 and stuck == 0,
    )
    for phase in ("hung", "all"):
        probes = [
            (t, s)
            for at, t, s in timeline.health
            if phase == "all" or phase_at(at, timeline) == phase
        ]
        p95 = pct([t for t, _ in probes], 95)
        bad = sum(s != 200 for _, s in probes)
        report.check(
            f"/healthz p95 under {HEALTH_P95_MS} ms, every probe 200 ({phase})",
            f"p95 {p95:.0f} ms over {len(probes)} probes, {bad} not 200",
            bool(probes) and p95 < HEALTH_P95_MS and bad == 0,
        )
    report.check(
        "the faults and the restart happened",
        f"{statuses.get('503', 0)} Argil 503s, restart "
        + ("done" if timeline.restart else "missing")
        + (", Argil hung" if len(timeline.hung) == 2 else ", no hung window"),
        bool(timeline.restart)
        and statuses.get("503", 0) > 0
        and len(timeline.hung) == 2
        and not timeline.errors,
    )
    return report


# --- The run -----------------------------------------------------------------------------------


def _interrupt(signum: int, frame: object) -> None:
    raise Interrupted(signal.Signals(signum).name)


def run(stack: ExitStack) -> Report:
    tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="argil-loadtest-")))
    api_key = "loadtest-" + secrets.token_urlsafe(24)
    password = secrets.token_urlsafe(16)

    # PostgreSQL and Redis: the script CI uses, on free ports; stopped however the run ends.
    # Its own directory under /tmp: PostgreSQL's user must reach it (tmp is private to us).
    services = Path(tempfile.mkdtemp(prefix="argil-loadtest-services-"))
    stack.callback(subprocess.run, [str(SERVICES), "stop", str(services)], check=False)
    started = subprocess.run(
        [str(SERVICES), "start", str(services), str(free_port()), str(free_port())],
        capture_output=True,
        text=True,
    )
    if started.returncode != 0:
        raise RuntimeError(f".ci/services did not start:\n{started.stdout}{started.stderr}")
    service_env = dict(
        line.split("=", 1) for line in (services / "services.env").read_text().splitlines()
    )

    balancer_port, sandbox_port = free_port(), free_port()
    base = f"http://127.0.0.1:{balancer_port}"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "argil_dashboard.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_HTTPS": "0",  # loopback, no TLS proxy
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_CSRF_TRUSTED_ORIGINS": base,
        "DJANGO_PROXY_COUNT": "1",  # the balancer
        "DJANGO_STATIC_ROOT": str(tmp / "static"),
        "ARGIL_API_KEY": api_key,
        "ARGIL_API_BASE_URL": f"http://127.0.0.1:{sandbox_port}/v1",
        "GUNICORN_WORKERS": str(GUNICORN_WORKERS),
        "GUNICORN_THREADS": str(GUNICORN_THREADS),
        "PYTHONDONTWRITEBYTECODE": "1",
        **service_env,
    }

    sandbox = Sandbox(f"http://127.0.0.1:{sandbox_port}", api_key)
    port = str(sandbox_port)
    sandbox_proc = start_process(
        "loadtest-sandbox",
        [sys.executable, "-m", "argil_sandbox", "--latency-ms", str(LATENCY_MS), "--port", port],
        env=env,
        ready=sandbox.ready,
    )
    stack.callback(stop_process, sandbox_proc)
    totals = sandbox.totals()
    sandbox.reset_stats()

    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput")
    names = EDITOR_NAMES[:EDITORS]
    create_editors = (
        "from django.contrib.auth.hashers import make_password\n"
        "from django.contrib.auth.models import User\n"
        f"hashed = make_password({password!r})\n"
        f"User.objects.bulk_create([User(username=n, password=hashed) for n in "
        f"{[*names, GREEDY]!r}])\n"
    )
    manage(env, "shell", "--no-imports", "-c", create_editors)

    gunicorns = [Gunicorn(name, free_port(), env) for name in ("a", "b")]
    for gunicorn in gunicorns:
        stack.callback(gunicorn.stop)
        gunicorn.start()
    # nginx: its configuration, pid, temp files and access log in a directory of its own.
    nginx_work = Path(tempfile.mkdtemp(prefix="argil-loadtest-nginx-"))
    stack.callback(shutil.rmtree, nginx_work, ignore_errors=True)
    balancer.write_config(nginx_work, port=balancer_port, backends=[g.port for g in gunicorns])
    nginx = start_process(
        "loadtest-balancer", balancer.command(nginx_work), env=env, ready=answers(base + "/healthz")
    )
    stack.callback(stop_process, nginx)

    # The load.
    load = LoadRun(base, totals)
    stack.callback(load.stop.set)  # first out: editors stop before their servers do
    editors = [Editor(name, http(), random.Random(f"{name}-{i}")) for i, name in enumerate(names)]
    greedy = Editor(GREEDY, http(), random.Random(GREEDY))
    logged_in = threading.Barrier(EDITORS + 2)
    threads = [
        threading.Thread(
            target=load.editor_loop, args=(e, password, logged_in), name=e.name, daemon=True
        )
        for e in editors
    ]
    threads.append(
        threading.Thread(
            target=load.greedy_loop, args=(greedy, password, logged_in), name=GREEDY, daemon=True
        )
    )
    for thread in threads:
        thread.start()
    logged_in.wait(timeout=LOGINS_WAIT)
    load.started = time.monotonic()
    timeline = Timeline()
    timeline.note(0.0, f"load starts at {datetime.now():%H:%M:%S} (the balancer logs this clock)")
    schedule = threading.Thread(
        target=fault_schedule, args=(load, sandbox, gunicorns[1], timeline), daemon=True
    )
    schedule.start()
    spawn = multiprocessing.get_context("spawn")  # no fork of this many-threaded process
    probing, (receiver, sender) = spawn.Event(), spawn.Pipe(duplex=False)
    prober = spawn.Process(
        target=health_prober, args=(load.base, probing, sender), name="prober", daemon=True
    )
    prober.start()
    load.stop.wait(RUN_SECONDS)
    load.stop.set()
    timeline.note(load.now(), "editors told to stop (each finishes its request in flight)")
    schedule.join(timeout=RESTART_STOP_TIMEOUT + 30)
    probing.set()
    if receiver.poll(CLIENT_TIMEOUT[1] + 5):
        timeline.health = [(at - load.started, t, s) for at, t, s in receiver.recv()]
    prober.join(timeout=5)
    deadline = time.monotonic() + CLIENT_TIMEOUT[1] + 5
    for thread in threads:
        thread.join(timeout=max(0.1, deadline - time.monotonic()))
    stuck = sum(thread.is_alive() for thread in threads)
    timeline.note(load.now(), f"editors stopped ({stuck} still running)")
    seconds = load.now()
    sandbox.faults(error_rate=0, timeout_rate=0, outage_seconds=0)

    balancer_stats = balancer.stats(nginx_work)
    shutil.copy(nginx_work / balancer.ACCESS_LOG, LOGS / "loadtest-balancer-access.jsonl")
    # Every /healthz probe as the client saw it, to set beside nginx's and gunicorn's timings.
    (LOGS / "loadtest-healthz.jsonl").write_text(
        "".join(
            json.dumps({"at": round(at, 3), "ms": round(took * 1000, 1), "status": status}) + "\n"
            for at, took, status in timeline.health
        )
    )
    logs = read_logs([LOGS / f"loadtest-gunicorn-{g.name}.log" for g in gunicorns])
    return build_report(
        load,
        editors,
        timeline,
        seconds=seconds,
        sandbox_stats=sandbox.stats(),
        balancer_stats=balancer_stats,
        logs=logs,
        database=picks_in_database(env),
        stuck=stuck,
    )


def main() -> int:
    try:
        balancer.nginx()  # before starting anything: say at once how to install it
    except RuntimeError as exc:
        print(exc, file=sys.stderr)
        return 2
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGALRM):
        signal.signal(signum, _interrupt)
    signal.alarm(RUN_BUDGET)
    started = time.monotonic()
    try:
        with ExitStack() as stack:
            report = run(stack)
    except Interrupted as exc:
        print(f"load test interrupted ({exc}); everything it started was stopped", file=sys.stderr)
        return 2
    finally:
        signal.alarm(0)
    text = report.text()
    REPORT.write_text(text)
    print(text)
    print(
        f"{time.monotonic() - started:.0f} s in all. Wrote {REPORT.relative_to(ROOT)}; "
        f"logs in {LOGS.relative_to(ROOT)}/loadtest-*.log."
    )
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
