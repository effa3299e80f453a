"""Each editor's budget of calls to Argil, so one editor (or a script with their session) cannot
spend the workspace's shared allowance (Argil: 600 reads a minute) alone.

Every editor may make ARGIL_EDITOR_READS_PER_MINUTE reads and ARGIL_EDITOR_WRITES_PER_MINUTE
writes (adding B-roll) a minute. Only real upstream calls are charged: an answer from the cache
is free. Spent, the view answers 429 with "slow down, try again in N s" in its usual swap target
(``EditorBudgetSpent`` is an ``ArgilAPIError``, so every view already shows it; errors.describe
words it) and Retry-After.

How it counts: a sliding window over two one-minute counters in Django's cache (Redis in
production, so the budget holds across processes and machines). A call adds to the current
minute's counter with ``cache.incr`` (atomic in Redis and in LocMem); the calls "in the last
minute" are the current count plus the previous minute's, weighted by how much of it the window
still covers. That behaves like a token bucket of the same size that refills continuously, with
no read-modify-write race: concurrent calls each see their own incremented count. A refused call
is taken back (``decr``), so an editor who keeps clicking while refused is not punished further.

A call is allowed while the editor's count before it is under the limit. The export is the one
place that needs many reads at once (one per pick, up to 200, more than a minute's reads):
inside ``overdraft()`` the calls are all allowed once the first one was, and the debt is paid off
before the next refusal ends. So a full board exports; the editor's next uncached reads wait.
The debt is bounded by the largest such block (a board's 200 picks).

Outside a request by a logged-in editor (management commands, workers) nothing is counted. If the
cache is down, calls are allowed: the budget protects the workspace, it must not stop the site.
"""

import contextlib
import logging
import math
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Literal

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from .api import ArgilAPIError

logger = logging.getLogger(__name__)

Kind = Literal["reads", "writes"]
WINDOW = 60  # seconds: the limits are per minute

_editor: ContextVar[str | None] = ContextVar("budget_editor", default=None)
# Inside overdraft(): a list that gets True once a call was allowed (shared by the threads that
# run in copies of the context, as the export's do).
_overdraft: ContextVar[list[bool] | None] = ContextVar("budget_overdraft", default=None)


class EditorBudgetSpent(ArgilAPIError):  # noqa: N818 (reads as what happened)
    """This editor made too many calls to Argil in the last minute; nothing was sent."""

    default_message = "too many requests to Argil from this editor; slow down"
    _repr_fields = (*ArgilAPIError._repr_fields, "kind", "retry_after")

    def __init__(self, kind: Kind, retry_after: int) -> None:
        super().__init__(status=429)
        self.kind = kind
        self.retry_after = retry_after  # whole seconds, at least 1


def limit_of(kind: Kind) -> int:
    if kind == "writes":
        return settings.ARGIL_EDITOR_WRITES_PER_MINUTE
    return settings.ARGIL_EDITOR_READS_PER_MINUTE


def charge(kind: Kind, calls: int = 1) -> None:
    """Count ``calls`` upstream calls for the current editor, or raise EditorBudgetSpent (and
    count nothing) when the last minute's are used up. Call it just before calling Argil."""
    editor = _editor.get()
    if editor is None:
        return
    limit = limit_of(kind)
    now = time.time()
    minute = int(now // WINDOW)
    current_key, previous_key = _key(editor, kind, minute), _key(editor, kind, minute - 1)
    try:
        count = _incr(current_key, calls)
        previous = cache.get(previous_key) or 0
    except Exception as exc:  # Redis down: let the call through
        logger.warning("editor budget not counted: the cache failed (%s)", type(exc).__name__)
        return
    elapsed = now - minute * WINDOW
    # The previous minute's share, rounded up: a fraction of a call is not a call back.
    used_before = math.ceil(previous * (1 - elapsed / WINDOW)) + count - calls
    overdraft = _overdraft.get()
    if used_before < limit or (overdraft and overdraft[0]):
        if overdraft is not None:
            overdraft[0] = True
        return
    with contextlib.suppress(Exception):
        cache.decr(current_key, calls)
    count -= calls
    wait = _seconds_until_allowed(limit, previous, count, elapsed)
    logger.info(
        "editor budget spent: %s, %s in the last minute",
        kind,
        round(previous * (1 - elapsed / WINDOW) + count),
        extra={"fields": {"budget": kind, "retry_after": wait}},
    )
    raise EditorBudgetSpent(kind, wait)


@contextlib.contextmanager
def overdraft() -> Iterator[None]:
    """Within this block, once one call is allowed every following one is too (the export). If
    every answer comes from the cache, nothing is charged and nothing refused."""
    token = _overdraft.set([False])
    try:
        yield
    finally:
        _overdraft.reset(token)


def _key(editor: str, kind: Kind, minute: int) -> str:
    return f"argil:budget:{editor}:{kind}:{minute}"


def _incr(key: str, calls: int) -> int:
    # Most calls find the minute's counter there: one round trip. incr() raises ValueError when
    # it is missing (a new minute, or evicted); add() starts it (a no-op if another request just
    # did), then incr() again, once.
    try:
        return cache.incr(key, calls)
    except ValueError:
        pass
    for _ in range(2):
        cache.add(key, 0, timeout=2 * WINDOW + 10)  # read again as "previous" in the next minute
        try:
            return cache.incr(key, calls)
        except ValueError:
            continue
    return calls


def _seconds_until_allowed(limit: int, previous: int, count: int, elapsed: float) -> int:
    """How long until ``previous * (1 - t / WINDOW) + count`` drops under ``limit``."""
    if count < limit and previous:
        # Still within this minute: the previous minute's weight shrinks enough.
        at = WINDOW * (1 - (limit - count) / previous)
        wait = at - elapsed
    else:
        # Only in the next minute, as this minute's calls slide out of the window.
        wait = (WINDOW - elapsed) + WINDOW * max(0.0, 1 - limit / max(count, 1))
    return max(1, math.ceil(wait))


# --- Who the editor is -----------------------------------------------------------------------


class EditorBudgetMiddleware:
    """Makes the logged-in editor the one charged for this request's calls to Argil (after
    AuthenticationMiddleware). Work handed to other threads must run in a copy of the context
    (``contextvars.copy_context().run``), as the export does, to be charged to the same editor."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        editor = f"user{user.pk}" if user is not None and user.is_authenticated else None
        token = _editor.set(editor)
        try:
            return self.get_response(request)
        finally:
            _editor.reset(token)


@contextlib.contextmanager
def as_editor(editor_id: int) -> Iterator[None]:
    """Charge calls in this block to an editor (for code that runs outside a request)."""
    token = _editor.set(f"user{editor_id}")
    try:
        yield
    finally:
        _editor.reset(token)
