"""Fail fast while Argil is down: a circuit breaker shared through the cache. Each call also
holds one of this process's upstream slots (upstream_slots.py), or fails as busy.

The breaker lives in Django's cache, so with Redis every process and machine sees it:

    argil:<scope>:breaker:failures  calls that timed out, could not connect or met a gateway
                                    error, one after another (any answer resets it)
    argil:<scope>:breaker:open      set for ARGIL_BREAKER_OPEN_SECONDS once TRIP_AFTER of them
                                    came in a row: every call fails at once
    argil:<scope>:breaker:tripped   set with it, kept longer: Argil has not answered since
    argil:<scope>:breaker:probe     once ``open`` has expired, the call (across all processes)
                                    that asks Argil whether it is back: one a PROBE_PATIENCE

closed -> TRIP_AFTER failures in a row -> open -> (time) -> half-open: one probe a second, the
others fail fast -> a probe's answer closes it (any answer: Argil is up); its failure opens it
again, unless another probe has closed it meanwhile.

Like the upstream cache, the breaker is an optimisation: with the cache down, it lets every
call through.
"""

import logging
from collections.abc import Callable

from django.conf import settings

from . import upstream_slots
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
# Half-open, a probe holds the others back this long (seconds, across processes); then another
# call may probe too. Not the probe's whole deadline: one of the calls a healthy Argil leaves
# hanging (the load test hangs 2% at random) then kept the breaker failing every page for its
# 5 s timeout and its 5 s open period after it, 10 s of errors with Argil back.
PROBE_PATIENCE = 1
# Failures that say Argil is down or stuck: no answer in time, no connection, or a gateway
# saying so. Not a 4xx, an unreadable body or a plain 500: Argil answered.
TRIPPING_REASONS = frozenset({"timeout", "connection"})
TRIPPING_STATUSES = frozenset({502, 503, 504})

logger = logging.getLogger(__name__)

OPEN_MESSAGE = "Argil stopped answering moments ago; the dashboard will ask again shortly"


def _keys(scope: str) -> tuple[str, str, str, str]:
    base = f"argil:{scope}:breaker"
    return f"{base}:open", f"{base}:tripped", f"{base}:probe", f"{base}:failures"


def is_open(scope: str) -> bool:
    return cache.get(_keys(scope)[0]) is not None


def call[T](scope: str, upstream: Callable[[], T]) -> T:
    """``upstream()`` (one client call), unless Argil is known to be down or this process has
    too many calls waiting on it already: then ArgilUnavailable at once, with reason
    "circuit_open" or "busy"."""
    open_key, tripped_key, probe_key, failures_key = _keys(scope)
    state = cache.get_many([open_key, tripped_key, failures_key])
    if open_key in state:
        raise _open_error()
    probing = tripped_key in state
    if probing and not cache.add(probe_key, 1, timeout=PROBE_PATIENCE):
        raise _open_error()  # another call is probing
    with upstream_slots.slot():
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


def _open_error() -> ArgilUnavailable:
    error = ArgilUnavailable(OPEN_MESSAGE, reason="circuit_open")
    error.retry_after = settings.ARGIL_BREAKER_OPEN_SECONDS  # type: ignore[attr-defined]
    return error


def _failed(scope: str, probing: bool) -> None:
    open_key, tripped_key, _, failures_key = _keys(scope)
    if probing and cache.get(tripped_key) is None:
        probing = False  # a later probe has closed it meanwhile: an ordinary failure now
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
