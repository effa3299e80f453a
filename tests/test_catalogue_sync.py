"""The catalogue sync against the sandbox over real HTTP: correctness while Argil's list moves,
the read budget, 429s and outages, deletions and renames, stopping, and the lock.

Each test starts its own small sandbox (they change its library); the budget's window is a second
or two, so nothing waits a minute.
"""

import io
import itertools
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from argil_sandbox import RunningSandbox, SandboxConfig, start_sandbox
from assets_browser.api import ArgilClient, AssetStatus
from assets_browser.catalogue_search import catalogue_state
from assets_browser.catalogue_sync import (
    ReadBudget,
    Syncer,
    SyncFailed,
    SyncLock,
    SyncStopped,
)
from assets_browser.models import CatalogueAsset, SyncLease, SyncState

pytestmark = pytest.mark.django_db


@pytest.fixture
def django_client():
    from django.test import Client

    return Client()


KEY = settings.ARGIL_API_KEY
BASE_DIR = Path(__file__).resolve().parent.parent


@pytest.fixture
def argil() -> Iterator[RunningSandbox]:
    with start_sandbox(api_key=KEY, config=SandboxConfig(library_size=450, seed=3)) as running:
        yield running


class RecordingClient(ArgilClient):
    """The real client, remembering which (status, page) each list call asked for."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.asked: list[tuple[str, int]] = []

    def list_assets(self, *, status=AssetStatus.READY, page=1, **kwargs):
        self.asked.append((AssetStatus(status).value, page))
        return super().list_assets(status=status, page=page, **kwargs)


@pytest.fixture
def client(argil) -> Iterator[RecordingClient]:
    with RecordingClient(base_url=argil.base_url, api_key=KEY, retries=0, timeout=5) as c:
        yield c


class Reporter:
    """Progress sink that can act after the Nth page (fault injection from inside the pass)."""

    def __init__(self, after_pages: int = 0, action=None) -> None:
        self.pages = 0
        self.messages: list[str] = []
        self.after_pages, self.action = after_pages, action

    def page(self, progress) -> None:
        self.pages += 1
        if self.action is not None and self.pages == self.after_pages:
            self.action()

    def message(self, text: str) -> None:
        self.messages.append(text)


def syncer(client, *, per_window=1000, window=60.0, reporter=None, **kwargs) -> Syncer:
    budget = ReadBudget(per_window, window=window)
    return Syncer(client, budget=budget, progress=reporter or Reporter(), **kwargs)


def control(argil, method, path, body=None):
    response = requests.request(
        method,
        f"{argil.origin}/__sandbox__/{path}",
        json=body,
        headers={"x-api-key": KEY},
        timeout=5,
    )
    assert response.status_code < 300, response.text
    return response.json() if response.content else None


def library_ids(argil) -> dict[str, str]:
    """Every asset the sandbox holds now: id -> status."""
    found = {}
    for status in AssetStatus:
        page = 1
        while True:
            answer = requests.get(
                f"{argil.base_url}/assets",
                params={"status": status.value, "page": page, "pageSize": 100},
                headers={"x-api-key": KEY},
                timeout=5,
            ).json()
            found.update({asset["id"]: status.value for asset in answer})
            if len(answer) < 100:
                break
            page += 1
    return found


def catalogue() -> dict[str, str]:
    return dict(CatalogueAsset.objects.values_list("id", "status"))


def test_a_full_pass_copies_the_whole_library(argil, client):
    result = syncer(client).full_pass()

    assert catalogue() == library_ids(argil)
    assert result.seen == 450
    state = SyncState.objects.get()
    assert state.last_full_pass_at is not None
    assert state.pass_started_at is None
    assert state.pass_seen == 450
    cafe = CatalogueAsset.objects.get(name="Café à São Paulo — 夜景 🌃🎬 (ünïcödé)")
    assert cafe.search_name == "cafe a sao paulo — 夜景 🌃🎬 (unicode)"
    assert CatalogueAsset.objects.filter(name="").count() == 2  # a null name and an empty one


@pytest.mark.skipif(connection.vendor != "postgresql", reason="VACUUM is PostgreSQL's")
@pytest.mark.django_db(transaction=True)  # VACUUM cannot run inside a test's transaction
def test_a_full_pass_leaves_the_catalogue_vacuumed_for_index_only_scans(argil, client):
    # A pass rewrites every row; searches of short words count from the name index alone
    # only where the visibility map says every page is visible. The test server commits with
    # synchronous_commit=off, which VACUUM alone would not see past.
    syncer(client).full_pass()

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relpages, relallvisible FROM pg_class WHERE relname = %s",
            [CatalogueAsset._meta.db_table],
        )
        pages, visible = cursor.fetchone()
    assert pages > 0
    assert visible == pages


def test_uploads_and_deletions_while_paging_lose_and_duplicate_nothing(argil, client):
    before = library_ids(argil)
    # While READY is paged: 130 uploads push its pages down, then deleting the 150 newest pulls
    # them up (the next page would start past assets never read), then 7 more uploads.
    control(argil, "POST", "hooks", {"after_list_calls": 4, "insert": 130})
    control(argil, "POST", "hooks", {"after_list_calls": 5, "delete_newest": 150})
    control(argil, "POST", "hooks", {"after_list_calls": 6, "insert": 7})

    result = syncer(client).full_pass()

    now = library_ids(argil)
    assert len(now) == 450 + 130 + 7 - 150  # the hooks ran, mid-pass
    assert set(now) <= set(catalogue())  # nothing that exists was lost
    assert set(catalogue()) <= set(before) | set(now)  # nothing invented
    assert result.seen == len(catalogue())  # nothing counted twice
    ready_pages = [page for status, page in client.asked if status == "READY"]
    assert any(b < a for a, b in itertools.pairwise(ready_pages))  # stepped back
    # The next pass drops what was deleted after this one read it, and nothing else.
    syncer(client).full_pass()
    assert catalogue() == library_ids(argil)


def test_deletions_renames_settling_and_new_files_propagate(argil, client):
    syncer(client).full_pass()
    ready = [i for i, s in library_ids(argil).items() if s == "READY"]
    processing = [i for i, s in library_ids(argil).items() if s == "PROCESSING"]
    gone, renamed, refiled, settled = ready[:3], ready[3], ready[4], processing[0]
    CatalogueAsset.objects.filter(pk=refiled).update(
        probed_url="http://old/file.webm", duration_seconds=12.5, width=1920, height=1080
    )
    for asset_id in gone:
        control(argil, "DELETE", f"assets/{asset_id}")
    control(argil, "POST", f"assets/{renamed}", {"name": "Harbour DRONE — Dusk"})
    control(argil, "POST", f"assets/{settled}", {"status": "READY"})
    old = CatalogueAsset.objects.get(pk=refiled)
    files = {"VIDEO": "clip-0{}.webm", "IMAGE": "image-0{}.jpg", "AUDIO": "track-0{}.ogg"}
    new_file = next(
        name
        for name in (files[old.type].format(2), files[old.type].format(3))
        if not old.file_url.endswith(name)
    )
    control(argil, "POST", f"assets/{refiled}", {"file": new_file})

    result = syncer(client).full_pass()

    assert result.deleted == 3
    assert not CatalogueAsset.objects.filter(pk__in=gone).exists()
    row = CatalogueAsset.objects.get(pk=renamed)
    assert (row.name, row.search_name) == ("Harbour DRONE — Dusk", "harbour drone — dusk")
    assert CatalogueAsset.objects.get(pk=settled).status == "READY"
    row = CatalogueAsset.objects.get(pk=refiled)
    assert row.file_url.endswith(new_file)
    assert (row.duration_seconds, row.width, row.height) == (None, None, None)
    assert row.probed_url == "http://old/file.webm"  # the prober sees it must look again
    assert catalogue() == library_ids(argil)


def test_a_stopped_pass_deletes_nothing_and_keeps_what_it_wrote(argil, client):
    syncer(client).full_pass()
    doomed = next(iter(library_ids(argil)))
    control(argil, "DELETE", f"assets/{doomed}")
    stop = threading.Event()
    reporter = Reporter(after_pages=2, action=stop.set)

    with pytest.raises(SyncStopped):
        syncer(client, reporter=reporter, stop=stop).full_pass()

    assert CatalogueAsset.objects.filter(pk=doomed).exists()
    state = SyncState.objects.get()
    assert state.pass_started_at is None
    assert "nothing deleted" in state.last_error


def test_a_failed_pass_deletes_nothing(argil, client):
    syncer(client).full_pass()
    doomed = next(iter(library_ids(argil)))
    control(argil, "DELETE", f"assets/{doomed}")
    outage = lambda: argil.app.apply_fault_changes({"outage_seconds": 60})  # noqa: E731
    reporter = Reporter(after_pages=2, action=outage)

    with pytest.raises(SyncFailed):
        syncer(client, reporter=reporter, max_outage_seconds=0).full_pass()

    assert CatalogueAsset.objects.filter(pk=doomed).exists()
    assert SyncState.objects.get(pk=1).last_error.startswith("pass failed")


def test_an_outage_mid_pass_resumes_at_the_same_page(argil, client):
    outage = lambda: argil.app.apply_fault_changes({"outage_seconds": 0.3})  # noqa: E731
    reporter = Reporter(after_pages=3, action=outage)

    syncer(client, reporter=reporter).full_pass()

    assert argil.app.stats.snapshot()["statuses"]["503"] >= 1
    ready = [page for status, page in client.asked if status == "READY"]
    assert ready[:4] == [1, 2, 3, 3]  # page 3 got the 503 and was asked for again
    assert any("trying page" in m for m in reporter.messages)
    assert catalogue() == library_ids(argil)


def test_a_429_is_waited_out_and_the_pass_completes(argil, client):
    argil.app.apply_fault_changes({"rate_limit_per_minute": 3, "rate_window_seconds": 1})
    reporter = Reporter()

    syncer(client, reporter=reporter).full_pass()

    assert argil.app.stats.snapshot()["statuses"].get("429", 0) >= 1
    assert any("rate limiting" in m for m in reporter.messages)
    argil.app.apply_fault_changes({"rate_limit_per_minute": 0})
    assert catalogue() == library_ids(argil)


def test_the_read_budget_holds_in_any_window(argil, client):
    argil.app.stats.reset()

    syncer(client, per_window=4, window=2.0).full_pass()

    calls = argil.app.stats.snapshot()["total"]
    assert calls > 8  # enough calls for the budget to bind more than once
    # Counted where Argil counts (when each answer is sent): a 1 s window leaves a second of
    # slack for the time between the sync starting a call and the sandbox answering it.
    assert argil.app.stats.max_in_window(1.0) <= 4


def test_a_poll_finds_new_uploads_and_costs_three_calls_when_nothing_changed(argil, client):
    sync = syncer(client)
    sync.full_pass()
    calls = sync.calls

    quiet = sync.poll()

    assert (quiet.new, quiet.changed, sync.calls - calls) == (0, 0, 3)
    new_id = control(argil, "POST", "assets", {"status": "PROCESSING", "name": "Harbour drone"})
    renamed = next(iter(library_ids(argil)))
    control(argil, "POST", f"assets/{renamed}", {"name": "Renamed at the top"})
    busy = sync.poll()
    assert busy.new == 1
    assert CatalogueAsset.objects.get(pk=new_id["ids"][0]).status == "PROCESSING"


def test_watch_makes_a_new_upload_searchable_then_stops_cleanly(argil, client):
    stop = threading.Event()
    uploaded: list[str] = []

    class WatchReporter(Reporter):
        def message(self, text: str) -> None:
            super().message(text)
            if text.startswith("full pass done"):  # the first pass: now an editor uploads
                uploaded.extend(control(argil, "POST", "assets", {"name": "Fresh upload"})["ids"])
            elif text.startswith("poll:") and "1 new" in text:
                stop.set()

    sync = syncer(client, reporter=WatchReporter(), stop=stop, poll_seconds=0.2)

    with pytest.raises(SyncStopped):
        sync.watch(full_pass_seconds=3600)

    assert CatalogueAsset.objects.get(pk=uploaded[0]).search_name == "fresh upload"


def test_one_lock_holder_at_a_time():
    first, second = SyncLock(), SyncLock()

    assert first.acquire()
    assert not second.acquire()
    first.renew(force=True)
    assert not second.acquire()
    first.release()
    assert second.acquire()
    # A holder that stops renewing loses the lease once it expires.
    SyncLease.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert first.acquire()
    with pytest.raises(Exception, match="another sync took the lock"):
        second.renew(force=True)


def test_the_lease_is_kept_through_long_budget_waits(client, monkeypatch):
    # A lease of 2 s renewed every 0.25 s, and a budget whose waits (up to 3 s) outlast it.
    monkeypatch.setattr("assets_browser.catalogue_sync.LEASE_SECONDS", 2.0)
    monkeypatch.setattr("assets_browser.catalogue_sync.LEASE_RENEW_SECONDS", 0.25)
    holder, rival = SyncLock(), SyncLock()
    assert holder.acquire()
    rival_won: list[bool] = []
    reporter = Reporter()
    reporter.page = lambda progress: rival_won.append(rival.acquire())

    syncer(client, per_window=3, window=3.0, lock=holder, reporter=reporter).full_pass()

    assert len(rival_won) >= 5  # pages long enough apart for an unrenewed lease to lapse
    assert not any(rival_won)


def test_the_command_refuses_to_start_beside_another_sync(argil, settings):
    settings.ARGIL_API_BASE_URL = argil.base_url
    holder = SyncLock()
    assert holder.acquire()

    with pytest.raises(CommandError, match="another catalogue sync is running") as refused:
        call_command("sync_assets", stdout=io.StringIO())

    assert refused.value.returncode == 3
    assert not CatalogueAsset.objects.exists()


def test_the_command_runs_one_pass_and_never_prints_the_key(argil, settings):
    settings.ARGIL_API_BASE_URL = argil.base_url
    out, err = io.StringIO(), io.StringIO()

    call_command("sync_assets", stdout=out, stderr=err)

    assert CatalogueAsset.objects.count() == 450
    assert "one full pass" in out.getvalue()
    assert KEY not in out.getvalue() + err.getvalue()
    assert not SyncLease.objects.exists()  # released on the way out


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_the_command_draws_a_progress_bar(argil, settings, monkeypatch):
    settings.ARGIL_API_BASE_URL = argil.base_url
    monkeypatch.setattr("assets_browser.management.commands.sync_assets.TerminalProgress.EVERY", 0)
    out = Terminal()

    call_command("sync_assets", stdout=out)

    drawn = out.getvalue()
    assert "\r[" in drawn
    assert "READY " in drawn
    assert "/s" in drawn
    assert "full pass done: 450 assets" in drawn
    assert KEY not in drawn


def test_a_rejected_key_fails_the_command_without_deleting(argil, settings):
    settings.ARGIL_API_BASE_URL = argil.base_url
    call_command("sync_assets", stdout=io.StringIO())
    settings.ARGIL_API_KEY = "sk-wrong-key"

    with pytest.raises(CommandError, match="key was rejected; nothing deleted"):
        call_command("sync_assets", stdout=io.StringIO())

    assert CatalogueAsset.objects.count() == 450


def test_status_says_syncing_with_a_percentage():
    SyncState.objects.create(pk=1, pass_started_at=timezone.now(), pass_seen=37, pass_expected=100)

    state = catalogue_state()

    assert (state.is_syncing, state.progress_percent, state.is_ready, state.total) == (
        True,
        37,
        False,
        0,
    )
    assert state.age_seconds is None


def test_healthz_reports_the_catalogue(django_client):
    SyncState.objects.create(
        pk=1,
        last_synced_at=timezone.now() - timedelta(seconds=12),
        last_full_pass_at=timezone.now(),
    )

    body = django_client.get("/healthz").json()

    assert body["catalogue"]["assets"] == 0
    assert 12 <= body["catalogue"]["age_seconds"] <= 60
    assert body["catalogue"]["syncing"] is False


# --- The command as a process: SIGTERM mid-pass, and a second instance beside it ---------------


def _manage(*args: str, env: dict[str, str], **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **kwargs,
    )


def _wait_for(check, within: float = 30.0):
    deadline = time.monotonic() + within
    while not (result := check()):
        assert time.monotonic() < deadline, f"still false after {within} s"
        time.sleep(0.05)
    return result


@pytest.fixture(scope="module")
def migrated_template(tmp_path_factory) -> Path:
    """A migrated SQLite file, made once; each process test works on its own copy."""
    database = tmp_path_factory.mktemp("catalogue") / "template.sqlite3"
    env = _process_env(database)
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr
    return database


def _process_env(database: Path, **extra: str) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "ARGIL_"))},
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_LOG_FORMAT": "plain",
        **extra,
    }


def test_sigterm_mid_pass_exits_0_with_whole_batches_and_a_second_sync_is_refused(
    tmp_path, migrated_template
):
    config = SandboxConfig(library_size=3000, latency_ms=100, seed=5)
    database = tmp_path / "sync.sqlite3"
    shutil.copy(migrated_template, database)
    env = _process_env(database)
    with start_sandbox(api_key=KEY, config=config) as argil:
        env["ARGIL_API_BASE_URL"] = argil.base_url
        watcher = _manage("sync_assets", "--watch", env=env)
        try:
            _wait_for(lambda: argil.app.stats.total >= 5)  # mid-pass: 28 pages to go
            # Slow Argil down so the pass is still running however long the second start takes.
            argil.app.apply_fault_changes({"latency_ms": 2000})
            second = _manage("sync_assets", env=env)
            second_output = second.communicate(timeout=60)[0]
            watcher.send_signal(signal.SIGTERM)
            output = watcher.communicate(timeout=60)[0]
        finally:
            if watcher.poll() is None:
                watcher.kill()
                watcher.wait()
    assert second.returncode == 3
    assert "another catalogue sync is running" in second_output
    assert watcher.returncode == 0, output
    assert "stopped; every batch written so far is kept" in output
    assert KEY not in output + second_output
    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT COUNT(*) FROM assets_browser_catalogueasset").fetchone()[0]
        state = db.execute(
            "SELECT pass_seen, pass_started_at, last_full_pass_at FROM assets_browser_syncstate"
        ).fetchone()
        leases = db.execute("SELECT COUNT(*) FROM assets_browser_synclease").fetchone()[0]
    assert 0 < rows < 3000  # stopped part-way
    assert state == (rows, None, None), output  # the count written with the last whole batch
    assert leases == 0  # released on the way out


def test_a_busy_database_delays_a_batch_but_loses_nothing(tmp_path, migrated_template):
    database = tmp_path / "sync.sqlite3"
    shutil.copy(migrated_template, database)
    config = SandboxConfig(library_size=300, latency_ms=200)
    with start_sandbox(api_key=KEY, config=config) as argil:
        # SQLite's own wait for the lock, short here: the sync's retries come after it.
        env = _process_env(
            database, ARGIL_API_BASE_URL=argil.base_url, DJANGO_SQLITE_BUSY_TIMEOUT="1"
        )
        blocker = sqlite3.connect(database, isolation_level=None)
        sync = _manage("sync_assets", env=env)
        try:
            _wait_for(lambda: argil.app.stats.total >= 2)  # mid-pass
            blocker.execute("BEGIN IMMEDIATE")  # holds the write lock, as a long writer would
            lines: list[str] = []
            assert sync.stdout is not None
            for line in sync.stdout:  # SQLite's own wait first, then the sync's retries
                lines.append(line)
                if "database busy" in line:
                    break
            blocker.execute("COMMIT")
            output = "".join(lines) + sync.communicate(timeout=60)[0]
        finally:
            blocker.close()
            if sync.poll() is None:
                sync.kill()
                sync.communicate()
    assert sync.returncode == 0, output
    assert "writing the batch again" in output
    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT COUNT(*) FROM assets_browser_catalogueasset").fetchone()[0]
    assert rows == 300


def _children(pid: int) -> set[int]:
    """The processes whose parent is `pid` (from /proc: no extra dependency)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
def test_make_run_starts_the_watcher_beside_the_dashboard_and_stops_it(tmp_path, migrated_template):
    database = tmp_path / "run.sqlite3"
    shutil.copy(migrated_template, database)
    env = {
        **_process_env(database),
        "DJANGO_SETTINGS_MODULE": "argil_dashboard.settings",
        "DJANGO_DEBUG": "1",
    }
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    run = _manage("run", f"127.0.0.1:{port}", "--sandbox-port", "0", env=env)
    try:

        def synced() -> bool:
            with sqlite3.connect(database, timeout=5) as db:
                return (
                    db.execute("SELECT COUNT(*) FROM assets_browser_catalogueasset").fetchone()[0]
                    == 240
                )

        _wait_for(synced, within=60)  # demo mode: the sandbox's 240 assets, synced
        children = _children(run.pid)
        assert len(children) == 3  # the sandbox, the sync worker, runserver
        run.send_signal(signal.SIGTERM)
        output = run.communicate(timeout=60)[0]
    finally:
        if run.poll() is None:
            run.kill()
            run.communicate()
    assert "catalogue sync: watching" in output
    assert "catalogue sync: stopped" in output
    assert not [pid for pid in children if _alive(pid)]


def test_with_wait_a_second_sync_waits_for_the_lease_then_runs(tmp_path, migrated_template):
    database = tmp_path / "sync.sqlite3"
    shutil.copy(migrated_template, database)
    later = (timezone.now() + timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M:%S.%f")
    with sqlite3.connect(database) as db:  # another machine's sync holds the lease
        db.execute(
            "INSERT INTO assets_browser_synclease (name, holder, acquired_at, expires_at)"
            " VALUES ('catalogue-sync', 'elsewhere:1:cafe', ?, ?)",
            (later, later),
        )
    with start_sandbox(api_key=KEY, config=SandboxConfig(library_size=50)) as argil:
        env = _process_env(database, ARGIL_API_BASE_URL=argil.base_url)
        sync = _manage("sync_assets", "--wait", env=env)
        try:
            lines = []
            assert sync.stdout is not None
            for line in sync.stdout:
                lines.append(line)
                if "waiting" in line:
                    break
            assert argil.app.stats.total == 0  # it waits without reading Argil
            with sqlite3.connect(database) as db:  # that machine stops: its lease ends
                db.execute("DELETE FROM assets_browser_synclease")
            output = "".join(lines) + sync.communicate(timeout=60)[0]
        finally:
            if sync.poll() is None:
                sync.kill()
                sync.communicate()
    assert sync.returncode == 0, output
    assert "another sync is running (elsewhere:1:cafe" in output
    assert output.index("waiting") < output.index("full pass done: 50 assets")
