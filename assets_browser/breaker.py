"""Fail fast while Argil is down: a circuit breaker shared through the cache, and a bound on the
upstream calls one process makes at once.

The breaker lives in Django's cache, so with Redis every process and machine sees it:

    argil:<scope>:breaker:failures  calls that timed out, could not connect or met a gateway
                                    error, one after another (any answer resets it)
    argil:<scope>:breaker:open      set for ARGIL_BREAKER_OPEN_SECONDS once TRIP_AFTER of them
                                    came in a row: every call fails at once
    argil:<scope>:breaker:tripped   set with it, kept longer: Argil has not answered since
    argil:<scope>:breaker:probe     once ``open`` has expired, the one call (across all
                                    processes) that asks Argil whether it is back

closed -> TRIP_AFTER failures in a row -> open -> (time) -> half-open: one probe at a time, the
others fail fast -> the probe's answer closes it (any answer: Argil is up) or opens it again.

In each process, at most ARGIL_API_MAX_INFLIGHT calls wait on Argil at once, below gunicorn's
threads, so a hung Argil can never take every thread: /healthz, cached and stale pages keep
answering from the threads left. A call that finds every slot taken waits for one only while
some holder is young (a burst of healthy calls); when all are stuck, it fails as busy at once.

Like the upstream cache, the breaker is an optimisation: with the cache down, it lets every
call through.
"""

import logging
import math
import threading
import time
from collections.abc import Callable

from django.conf import settings

from .api import ArgilAPIError, ArgilUnavailable
from .upstream_cache import cache

# Failures in a row (within FAILURE_WINDOW seconds) that open the breaker. Not one: a single
# hung call among healthy ones (the load test hangs 2% of calls) is not Argil being down, and
# opening on it failed every page for 5 s. A hung Argil fails every call in flight within one
# read timeout, so it still opens at once.
TRIP_AFTER = 3
FAILURE_WINDOW = 30
# How long "tripped" outlives "open": a probe is due whenever a call comes after this much
# quiet; past it, the breaker starts closed again.
TRIPPED_TTL = 15 * 60
# When every slot is taken: a call waits for one at most SLOT_WAIT, and only while some slot
# holder is younger than STUCK_AFTER (healthy calls take tens of milliseconds, so a burst, an
# export asking about 8 picks at once, gets through). Once every holder has waited longer, the
# slots are stuck on a hung Argil and a call fails as busy at once, so the threads left keep
# answering in milliseconds. Each waiting call holds a thread: a flat 0.5 s wait made a herd
# of 50 views queue for 5 s behind the free threads; 1 s while holders were young still slowed
# /healthz in the first seconds of a hang under load.
SLOT_WAIT = 0.5
STUCK_AFTER = 0.5
# Failures that say Argil is down or stuck: no answer in time, no connection, or a gateway
# saying so. Not a 4xx, an unreadable body or a plain 500: Argil answered.
TRIPPING_REASONS = frozenset({"timeout", "connection"})
TRIPPING_STATUSES = frozenset({502, 503, 504})

logger = logging.getLogger(__name__)

OPEN_MESSAGE = "Argil stopped answering moments ago; the dashboard will ask again shortly"
BUSY_MESSAGE = "Argil is busy answering other requests; try again in a moment"


def _keys(scope: str) -> tuple[str, str, str, str]:
    base = f"argil:{scope}:breaker"
    return f"{base}:open", f"{base}:tripped", f"{base}:probe", f"{base}:failures"


def is_open(scope: str) -> bool:
    return cache.get(_keys(scope)[0]) is not None


def call[T](scope: str, upstream: Callable[[], T], *, deadline: float) -> T:
    """``upstream()`` (one client call), unless Argil is known to be down or this process has
    too many calls waiting on it already: then ArgilUnavailable at once, with reason
    "circuit_open" or "busy". ``deadline`` bounds the call (how long a probe is held)."""
    open_key, tripped_key, probe_key, failures_key = _keys(scope)
    state = cache.get_many([open_key, tripped_key, failures_key])
    if open_key in state:
        raise _open_error()
    probing = tripped_key in state
    if probing and not cache.add(probe_key, 1, timeout=math.ceil(deadline) + 1):
        raise _open_error()  # another call is probing
    try:
        with _slot():
            try:
                result = upstream()
            except ArgilUnavailable as exc:
                if exc.reason in TRIPPING_REASONS or exc.status in TRIPPING_STATUSES:
                    _failed(scope, probing)
                    raise
                _answered(scope, state, probing)
                raise
            except ArgilAPIError:  # a 4xx, an unreadable body: Argil answered, so it is up
                _answered(scope, state, probing)
                raise
        _answered(scope, state, probing)
        return result
    finally:
        if probing:
            cache.delete(probe_key)


def _open_error() -> ArgilUnavailable:
    error = ArgilUnavailable(OPEN_MESSAGE, reason="circuit_open")
    error.retry_after = settings.ARGIL_BREAKER_OPEN_SECONDS  # type: ignore[attr-defined]
    return error


def _failed(scope: str, probing: bool) -> None:
    open_key, tripped_key, _, failures_key = _keys(scope)
    if not probing:  # a failed probe opens again at once
        cache.add(failures_key, 0, timeout=FAILURE_WINDOW)
        try:
            failures = cache.incr(failures_key)
        except ValueError:  # expired just now: this failure starts a new count
            failures = 1
        if failures is not None and failures < TRIP_AFTER:
            return
    cache.set(open_key, 1, timeout=settings.ARGIL_BREAKER_OPEN_SECONDS)
    cache.set(tripped_key, 1, timeout=TRIPPED_TTL)
    cache.delete(failures_key)
    logger.warning(
        "Argil is failing (%s); upstream calls fail fast for %s s",
        "a probe failed" if probing else f"{TRIP_AFTER} failures in a row",
        settings.ARGIL_BREAKER_OPEN_SECONDS,
        extra={"fields": {"breaker": "open"}},
    )


def _answered(scope: str, state: dict, probing: bool) -> None:
    """Argil answered: failures in a row start again from zero; a probe closes the breaker.
    Writes to the cache only when there is something to undo (healthy calls only read)."""
    _, tripped_key, _, failures_key = _keys(scope)
    if failures_key in state:
        cache.delete(failures_key)
    if probing:
        cache.delete(tripped_key)


class _Slots:
    """ARGIL_API_MAX_INFLIGHT upstream slots, with when each holder took its slot."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.changed = threading.Condition()
        self.taken: dict[object, float] = {}

    def acquire(self) -> object:
        with self.changed:
            end = time.monotonic() + SLOT_WAIT
            while len(self.taken) >= self.limit:
                now = time.monotonic()
                if now >= end or now - max(self.taken.values()) > STUCK_AFTER:
                    logger.warning(
                        "all %s upstream slots of this process are taken; failing as busy",
                        self.limit,
                        extra={"fields": {"breaker": "busy"}},
                    )
                    raise ArgilUnavailable(BUSY_MESSAGE, reason="busy")
                self.changed.wait(min(end - now, STUCK_AFTER))
            token = object()
            self.taken[token] = time.monotonic()
            return token

    def release(self, token: object) -> None:
        with self.changed:
            del self.taken[token]
            self.changed.notify()


_slots_lock = threading.Lock()
_slots_by_limit: dict[int, _Slots] = {}


class _slot:  # noqa: N801 (used as a context manager, like a lock)
    """One of this process's ARGIL_API_MAX_INFLIGHT upstream slots, or ArgilUnavailable(busy)."""

    def __enter__(self) -> None:
        limit = max(1, settings.ARGIL_API_MAX_INFLIGHT)
        with _slots_lock:
            self.slots = _slots_by_limit.setdefault(limit, _Slots(limit))
        self.token = self.slots.acquire()

    def __exit__(self, *exc_info: object) -> None:
        self.slots.release(self.token)
