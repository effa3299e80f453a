"""Upstream answers in Django's cache: short TTLs, one call per cold query, stale-if-error.

What is stored is Argil's own JSON (plain dicts, lists, strings and numbers), never a rendered
page and never the API key: it pickles alike in LocMem and Redis, and every page is still
rendered for the editor who asked (so CSRF tokens, nonces and user names are never shared).

Keys are short ASCII without spaces (memcached-safe, far below 250 characters):

    argil:<scope>:gen:<group>          generation of the asset lists of one group (the services
                                       group them by status); invalidate_lists() bumps it
    argil:<scope>:list:<digest>        an entry for one canonical list query
    argil:<scope>:asset:<digest>       an entry for one asset
    <entry key>:lock                   the single-flight lock while one process asks Argil
    argil:<scope>:down                 set while Argil fails: stale copies are served at once

``scope`` is sha256(base URL, API key) cut to 16 hex digits: one upstream workspace, never the
key itself. An entry is ``{"value", "fetched_at", "fresh_until", "generation"}`` kept for
STALE_TTL (the hard TTL). It is fresh until ``fresh_until`` and while its generation is the
current one; after that it is only a stale copy, shown when Argil is down or rate limiting.

Single flight: concurrent identical cold requests make one upstream call per cache. In a
process, the other threads wait on the caller's Event; across processes (a shared Redis), the
caller holds ``cache.add(<key>:lock)`` and the others poll the cache for its answer, or for its
failure (``<key>:failed``, kept briefly). Either way a waiter shares the caller's answer or its
error, and waits as long as the caller's whole budget (its deadline): only past it does a
waiter make its own call, so a hung Argil sees one call, not one per waiting thread. Waiters
hold threads as callers do, so each holds an upstream slot (upstream_slots.py); when they are
all stuck on a hung Argil, a new asker fails as busy (or gets its stale copy) at once.

The cache is an optimisation, never a dependency: while it is down (Redis unreachable), every read
is a miss and every write a no-op, so pages ask Argil directly instead of failing.
"""

import copy
import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeGuard

from django.core.cache import cache as django_cache

from . import api, upstream_slots
from .api import ArgilAPIError, ArgilRateLimited, ArgilUnavailable
from .request_log import record_cache

logger = logging.getLogger(__name__)

# How long a stale copy may still be shown when Argil fails: long enough to ride out an
# outage or a rate-limit window, short enough that file URLs (which may expire) still work.
STALE_TTL = 15 * 60
# A list or asset that is still PROCESSING changes soon: reuse it for at most this long.
PROCESSING_TTL = 5
# One asset (preview, status): shorter than a list, it is what an editor is looking at.
ASSET_TTL = 10
# After Argil failed, serve stale copies without asking again for this long (or Retry-After,
# capped): a rate-limited or struggling upstream is not helped by every page view retrying.
DOWN_BACKOFF = 5
DOWN_BACKOFF_MAX = 60
# Waiters look for the caller's answer this often; a cache read costs well under a millisecond.
POLL_INTERVAL = 0.02
# While the cache itself is down, say so in the log at most this often.
OUTAGE_LOG_INTERVAL = 30


class _FailOpenCache:
    """Django's cache, except that an outage of the cache (Redis down) is a miss and a write that
    did not happen: pages then ask Argil directly, as with no cache at all, instead of failing."""

    def __init__(self) -> None:
        self._logged_at = float("-inf")

    def get(self, key: str, default: Any = None) -> Any:
        return self._call("get", key, default, fallback=default)

    def get_many(self, keys: list[str]) -> dict[str, Any]:
        return self._call("get_many", keys, fallback={})

    def set(self, key: str, value: Any, timeout: float | None) -> None:
        self._call("set", key, value, timeout=timeout)

    def add(self, key: str, value: Any, timeout: float | None) -> bool:
        return self._call("add", key, value, timeout=timeout, fallback=True)  # lead, unlocked

    def delete(self, key: str) -> None:
        self._call("delete", key)

    def incr(self, key: str) -> int | None:
        """The new value (None while the cache is down). Raises ValueError when the key is
        missing, as Django's cache does."""
        try:
            return django_cache.incr(key)
        except ValueError:
            raise
        except Exception as exc:
            self._outage("incr", exc)
            return None

    def _call(self, method: str, *args: Any, fallback: Any = None, **kwargs: Any) -> Any:
        try:
            return getattr(django_cache, method)(*args, **kwargs)
        except Exception as exc:  # the backend's own errors (redis.ConnectionError, timeouts...)
            self._outage(method, exc)
            return fallback

    def _outage(self, method: str, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._logged_at >= OUTAGE_LOG_INTERVAL:
            self._logged_at = now
            logger.warning(
                "the cache failed (%s on %s); asking Argil directly", type(exc).__name__, method
            )


cache = _FailOpenCache()


@dataclass(frozen=True, slots=True)
class Answer:
    value: Any  # the JSON that was stored
    fetched_at: float  # when Argil sent it (Unix time: comparable across processes)
    is_stale: bool = False  # Argil failed just now; this is an older copy


# --- Keys ------------------------------------------------------------------------------------


def _digest(text: str, length: int) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def scope_of(base_url: str, api_key: str) -> str:
    """One upstream workspace: a hash of the base URL and the key, never the key itself."""
    return _digest(f"{base_url.rstrip('/')}\n{api_key}", 16)


def list_key(scope: str, *, types: Iterable[str], status: str, page: int, page_size: int) -> str:
    """The canonical list query: type order and repeats do not matter; defaults are explicit."""
    params = [f"type={t}" for t in sorted({str(t) for t in types})]
    params += [f"status={status}", f"page={page}", f"pageSize={page_size}"]
    canonical = "&".join(params)
    return f"argil:{scope}:list:{_digest(canonical, 32)}"


def asset_key(scope: str, asset_id: str) -> str:
    return f"argil:{scope}:asset:{_digest(asset_id.lower(), 32)}"


def _generation_key(scope: str, group: str = "") -> str:
    return f"argil:{scope}:gen:{group}"


def _down_key(scope: str) -> str:
    return f"argil:{scope}:down"


# --- Invalidation ----------------------------------------------------------------------------


def list_generation(scope: str, group: str = "") -> int:
    """The current generation of this workspace's asset lists of ``group``."""
    key = _generation_key(scope, group)
    generation = cache.get(key)
    if generation is None:
        # Start from the clock, not 0: a counter evicted from the cache then never comes back
        # to a value an older entry was stored under.
        cache.add(key, time.time_ns() // 1_000_000, timeout=None)
        generation = cache.get(key, 0)
    return generation


def invalidate_lists(scope: str, group: str = "") -> None:
    """Every cached list of this workspace in ``group`` stops being fresh (they stay as stale
    copies)."""
    try:
        cache.incr(_generation_key(scope, group))
    except ValueError:  # no counter yet (or evicted): any new one differs from the old
        list_generation(scope, group)
        cache.incr(_generation_key(scope, group))


# --- Uploads seen processing ------------------------------------------------------------------

# How long an asset seen PROCESSING is remembered: past the live-status poll's 10 minutes.
PROCESSING_SEEN_TTL = 30 * 60


def _processing_seen_key(scope: str, asset_id: str) -> str:
    return f"argil:{scope}:processing-seen:{_digest(asset_id.lower(), 32)}"


def note_processing(scope: str, asset_ids: Iterable[str]) -> None:
    """Remember that Argil said these assets were PROCESSING (one round trip)."""
    keys = {_processing_seen_key(scope, i): True for i in asset_ids}
    if keys:
        cache._call("set_many", keys, timeout=PROCESSING_SEEN_TTL)


def settled_after_processing(scope: str, asset_ids: Iterable[str]) -> list[str]:
    """Of these assets, now settled or gone, those seen PROCESSING before; forgets them, so one
    upload's settling is reported once."""
    keys = {_processing_seen_key(scope, i): i for i in asset_ids}
    if not keys:
        return []
    seen = cache.get_many(list(keys))
    if seen:
        cache._call("delete_many", list(seen))
    return [keys[key] for key in seen]


# --- Reading through the cache ---------------------------------------------------------------


def ttl_for(value: Any, ttl: float, processing_ttl: float = PROCESSING_TTL) -> float:
    """``ttl``, or ``processing_ttl`` when the answer holds an asset that is still processing."""
    return min(ttl, processing_ttl) if _has_processing(value) else ttl


def _has_processing(value: Any) -> bool:
    # Plain loops: this walks every asset of a 100-asset answer on every cold read.
    if isinstance(value, dict):
        if value.get("status") == "PROCESSING":
            return True
        for item in value.values():
            if isinstance(item, (list, dict)) and _has_processing(item):
                return True
    elif isinstance(value, list):
        for item in value:
            if _has_processing(item):
                return True
    return False


def store(
    key: str, value: Any, *, ttl: float, generation: int = 0, fetched_at: float | None = None
) -> Answer:
    """Keep ``value`` (JSON) under ``key``: fresh for ``ttl`` seconds, a stale copy after."""
    fetched_at = time.time() if fetched_at is None else fetched_at
    entry = {
        "value": value,
        "fetched_at": fetched_at,
        "fresh_until": fetched_at + ttl,
        "generation": generation,
    }
    cache.set(key, entry, timeout=STALE_TTL)
    return Answer(value, fetched_at)


def _fresh(
    entry: Any, generation: int, now: float, max_age: float | None = None
) -> TypeGuard[dict[str, Any]]:
    return (
        isinstance(entry, dict)
        and entry.get("generation") == generation
        and now < entry.get("fresh_until", 0)
        and (max_age is None or now - entry.get("fetched_at", 0) < max_age)
    )


def _stale_copy(entry: Any, now: float) -> Answer | None:
    if isinstance(entry, dict) and now - entry.get("fetched_at", 0) < STALE_TTL:
        return Answer(entry["value"], entry["fetched_at"], is_stale=True)
    return None


def fetch(
    scope: str,
    key: str,
    load: Callable[[], Any],
    *,
    ttl: float,
    wait: float,
    lists: bool = False,
    group: str = "",
    processing_ttl: float = PROCESSING_TTL,
    allow_stale: bool = False,
    max_age: float | None = None,
    on_miss: Callable[[], None] | None = None,
) -> Answer:
    """The cached answer for ``key``, else ``load()``'s (one call for all concurrent askers).

    ``load`` calls Argil and returns JSON to keep, raising ArgilAPIError when Argil fails;
    errors are never cached. With ``allow_stale``, a copy up to STALE_TTL old is returned
    (``is_stale``) instead of ArgilUnavailable/ArgilRateLimited. ``wait`` bounds how long a
    caller waits for another's call before making its own (the upstream timeout). With
    ``lists``, the answer is fresh only in the current generation of the workspace's lists
    (``invalidate_lists`` of its ``group``); entry and generation come in one cache round trip.
    ``max_age`` (seconds) reuses an entry only while it is that young, however long it was
    stored for.
    ``on_miss`` runs before a cold read asks Argil (or waits for another's call), outside the
    single flight: it may raise to refuse this caller alone (the editor budget).
    """
    now = time.time()
    generation = 0
    if lists:
        generation_key = _generation_key(scope, group)
        found = cache.get_many([key, generation_key])
        entry = found.get(key)
        generation = found.get(generation_key) or list_generation(scope, group)
    else:
        entry = cache.get(key)
    if _fresh(entry, generation, now, max_age):
        record_cache(hit=True)
        return Answer(entry["value"], entry["fetched_at"])
    stale = _stale_copy(entry, now) if allow_stale else None
    if stale is not None and cache.get(_down_key(scope)):
        record_cache(hit=True)
        return stale  # Argil failed moments ago: do not pile on
    record_cache(hit=False)  # a cold read: this request's call, or one it waits for
    if on_miss is not None:
        on_miss()

    ttls = (ttl, processing_ttl)
    call = _Call(
        scope, key, load, ttls=ttls, generation=generation, stale=stale, wait=wait, max_age=max_age
    )
    # Askers of one generation share a call; after an invalidation, a new call is made.
    return _flights.run(
        f"{key}:{generation}", call.lead, call.load_and_store, wait, busy=call.stale_or_raise
    )


class _Call:
    """One cold read: the cross-process lock, the upstream call, storing its answer."""

    def __init__(
        self,
        scope: str,
        key: str,
        load: Callable[[], Any],
        *,
        ttls: tuple[float, float],
        generation: int,
        stale: Answer | None,
        wait: float,
        max_age: float | None = None,
    ) -> None:
        self.scope, self.key, self.load = scope, key, load
        self.ttls, self.generation, self.stale, self.wait = ttls, generation, stale, wait
        self.max_age = max_age
        self.lock_key = f"{key}:lock"
        self.failed_key = f"{key}:failed"

    def lead(self) -> Answer:
        # The lock outlives the holder's call (its deadline bounds it); if the holder dies, it
        # frees itself soon after.
        if cache.add(self.lock_key, True, timeout=int(self.wait) + 2):
            try:
                # Another caller may have stored the answer between our miss and our lock.
                entry = cache.get(self.key)
                if _fresh(entry, self.generation, time.time(), self.max_age):
                    return Answer(entry["value"], entry["fetched_at"])
                return self.load_and_store()
            except ArgilAPIError as exc:
                # For the other processes' waiters: they share this failure, as this
                # process's threads do, instead of each asking Argil again.
                cache.set(self.failed_key, _failure_record(exc), timeout=int(self.wait) + 2)
                raise
            finally:
                # Still ours: the call ended within its deadline, before the lock's timeout.
                cache.delete(self.lock_key)
        answer = self._await_other_process()
        return answer if answer is not None else self.load_and_store()

    def _await_other_process(self) -> Answer | None:
        started = time.time()
        deadline = time.monotonic() + self.wait
        while time.monotonic() < deadline:
            time.sleep(POLL_INTERVAL)
            entry = cache.get(self.key)
            if _fresh(entry, self.generation, time.time(), self.max_age):
                return Answer(entry["value"], entry["fetched_at"])
            if cache.get(self.lock_key) is None:  # it finished without a fresh answer
                if self.stale is not None and cache.get(_down_key(self.scope)):
                    return self.stale
                failure = cache.get(self.failed_key)
                if isinstance(failure, dict) and failure.get("at", 0) >= started - POLL_INTERVAL:
                    raise _failure_error(failure)  # the caller's error, not a call of our own
                return None
        return None

    def load_and_store(self) -> Answer:
        try:
            value = self.load()
        except (ArgilUnavailable, ArgilRateLimited) as exc:
            return self.stale_or_raise(exc)
        return store(self.key, value, ttl=ttl_for(value, *self.ttls), generation=self.generation)

    def stale_or_raise(self, exc: ArgilUnavailable | ArgilRateLimited) -> Answer:
        """Argil is down, slow or limiting: the stale copy if there is one (and other views
        show theirs without asking for a while), else ``exc``."""
        cache.set(_down_key(self.scope), True, timeout=_backoff(exc))
        if self.stale is None:
            raise exc
        logger.warning(
            "Argil failed (%s); showing a copy from %.0f s ago",
            type(exc).__name__,
            time.time() - self.stale.fetched_at,
        )
        return self.stale


def _failure_record(exc: ArgilAPIError) -> dict[str, Any]:
    """An upstream error as plain data, for the cache (the message is ours, never Argil's body)."""
    return {
        "kind": type(exc).__name__,
        "message": exc.message,
        "status": exc.status,
        "request_id": exc.request_id,
        "reason": getattr(exc, "reason", None),
        "retry_after": getattr(exc, "retry_after", None),
        "at": time.time(),
    }


def _failure_error(record: dict[str, Any]) -> ArgilAPIError:
    kind = getattr(api, str(record.get("kind")), None)
    if not (isinstance(kind, type) and issubclass(kind, ArgilAPIError)):
        kind = ArgilAPIError
    extra: dict[str, Any] = {}
    if issubclass(kind, ArgilUnavailable) and record.get("reason"):
        extra["reason"] = record["reason"]
    if issubclass(kind, ArgilRateLimited):
        extra["retry_after"] = record.get("retry_after")
    return kind(
        record.get("message"),
        status=record.get("status"),
        request_id=record.get("request_id"),
        **extra,
    )


def _backoff(exc: ArgilAPIError) -> int:
    retry_after = getattr(exc, "retry_after", None)
    if retry_after:
        return max(1, min(DOWN_BACKOFF_MAX, round(retry_after)))
    return DOWN_BACKOFF


# --- In-process single flight ----------------------------------------------------------------


class _Flight:
    __slots__ = ("answer", "done", "error")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.answer: Answer | None = None
        self.error: BaseException | None = None


class _Flights:
    """One thread per key calls; the others in this process wait for its outcome."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._flights: dict[str, _Flight] = {}

    def run(
        self,
        key: str,
        lead: Callable[[], Answer],
        fallback: Callable[[], Answer],
        wait: float,
        busy: Callable[[ArgilUnavailable], Answer],
    ) -> Answer:
        """``lead()`` in one thread per key; the others wait for its outcome, ``fallback()``
        when it takes longer than ``wait``. Every thread here holds an upstream slot while it
        waits; one that finds them all stuck gets ``busy(error)`` instead."""
        held = upstream_slots.slot()
        try:
            held.acquire()
        except ArgilUnavailable as exc:  # every slot is stuck on a hung Argil
            return busy(exc)
        try:
            return self._lead_or_follow(key, lead, fallback, wait)
        finally:
            held.release()

    def _lead_or_follow(
        self, key: str, lead: Callable[[], Answer], fallback: Callable[[], Answer], wait: float
    ) -> Answer:
        with self._lock:
            flight = self._flights.get(key)
            leading = flight is None
            if flight is None:
                flight = self._flights[key] = _Flight()
        if leading:
            try:
                flight.answer = lead()
                return flight.answer
            except BaseException as exc:
                flight.error = exc
                raise
            finally:
                with self._lock:
                    del self._flights[key]
                flight.done.set()
        if not flight.done.wait(wait):
            return fallback()  # the caller is slow: our own call, as if there were no cache
        if isinstance(flight.error, ArgilAPIError):
            raise copy.copy(flight.error)  # the same answer Argil gave the caller
        if flight.answer is None:
            return fallback()  # the caller hit a bug, not Argil: try on our own
        return flight.answer


# Per process by nature (threads share it, processes use the cache lock): the in-flight calls.
_flights = _Flights()
