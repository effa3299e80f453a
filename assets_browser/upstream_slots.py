"""The threads of this process that wait on Argil, bounded below gunicorn's threads.

A thread waits on Argil when it calls it, when it waits for another thread's identical call
(single flight), or when it polls the cache for another process's. Each such thread holds one of
ARGIL_API_MAX_INFLIGHT slots, so a hung Argil can never take every thread: /healthz, cached and
stale pages keep answering from the threads left. Counting only the calls was not enough: in the
first seconds of a hang, threads waiting for another's call took the last threads, and /healthz
waited seconds for one.

A thread takes one slot however it waits (a caller that then waits on another process, or a
waiter that then calls, still holds one). A thread that finds every slot taken waits for one only
while some holder is young (a burst of healthy calls); when all are stuck, it fails as busy at
once.
"""

import logging
import threading
import time

from django.conf import settings

from .api import ArgilUnavailable

# When every slot is taken: a thread waits for one at most SLOT_WAIT, and only while some slot
# holder is younger than STUCK_AFTER (healthy calls take tens of milliseconds, so a burst, an
# export asking about 8 picks at once, gets through). Once every holder has waited longer, the
# slots are stuck on a hung Argil and a thread fails as busy at once, so the threads left keep
# answering in milliseconds. Each waiting thread holds a thread: a flat 0.5 s wait made a herd
# of 50 views queue for 5 s behind the free threads; 1 s while holders were young still slowed
# /healthz in the first seconds of a hang under load.
SLOT_WAIT = 0.5
STUCK_AFTER = 0.5

BUSY_MESSAGE = "Argil is busy answering other requests; try again in a moment"

logger = logging.getLogger(__name__)


class _Slots:
    """ARGIL_API_MAX_INFLIGHT slots, with when each holder took its slot."""

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
_held = threading.local()  # .depth: how many nested slot() blocks this thread is in


class slot:  # noqa: N801 (used like a lock: ``with slot():`` or acquire() and release())
    """This thread's slot: taken by acquire() (or ArgilUnavailable, reason "busy"), unless the
    thread holds one already; given back when the outermost holder releases it."""

    def acquire(self) -> None:
        depth = getattr(_held, "depth", 0)
        if depth == 0:
            limit = max(1, settings.ARGIL_API_MAX_INFLIGHT)
            with _slots_lock:
                self.slots = _slots_by_limit.setdefault(limit, _Slots(limit))
            self.token = self.slots.acquire()
        _held.depth = depth + 1

    def release(self) -> None:
        _held.depth -= 1
        if _held.depth == 0:
            self.slots.release(self.token)

    def __enter__(self) -> None:
        self.acquire()

    def __exit__(self, *exc_info: object) -> None:
        self.release()
