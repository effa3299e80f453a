"""The catalogue sync: keeps CatalogueAsset in step with Argil's `GET /assets`.

A **full pass** reads every status (PROCESSING, then READY, then FAILED), all types, 100 a page,
newest first, and upserts each page in one transaction. When every status has been read to its
end, rows the pass did not see (`seen_at` older than the pass) are deleted; a pass that fails or
is stopped deletes nothing.

Argil pages by offset, so the list can move under the pass:
- an upload lands at the top and pushes everything down one place: the next page repeats an
  asset already read, which is skipped (dedupe by id);
- a deletion (or an asset leaving the status) above the pass's position pulls everything up, and
  the first asset of the next page would be skipped. X-Total-Count falling between two pages is
  the sign: the pass steps back as many pages as the count fell and reads them again;
- uploads that land on pages already read are found by reading the top again at the end of each
  status, until a page holds an asset this pass has already seen.
The step-back assumes what Argil's order implies: new assets (uploads, uploads that settle) join
at the top of a list, so the only moves further down are removals.

Statuses go PROCESSING first: an upload that settles while the pass runs leaves PROCESSING after
it was read there and then is found at the top of READY or FAILED, read later.

**Incremental polls** (`--watch`, every ~10 s) read the first page of each status and go on only
while a page holds nothing the catalogue already has unchanged: 3 calls when nothing changed.
New uploads appear at the top of PROCESSING, so they are searchable within one poll.

Every call goes through one **read budget** (a sliding 60 s window), is never retried by the
client itself (so each HTTP request is counted), and:
- 429: waits Retry-After (capped), then asks for the same page again;
- 5xx, timeouts, refused connections: waits 1, 2, 4 ... 60 s, then the same page again;
- anything else (a rejected key, an unreadable answer): the pass fails, deleting nothing.

One sync at a time across machines: a lease row in the database (SyncLease), renewed while the
holder works; see `SyncLock`.
"""

from __future__ import annotations

import logging
import math
import os
import secrets
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from django.conf import settings
from django.db import DatabaseError, IntegrityError, OperationalError, connection, transaction
from django.db.models import Count, DateTimeField, ExpressionWrapper, Q
from django.db.models.functions import Now
from django.utils import timezone

from .api import (
    CONNECT_TIMEOUT,
    MAX_PAGE_SIZE,
    ArgilAPIError,
    ArgilClient,
    ArgilRateLimited,
    ArgilUnavailable,
    Asset,
    AssetPage,
    AssetStatus,
    UpstreamCall,
)
from .catalogue_search import fold
from .models import ASSET_NAME_MAX_LENGTH, URL_MAX_LENGTH, CatalogueAsset, SyncLease, SyncState

logger = logging.getLogger(__name__)

# --- Schedule and limits -----------------------------------------------------------------------

PAGE_SIZE = MAX_PAGE_SIZE  # 100: the fewest calls per asset Argil allows
# PROCESSING first: see the module docstring (assets settling mid-pass).
STATUS_ORDER = (AssetStatus.PROCESSING, AssetStatus.READY, AssetStatus.FAILED)
BUDGET_WINDOW_SECONDS = 60.0  # ARGIL_SYNC_READS_PER_MINUTE counts calls in any such window
# A Retry-After longer than this is waited in slices of it: the sync asks again, a 429 is cheap.
RETRY_AFTER_CAP_SECONDS = 60.0
RETRY_AFTER_DEFAULT_SECONDS = 5.0  # a 429 without a readable Retry-After
BACKOFF_FIRST_SECONDS = 1.0  # after a 5xx/timeout: 1, 2, 4, ... capped at BACKOFF_MAX_SECONDS
BACKOFF_MAX_SECONDS = 60.0
POLL_SECONDS = 10.0  # --watch: the newest page of each status; a new upload shows within this
FULL_PASS_SECONDS = 600.0  # --watch: a full pass (deletions, renames) this long after the last
POLL_MAX_PAGES = 20  # one poll reads at most this many pages per status (a burst of uploads)
FAILED_PASS_RETRY = 60.0  # --watch: seconds before a failed full pass starts again
STORE_ATTEMPTS = 5  # tries to write one batch while the database is busy
STORE_RETRY_SECONDS = 1.0
LEASE_SECONDS = 60.0  # a crashed holder blocks other machines this long at most
LEASE_RENEW_SECONDS = 15.0  # the holder renews this often (4 chances before it expires)
LOCK_NAME = "catalogue-sync"
# The sync's own read timeout: nobody waits on a page, so give Argil longer than a view does.
SYNC_READ_TIMEOUT = 30.0
# For an asset whose createdAt is missing or garbled: sorted as the oldest, not the newest.
UNKNOWN_CREATED_AT = datetime(1970, 1, 1, tzinfo=UTC)

# Fields a list answer sets; media facts (the prober's) are left alone unless the file changed.
LISTING_FIELDS = [
    "name",
    "search_name",
    "type",
    "status",
    "file_url",
    "thumbnail_url",
    "created_at",
    "seen_at",
]
# What is known about a file stops being true when fileUrl changes. probed_url keeps the old
# URL, so the prober sees that this row needs probing again.
CLEARED_MEDIA_FACTS = {
    "probed_at": None,
    "probe_error": "",
    "duration_seconds": None,
    "width": None,
    "height": None,
    "orientation": "",
    "frame_rate": None,
    "codec": "",
    "file_format": "",
    "file_size": None,
}


# --- Errors ------------------------------------------------------------------------------------


class SyncStopped(Exception):  # noqa: N818 (a signal, not an error)
    """Stop was asked for (SIGTERM, Ctrl-C): raised between batches, never inside one."""


class SyncLockLost(Exception):  # noqa: N818 (reads as what happened)
    """The lease expired and another process took it: this one must stop writing."""


class SyncFailed(Exception):  # noqa: N818 (reads as what happened)
    """A pass cannot go on (a rejected key, an unreadable answer, Argil down for too long)."""


# --- The read budget ---------------------------------------------------------------------------


class Waiter(Protocol):
    def __call__(self, seconds: float) -> bool: ...  # True: stop was asked for while waiting


class ReadBudget:
    """At most `per_window` calls in any `window` seconds (a sliding window of call times).

    `take(wait)` blocks (through `wait`, which returns True when stop is asked for) until a
    call may be made, then counts it. The window and the clock are injectable, so a test holds
    a budget of a few seconds instead of a minute.
    """

    def __init__(
        self,
        per_window: int,
        *,
        window: float = BUDGET_WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if per_window < 1:
            raise ValueError("the read budget must allow at least one call per window")
        self.per_window = per_window
        self.window = window
        self._clock = clock
        self._calls: deque[float] = deque()

    def take(self, wait: Waiter) -> None:
        while True:
            now = self._clock()
            while self._calls and now - self._calls[0] >= self.window:
                self._calls.popleft()
            if len(self._calls) < self.per_window:
                self._calls.append(now)
                return
            if wait(self._calls[0] + self.window - now):
                raise SyncStopped

    @property
    def used(self) -> int:
        """Calls counted in the current window."""
        now = self._clock()
        return sum(1 for moment in self._calls if now - moment < self.window)


# --- Progress ----------------------------------------------------------------------------------


@dataclass
class PassProgress:
    """Assets seen / expected per status in the pass under way (what the progress bar shows)."""

    started: float = field(default_factory=time.monotonic)
    seen: dict[AssetStatus, int] = field(default_factory=dict)
    expected: dict[AssetStatus, int] = field(default_factory=dict)
    status: AssetStatus | None = None  # the status being read

    @property
    def total_seen(self) -> int:
        return sum(self.seen.values())

    @property
    def total_expected(self) -> int:
        return max(sum(self.expected.values()), self.total_seen)

    @property
    def rate(self) -> float:
        """Assets per second since the pass began."""
        elapsed = time.monotonic() - self.started
        return self.total_seen / elapsed if elapsed > 0 else 0.0

    @property
    def eta_seconds(self) -> float | None:
        rate = self.rate
        if rate <= 0:
            return None
        return max(0.0, (self.total_expected - self.total_seen) / rate)


class ProgressReporter(Protocol):
    def page(self, progress: PassProgress) -> None: ...
    def message(self, text: str) -> None: ...


class LogProgress:
    """Plain log lines: progress every `every` pages; messages (pass done, waits) as they come."""

    def __init__(self, every: int = 25) -> None:
        self.every = every
        self._pages = 0

    def page(self, progress: PassProgress) -> None:
        self._pages += 1
        if self._pages % self.every == 0:
            logger.info("catalogue sync: %s", describe(progress))

    def message(self, text: str) -> None:
        logger.info("catalogue sync: %s", text)


def describe(progress: PassProgress) -> str:
    """ "READY 3,700/80,000 · all 4,100/100,000 (4%) · 412/s · ETA 3m53s" """
    parts = []
    if progress.status is not None:
        status = progress.status
        parts.append(
            f"{status.value} {progress.seen.get(status, 0):,}/{progress.expected.get(status, 0):,}"
        )
    seen, expected = progress.total_seen, progress.total_expected
    percent = math.floor(100 * seen / expected) if expected else 100
    parts.append(f"all {seen:,}/{expected:,} ({percent}%)")
    parts.append(f"{progress.rate:,.0f}/s")
    eta = progress.eta_seconds
    if eta is not None:
        minutes, seconds = divmod(round(eta), 60)
        parts.append(f"ETA {minutes}m{seconds:02}s" if minutes else f"ETA {seconds}s")
    return " · ".join(parts)


# --- The lock ----------------------------------------------------------------------------------


def _lease_until() -> ExpressionWrapper:
    return ExpressionWrapper(Now() + timedelta(seconds=LEASE_SECONDS), output_field=DateTimeField())


class SyncLock:
    """One sync at a time across machines: a lease row, on the database's clock.

    `acquire()` takes the row if nobody holds it or its lease has expired (one UPDATE with that
    condition, or an INSERT when the row does not exist yet: both are atomic on PostgreSQL and
    SQLite, so two machines cannot both win). The holder `renew()`s it while it works; a renewal
    that finds the row taken raises SyncLockLost. Works the same on every database Django
    supports, so it is tested by `make test` (SQLite) and `make test-services` (PostgreSQL).
    """

    def __init__(self, name: str = LOCK_NAME) -> None:
        self.name = name
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self._renewed = 0.0

    def acquire(self) -> bool:
        now = Now()
        with transaction.atomic():
            taken = (
                SyncLease.objects.filter(name=self.name)
                .filter(Q(expires_at__lt=now) | Q(holder=self.holder))
                .update(holder=self.holder, acquired_at=now, expires_at=_lease_until())
            )
        if not taken:
            try:
                with transaction.atomic():
                    SyncLease.objects.create(
                        name=self.name,
                        holder=self.holder,
                        acquired_at=timezone.now(),
                        expires_at=timezone.now() + timedelta(seconds=LEASE_SECONDS),
                    )
            except IntegrityError:
                return False
        self._renewed = time.monotonic()
        return True

    def renew(self, *, force: bool = False) -> None:
        if not force and time.monotonic() - self._renewed < LEASE_RENEW_SECONDS:
            return
        kept = SyncLease.objects.filter(name=self.name, holder=self.holder).update(
            expires_at=_lease_until()
        )
        if not kept:
            raise SyncLockLost("another sync took the lock after this one's lease expired")
        self._renewed = time.monotonic()

    def release(self) -> None:
        SyncLease.objects.filter(name=self.name, holder=self.holder).delete()

    def current(self) -> SyncLease | None:
        """The lease as it stands (who holds it, until when), to say why we wait."""
        return SyncLease.objects.filter(name=self.name).first()


# --- The client --------------------------------------------------------------------------------


def sync_client() -> ArgilClient:
    """An Argil client for the sync only: no retries of its own (the sync's budget counts every
    HTTP request, and the sync decides how long to wait), and a longer read timeout."""
    return ArgilClient(
        base_url=settings.ARGIL_API_BASE_URL,
        api_key=settings.ARGIL_API_KEY,
        timeout=(CONNECT_TIMEOUT, max(SYNC_READ_TIMEOUT, settings.ARGIL_API_TIMEOUT)),
        retries=0,
        pool_maxsize=1,
        on_call=_log_failed_call,
    )


def _log_failed_call(call: UpstreamCall) -> None:
    if call.error is not None:  # never the key, the base URL or the query
        logger.warning(
            "catalogue sync: Argil %s %s failed: %s (status %s, request id %s)",
            call.method,
            call.path,
            type(call.error).__name__,
            call.status,
            call.request_id,
        )


# --- The sync ----------------------------------------------------------------------------------


@dataclass
class PassResult:
    seen: int = 0  # distinct assets read
    written: int = 0  # rows upserted that were new or changed
    deleted: int = 0
    calls: int = 0
    seconds: float = 0.0


@dataclass
class StoreResult:
    new: int = 0
    changed: int = 0
    unchanged: int = 0


class Syncer:
    """Runs full passes and polls with one client, one budget and one stop event.

    `stop` (a threading.Event) is checked between pages and wakes every wait; a batch already
    being written finishes first. `lock`, when given, is renewed between pages.
    `max_outage_seconds`: give up a pass after Argil has been unavailable this long in a row
    (None: wait for it forever, as --watch does).
    """

    def __init__(
        self,
        client: ArgilClient,
        *,
        budget: ReadBudget,
        stop: threading.Event | None = None,
        lock: SyncLock | None = None,
        progress: ProgressReporter | None = None,
        max_outage_seconds: float | None = None,
        poll_seconds: float = POLL_SECONDS,
        idle_work: Callable[[], int] | None = None,
    ) -> None:
        self.client = client
        # watch(): a small job for the time between polls (the media prober's turn: a few files,
        # seconds at most), run while it has work (it returns how much it did; 0: nothing left).
        self.idle_work = idle_work
        self.budget = budget
        self.stop = stop or threading.Event()
        self.lock = lock
        self.progress = progress or LogProgress()
        self.max_outage_seconds = max_outage_seconds
        self.poll_seconds = poll_seconds
        self.calls = 0  # every HTTP request made, whatever its answer
        self._next_poll: float | None = None  # set by watch(): polls run between a pass's pages

    # -- Reading one page, whatever Argil does --

    def fetch(self, status: AssetStatus, page: int) -> AssetPage:
        """Page `page` of `status`: waits out 429s and outages and asks for the same page again."""
        backoff = BACKOFF_FIRST_SECONDS
        outage_began: float | None = None
        while True:
            self._checkpoint()
            self.budget.take(self._pause)
            self.calls += 1
            try:
                result = self.client.list_assets(status=status, page=page, page_size=PAGE_SIZE)
            except ArgilRateLimited as exc:
                asked = exc.retry_after
                wait = RETRY_AFTER_DEFAULT_SECONDS if asked is None else asked
                wait = min(max(wait, 0.0), RETRY_AFTER_CAP_SECONDS)
                self.progress.message(f"Argil is rate limiting; waiting {wait:.0f} s")
                self._wait(wait)
                continue
            except ArgilUnavailable as exc:
                now = time.monotonic()
                outage_began = outage_began if outage_began is not None else now
                if (
                    self.max_outage_seconds is not None
                    and now - outage_began >= self.max_outage_seconds
                ):
                    raise SyncFailed(f"Argil unavailable for {now - outage_began:.0f} s") from exc
                self.progress.message(f"{exc.message}; trying page {page} again in {backoff:.0f} s")
                self._wait(backoff)
                backoff = min(backoff * 2, BACKOFF_MAX_SECONDS)
                continue
            except ArgilAPIError as exc:
                raise SyncFailed(exc.message) from exc
            return result

    def _wait(self, seconds: float) -> None:
        if self._pause(seconds):
            raise SyncStopped

    def _pause(self, seconds: float) -> bool:
        """Wait `seconds` (True at once when stop is asked for), renewing the lease meanwhile:
        a budget or Retry-After wait can outlast it."""
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            if self.stop.wait(min(left, LEASE_RENEW_SECONDS)):
                return True
            if self.lock is not None:
                self.lock.renew()
        return self.stop.is_set()

    def _checkpoint(self) -> None:
        """Between batches: stop if asked, keep the lease."""
        if self.stop.is_set():
            raise SyncStopped
        if self.lock is not None:
            self.lock.renew()

    # -- Writing one batch --

    def store(self, assets: Iterable[Asset], state: dict | None = None) -> StoreResult:
        """Upsert a page's assets in one transaction (plus the SyncState fields in `state`).

        A database that is busy (SQLite's lock held past its timeout by a reader or a migrate)
        gets a few more tries: the batch is an upsert, so writing it again is harmless."""
        assets = list(assets)
        for attempt in range(STORE_ATTEMPTS):
            try:
                return self._store(assets, state)
            except OperationalError as exc:
                if attempt == STORE_ATTEMPTS - 1:
                    raise
                self.progress.message(f"database busy ({exc}); writing the batch again")
                self._wait(STORE_RETRY_SECONDS)
        raise AssertionError("unreachable")

    def _store(self, assets: list[Asset], state: dict | None) -> StoreResult:
        now = timezone.now()
        rows = {row.id: row for row in (_row(asset, now) for asset in assets)}
        result = StoreResult()
        with transaction.atomic():
            before = {
                values[0]: values[1:]
                for values in CatalogueAsset.objects.filter(id__in=rows).values_list(
                    "id", "name", "type", "status", "file_url", "thumbnail_url"
                )
            }
            if rows:
                CatalogueAsset.objects.bulk_create(
                    rows.values(),
                    update_conflicts=True,
                    unique_fields=["id"],
                    update_fields=LISTING_FIELDS,
                )
            refiled = [
                row.id
                for row in rows.values()
                if row.id in before and before[row.id][3] != row.file_url
            ]
            if refiled:
                CatalogueAsset.objects.filter(id__in=refiled).update(**CLEARED_MEDIA_FACTS)
            _save_state(last_synced_at=now, **(state or {}))
        for row in rows.values():
            old = before.get(row.id)
            if old is None:
                result.new += 1
            elif old == (row.name, row.type, row.status, row.file_url, row.thumbnail_url):
                result.unchanged += 1
            else:
                result.changed += 1
        return result

    # -- A full pass --

    def full_pass(self) -> PassResult:
        """Read every status to its end, upsert as it goes, then delete what it never saw."""
        began = time.monotonic()
        calls_before = self.calls
        started_at = timezone.now()
        progress = PassProgress()
        counts = _counts_by_status()  # expected per status until Argil's count arrives
        for status in STATUS_ORDER:
            progress.expected[status] = counts.get(status.value, 0)
        _save_state(
            pass_started_at=started_at,
            pass_seen=0,
            pass_expected=progress.total_expected,
            last_error="",
        )
        result = PassResult()
        try:
            for status in STATUS_ORDER:
                progress.status = status
                result.written += self._pass_status(status, progress)
            self._checkpoint()
            if self.lock is not None:
                self.lock.renew(force=True)  # never delete on a lease about to lapse
            with transaction.atomic():
                _flush_on_commit()
                result.deleted, _ = CatalogueAsset.objects.filter(seen_at__lt=started_at).delete()
                _save_state(
                    pass_started_at=None,
                    pass_seen=progress.total_seen,
                    pass_expected=progress.total_seen,
                    last_full_pass_at=timezone.now(),
                )
        except SyncStopped:
            _end_pass("stopped before the end; nothing deleted")
            raise
        except (SyncFailed, SyncLockLost, DatabaseError) as exc:
            _end_pass(f"pass failed: {exc}; nothing deleted")
            raise
        _tidy_after_pass()
        result.seen = progress.total_seen
        result.calls = self.calls - calls_before
        result.seconds = time.monotonic() - began
        progress.status = None
        self.progress.message(
            f"full pass done: {result.seen:,} assets, {result.written:,} new or changed, "
            f"{result.deleted:,} deleted, {result.calls:,} calls in {result.seconds:.1f} s"
        )
        return result

    def _pass_status(self, status: AssetStatus, progress: PassProgress) -> int:
        seen: set[str] = set()
        written = 0
        number = 1
        last_total: int | None = None
        while True:
            self._between_pages()
            page = self.fetch(status, number)
            total = page.total  # None when Argil sends no usable X-Total-Count
            fresh = _unseen(page.items, seen)
            progress.seen[status] = len(seen)
            progress.expected[status] = max(total or 0, len(seen))
            stored = self.store(fresh, _state(progress))
            written += stored.new + stored.changed
            self.progress.page(progress)
            if last_total is not None and total is not None and total < last_total:
                # Assets above this page left the list and the rest moved up: read again the
                # pages the moved assets may have crossed (repeats are skipped as seen).
                back = math.ceil((last_total - total) / PAGE_SIZE)
                last_total = total
                number = max(1, number - back)
                continue
            last_total = total
            if len(page.items) < PAGE_SIZE or not page.has_next:
                break
            number += 1
        # Uploads that landed on pages already read: the top again, until a known asset.
        number = 1
        while True:
            self._between_pages()
            page = self.fetch(status, number)
            fresh = _unseen(page.items, seen)
            progress.seen[status] = len(seen)
            stored = self.store(fresh, _state(progress))
            written += stored.new + stored.changed
            if len(fresh) < len(page.items) or not page.items or not page.has_next:
                break
            number += 1
        return written

    def _between_pages(self) -> None:
        self._checkpoint()
        if self._next_poll is not None and time.monotonic() >= self._next_poll:
            self.poll()

    # -- An incremental poll --

    def poll(self) -> StoreResult:
        """The newest page of each status, and the next ones only while a page holds nothing
        the catalogue already had unchanged. New uploads, renames and settled assets near the
        top show at once; deletions and the rest wait for the next full pass."""
        if self._next_poll is not None:
            self._next_poll = time.monotonic() + self.poll_seconds
        total = StoreResult()
        for status in STATUS_ORDER:
            for number in range(1, POLL_MAX_PAGES + 1):
                self._checkpoint()
                page = self.fetch(status, number)
                stored = self.store(page.items)
                total.new += stored.new
                total.changed += stored.changed
                total.unchanged += stored.unchanged
                if stored.unchanged or len(page.items) < PAGE_SIZE or not page.has_next:
                    break
        if total.new or total.changed:
            self.progress.message(f"poll: {total.new} new, {total.changed} changed")
        return total

    # -- --watch --

    def watch(self, *, full_pass_seconds: float = FULL_PASS_SECONDS) -> None:
        """Polls every `poll_seconds` and a full pass every `full_pass_seconds`, until stopped.
        A pass that fails starts again after FAILED_PASS_RETRY; nothing here ends the loop but
        `stop` (SyncStopped) or a lost lock (SyncLockLost)."""
        state = SyncState.objects.filter(pk=1).first()
        next_full = time.monotonic()
        if state is not None and state.last_full_pass_at is not None:
            age = (timezone.now() - state.last_full_pass_at).total_seconds()
            next_full += max(0.0, full_pass_seconds - age)
            self._next_poll = time.monotonic()
        # Until a first full pass has filled the catalogue, polls would only read the same
        # pages twice (and search is unavailable anyway): they start after it.
        while True:
            self._checkpoint()
            now = time.monotonic()
            try:
                if now >= next_full:
                    next_full = now + full_pass_seconds
                    try:
                        self.full_pass()
                        if self._next_poll is None:
                            self._next_poll = time.monotonic() + self.poll_seconds
                    except (SyncFailed, DatabaseError) as exc:
                        # Sooner than the next scheduled pass: deletions wait on a whole one.
                        next_full = time.monotonic() + min(full_pass_seconds, FAILED_PASS_RETRY)
                        self.progress.message(f"full pass failed, again in a minute: {exc}")
                elif self._next_poll is not None and now >= self._next_poll:
                    self.poll()
            except SyncFailed as exc:
                self.progress.message(f"poll failed: {exc}")
                _end_pass(f"poll failed: {exc}", keep_pass=True)
                self._poll_later()
            except DatabaseError as exc:  # e.g. SQLite busy for longer than its timeout
                self.progress.message(f"database error, trying again: {type(exc).__name__}")
                self._poll_later()
            while (pause := self._until_next(next_full)) > 0:
                if not self._idle_turn():
                    self._wait(min(pause, LEASE_RENEW_SECONDS))
                self._checkpoint()

    def _idle_turn(self) -> int:
        """One turn of `idle_work`; 0 when there is none or it failed (it is tried again after
        the next wait, never allowed to stop the sync)."""
        if self.idle_work is None:
            return 0
        try:
            return self.idle_work()
        except Exception as exc:
            self.progress.message(f"between polls: {type(exc).__name__}; trying again later")
            return 0

    def _poll_later(self) -> None:
        if self._next_poll is not None:
            self._next_poll = time.monotonic() + self.poll_seconds

    def _until_next(self, next_full: float) -> float:
        due = next_full if self._next_poll is None else min(next_full, self._next_poll)
        return due - time.monotonic()


def _save_state(**fields) -> None:
    """Update the one SyncState row (one query; the row is made the first time)."""
    if not SyncState.objects.filter(pk=1).update(**fields):
        SyncState.objects.create(pk=1, **fields)


def _flush_on_commit() -> None:
    """PostgreSQL: this transaction's commit waits for its WAL to be flushed, and so flushes
    the pass's earlier commits too, whatever synchronous_commit says. VACUUM marks a page
    all-visible only once its rows' commits are on disk: after a pass committed with
    synchronous_commit=off, _tidy_after_pass would otherwise mark almost nothing."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = on")


def _tidy_after_pass() -> None:
    """PostgreSQL: VACUUM (ANALYZE) the catalogue once a full pass has ended.

    A pass rewrites every row (seen_at), so it leaves a dead copy of each and clears the
    visibility map. Until VACUUM runs, a search of 1-2 character words counts from the whole
    table (twice its size, every page visited) instead of from the narrow name index alone
    (catalogue_search._fetch_in_memory); autovacuum would get there, but in its own time and
    possibly in the middle of the next pass. About half a second at 100,000 assets, once a
    pass. Not inside a transaction (VACUUM refuses one), and never a reason to fail the pass.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM (ANALYZE) {CatalogueAsset._meta.db_table}")
    except DatabaseError:
        logger.warning("catalogue sync: VACUUM after the pass failed", exc_info=True)


def _counts_by_status() -> dict[str, int]:
    rows = CatalogueAsset.objects.values("status").annotate(n=Count("id"))
    return {row["status"]: row["n"] for row in rows}


def _unseen(items: Iterable[Asset], seen: set[str]) -> list[Asset]:
    """The page's assets this pass has not read yet (in this status); marks them seen."""
    fresh = []
    for asset in items:
        key = asset.id.lower()
        if key not in seen:
            seen.add(key)
            fresh.append(asset)
    return fresh


def _state(progress: PassProgress) -> dict:
    return {"pass_seen": progress.total_seen, "pass_expected": progress.total_expected}


def _end_pass(error: str, *, keep_pass: bool = False) -> None:
    """Record why a pass or poll ended early; the pass is no longer under way."""
    defaults: dict = {"last_error": error[:200]}
    if not keep_pass:
        defaults["pass_started_at"] = None
    try:
        _save_state(**defaults)
    except DatabaseError:  # already failing; the log line is the record
        logger.exception("catalogue sync: could not record the sync state")


def _row(asset: Asset, now: datetime) -> CatalogueAsset:
    name = (asset.name or "")[:ASSET_NAME_MAX_LENGTH]
    return CatalogueAsset(
        id=asset.id.lower(),
        name=name,
        search_name=fold(name),
        type=asset.type.value,
        status=asset.status.value,
        file_url=_url(asset.file_url),
        thumbnail_url=_url(asset.thumbnail_url),
        created_at=asset.created_at or UNKNOWN_CREATED_AT,
        seen_at=now,
    )


def _url(url: str | None) -> str:
    # A URL cut short would point somewhere else: one too long for the column is dropped.
    return url if url and len(url) <= URL_MAX_LENGTH else ""
