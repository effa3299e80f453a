"""`manage.py sync_assets`: one full pass of the catalogue sync, or `--watch` to keep it fresh.

    python manage.py sync_assets            # one full pass, then exit 0
    python manage.py sync_assets --watch    # polls every 10 s, a full pass every 10 min

SIGTERM or Ctrl-C stops it between two batches (the batch being written is finished: nothing is
left half-written) and it exits 0. One sync runs at a time across machines (a lease in the
database): a second one-shot run exits 3 saying who holds it; `--watch` or `--wait` waits.
On a terminal it draws a progress bar; otherwise it logs plain lines. It never prints the key.
"""

import contextlib
import math
import signal
import sys
import threading
import time
from collections.abc import Iterator

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, OutputWrapper
from django.db import DatabaseError

from assets_browser import media_facts
from assets_browser.catalogue_sync import (
    FULL_PASS_SECONDS,
    POLL_SECONDS,
    LogProgress,
    PassProgress,
    ReadBudget,
    Syncer,
    SyncFailed,
    SyncLock,
    SyncLockLost,
    SyncStopped,
    describe,
    sync_client,
)

LOCK_TAKEN_EXIT_STATUS = 3  # "another sync is running": not a failure of this one
# A one-shot pass gives up when Argil has been unavailable this long in a row; --watch waits on.
ONE_SHOT_MAX_OUTAGE_SECONDS = 600.0
LOCK_RETRY_SECONDS = 5.0  # how often a waiting instance tries the lock


class Command(BaseCommand):
    help = "Sync the catalogue with Argil: one full pass, or --watch to keep it fresh."

    def add_arguments(self, parser):
        parser.add_argument(
            "--watch",
            action="store_true",
            help="keep going: the newest pages every poll, a full pass now and then",
        )
        parser.add_argument(
            "--wait",
            action="store_true",
            help="wait for another sync to finish instead of exiting (implied by --watch)",
        )
        parser.add_argument(
            "--plain", action="store_true", help="log lines, even on a terminal (no progress bar)"
        )
        parser.add_argument(
            "--no-media",
            action="store_true",
            help="--watch: do not read media facts (duration, size) between polls",
        )
        parser.add_argument(
            "--poll-seconds", type=float, default=POLL_SECONDS, help="--watch: between polls"
        )
        parser.add_argument(
            "--full-pass-seconds",
            type=float,
            default=FULL_PASS_SECONDS,
            help="--watch: between full passes (deletions and renames further down)",
        )

    def handle(
        self, *args, watch, wait, plain, no_media, poll_seconds, full_pass_seconds, **options
    ):
        if not settings.ARGIL_API_KEY:
            raise CommandError("ARGIL_API_KEY is not set: the sync has nothing to read from.")
        if poll_seconds <= 0 or full_pass_seconds <= 0:
            raise CommandError("--poll-seconds and --full-pass-seconds must be positive")
        stop = threading.Event()
        with _stop_on_signals(stop):
            lock = SyncLock()
            if not self._acquire(lock, stop, wait=wait or watch):
                return  # stopped while waiting for the lock
            client = sync_client()
            budget = settings.ARGIL_SYNC_READS_PER_MINUTE
            syncer = Syncer(
                client,
                budget=ReadBudget(budget),
                stop=stop,
                lock=lock,
                progress=LogProgress() if plain else self._progress(),
                max_outage_seconds=None if watch else ONE_SHOT_MAX_OUTAGE_SECONDS,
                poll_seconds=poll_seconds,
                # Between polls, the media prober reads a few files (media_facts.BATCH).
                idle_work=media_facts.probe_some if watch and not no_media else None,
            )
            what = "watching" if watch else "one full pass"
            self._say(f"catalogue sync: {what}; read budget {budget} calls a minute")
            try:
                if watch:
                    syncer.watch(full_pass_seconds=full_pass_seconds)
                else:
                    syncer.full_pass()
            except SyncStopped:
                self._say("catalogue sync: stopped; every batch written so far is kept")
            except SyncLockLost as exc:
                raise CommandError(f"catalogue sync: {exc}; stopping") from None
            except SyncFailed as exc:
                raise CommandError(f"catalogue sync failed: {exc}; nothing deleted") from None
            except DatabaseError as exc:
                message = f"catalogue sync: database error: {exc}; nothing deleted"
                raise CommandError(message) from exc
            finally:
                client.close()
                with contextlib.suppress(Exception):  # a lost lease has nothing to release
                    lock.release()

    def _acquire(self, lock: SyncLock, stop: threading.Event, *, wait: bool) -> bool:
        said = False
        while not lock.acquire():
            lease = lock.current()
            holder = "?"
            if lease is not None:
                holder = f"{lease.holder}, lease until {lease.expires_at:%H:%M:%S} UTC"
            if not wait:
                raise CommandError(
                    f"another catalogue sync is running ({holder}); not starting. "
                    "Use --wait to wait for it.",
                    returncode=LOCK_TAKEN_EXIT_STATUS,
                )
            if not said:
                self._say(f"catalogue sync: another sync is running ({holder}); waiting")
                said = True
            if stop.wait(LOCK_RETRY_SECONDS):
                self._say("catalogue sync: stopped while waiting for the lock")
                return False
        return True

    def _progress(self) -> "TerminalProgress | LogProgress":
        if self.stdout.isatty():
            return TerminalProgress(self.stdout)
        return LogProgress()

    def _say(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()


class TerminalProgress:
    """A one-line progress bar redrawn in place (at most 5 times a second)."""

    WIDTH = 24
    EVERY = 0.2  # seconds between redraws

    def __init__(self, out: OutputWrapper) -> None:
        self.out = out
        self._drawn = -math.inf

    def page(self, progress: PassProgress) -> None:
        now = time.monotonic()
        if now - self._drawn < self.EVERY:
            return
        self._drawn = now
        seen, expected = progress.total_seen, progress.total_expected
        filled = round(self.WIDTH * seen / expected) if expected else self.WIDTH
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        self.out.write(f"\r[{bar}] {describe(progress)}\x1b[K", ending="")
        self.out.flush()

    def message(self, text: str) -> None:
        self.out.write(f"\r\x1b[K{text}")
        self.out.flush()


@contextlib.contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """SIGTERM and Ctrl-C set `stop` (the sync ends between batches) instead of raising
    mid-write; the previous handlers come back afterwards."""

    def handler(signum, frame):
        stop.set()

    if threading.current_thread() is not threading.main_thread():  # e.g. called from a thread
        yield
        return
    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
        sys.stdout.flush()
