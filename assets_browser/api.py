"""Typed client for the Argil v1 Assets API: list, get and create assets.

This module imports nothing from Django: a small factory next to the views reads
``settings.ARGIL_API_*`` and builds an ``ArgilClient``.

Every call goes through ``ArgilClient._request``: one URL shape (``base_url`` + a constant
path, user values only in ``params=`` or quoted path segments), one timeout, one retry
policy, one total deadline and body-size cap (the body is read in chunks), no redirects, and
one handler that turns transport failures and status codes into the ``ArgilAPIError``
hierarchy below. Views catch only ``ArgilAPIError``.
"""

import base64
import contextlib
import email.utils
import functools
import heapq
import itertools
import json as jsonlib
import math
import os
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Self
from urllib.parse import quote, quote_plus, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import (
    ConnectTimeoutError,
    MaxRetryError,
    NewConnectionError,
    ResponseError,
)
from urllib3.exceptions import TimeoutError as Urllib3TimeoutError
from urllib3.util.retry import Retry

# --- Transport constants ---------------------------------------------------------------------

# Names the dashboard in Argil's logs, so their support can tell our traffic apart.
USER_AGENT = "argil-asset-browser/1.0 (Django dashboard; python-requests)"

# Just over 3 s, TCP's SYN retransmission window: one lost SYN does not fail the call.
CONNECT_TIMEOUT = 3.05
# Between bytes, not for the whole body. A page of <= 100 small JSON objects; a user is waiting.
READ_TIMEOUT = 5.0
DEFAULT_TIMEOUT = (CONNECT_TIMEOUT, READ_TIMEOUT)

# Retries apply to GET only. At most 3 attempts: enough to ride out a deploy or a blip.
DEFAULT_RETRIES = 2
# A failed connect never reached Argil, so one more try is free.
CONNECT_RETRIES = 1
# A read timeout means Argil is stuck: asking again doubles the user's wait and the load on a
# struggling upstream. The circuit breaker in front of the client fails the next calls fast.
READ_RETRIES = 0
# 429 and gateway errors are transient; a plain 500 is a bug upstream that a retry won't fix.
RETRY_STATUSES = frozenset({429, 502, 503, 504})
# urllib3 waits 0 s before the first retry and BACKOFF_FACTOR * 2 = 0.5 s before the second.
BACKOFF_FACTOR = 0.25
# Up to 0.25 s extra per wait, so threads that failed together do not retry in lockstep.
BACKOFF_JITTER = 0.25
# Honour a Retry-After of up to 2 s in the request thread; anything longer (or unparseable) is
# not slept on: the 429 comes back at once as ArgilRateLimited(retry_after=<the wait>).
RETRY_AFTER_MAX = 2.0
# The longest wait an ArgilRateLimited ever carries, whatever Argil said (an HTTP date in 2099,
# 2147484 s): past this a page, a Retry-After header or a poll delay would be absurd, and a
# browser's setTimeout overflows past 2^31 - 1 ms and fires at once.
RETRY_AFTER_CAP = 60

# The whole call: connects, headers, body, every retry and the waits between. requests' own
# timeouts bound each socket read, so a server that drips its headers or body a byte at a time
# would otherwise hold a thread for ever. 28 s is what the schedule above adds up to (below):
# the documented worst case is the enforced one, and gunicorn's graceful_timeout is sized to it.
CALL_DEADLINE = 28.0
# A page of 100 assets is about 50 KB of JSON: 4 MB is far beyond any real answer, and small
# enough that a runaway body never swells a worker. Counted while reading (after gzip).
MAX_BODY_BYTES = 4 * 1024 * 1024
# An error body is read only for Argil's `code` and `message`.
MAX_ERROR_BODY_BYTES = 64 * 1024
READ_CHUNK_BYTES = 64 * 1024

# Time budget, worst case for one GET (e.g. list_assets) with the defaults above:
#   3 attempts x (3.05 s connect + 5 s read)   = 24.15 s
#   + 2 waits of at most max(RETRY_AFTER_MAX, backoff 0.5 + jitter 0.25) = 4 s
#   = about 28 s, and only if Argil answers 503 just before each read timeout;
#   CALL_DEADLINE cuts every call at 28 s whatever Argil does (dripped headers or body too).
# Likely failures: a hung Argil costs one 5 s read (not retried); Argil down (connection
# refused) costs milliseconds; a long Retry-After costs one round trip.
# A write (POST) is never retried: its deadline is 3.05 + 5 = 8.05 s.
# Smaller timeouts (ARGIL_API_TIMEOUT) shrink the deadline the same way: see time_budget().


def time_budget(timeout: float | tuple[float, float], retries: int) -> float:
    """The worst case of one GET under these timeouts and retries, never over CALL_DEADLINE."""
    connect, read = timeout if isinstance(timeout, tuple) else (timeout, timeout)
    waits = retries * max(RETRY_AFTER_MAX, BACKOFF_FACTOR * 2 + BACKOFF_JITTER)
    return min(CALL_DEADLINE, (retries + 1) * (connect + read) + waits)


# --- Upstream contract constants -------------------------------------------------------------

ASSETS_PATH = "/assets"
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100

# Pagination comes back in response headers; parse_asset_page is the one place that reads them.
HEADER_TOTAL_COUNT = "X-Total-Count"
HEADER_PAGE = "X-Page"
HEADER_PAGE_SIZE = "X-Page-Size"
HEADER_TOTAL_PAGES = "X-Total-Pages"
HEADER_REQUEST_ID = "X-Request-Id"
LIST_HEADERS = (
    HEADER_TOTAL_COUNT,
    HEADER_PAGE,
    HEADER_PAGE_SIZE,
    HEADER_TOTAL_PAGES,
    HEADER_REQUEST_ID,
)

# A name longer than this is cut (with "…") where it is read: Argil's own limit is 256, and
# every page, cached card and pick keeps a copy, so a 10 MB "name" must not travel on.
NAME_MAX_CHARS = 4096

# Upstream error text kept on an exception: enough to debug, not a whole HTML error page.
ERROR_BODY_MAX_CHARS = 500
ERROR_MESSAGE_MAX_CHARS = 300

# Argil's asset ids; every id from a page or a URL is checked against this before use.
UUID_RE = re.compile(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", re.IGNORECASE)
# ASCII digits only (str.isdigit() accepts "²"), and few enough that int() cannot refuse them
# (Python caps int() at 4300 digits) or build absurd page numbers.
_DIGITS_RE = re.compile(r"[0-9]{1,15}")
_REDACTED = "[redacted]"
# Argil's request id is logged and shown to operators: only a short, plain token is believed
# (an upstream that echoes the key, or markup, in this header gets None).
_REQUEST_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")


# --- Errors ----------------------------------------------------------------------------------


class ArgilAPIError(Exception):
    """Base of every error this client raises. ``message`` is short and safe to show a user."""

    default_message = "the Argil asset service returned an error"
    _repr_fields: tuple[str, ...] = ("message", "status", "request_id")

    def __init__(
        self,
        message: str | None = None,
        *,
        status: int | None = None,
        request_id: str | None = None,
        body: Any = None,
    ) -> None:
        self.message = message or self.default_message
        self.status = status
        self.request_id = request_id
        self.body = body  # the parsed error body, or truncated text; the API key redacted
        super().__init__(self.message)

    def __repr__(self) -> str:  # never the body: it can be long
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._repr_fields)
        return f"{type(self).__name__}({fields})"


class ArgilAuthError(ArgilAPIError):
    """401/403."""

    default_message = "the API key was rejected"


class ArgilNotFound(ArgilAPIError):  # noqa: N818 (names are the agreed interface)
    """404, or an asset id that is not a UUID (never sent upstream)."""

    default_message = "asset not found"


class ArgilBadRequest(ArgilAPIError):  # noqa: N818 (names are the agreed interface)
    """400/422. ``message`` is Argil's own explanation, for showing next to a form field."""

    default_message = "Argil rejected the request"


class ArgilRateLimited(ArgilAPIError):  # noqa: N818 (names are the agreed interface)
    """429 after retries, or at once when Retry-After is longer than the client will wait."""

    default_message = "Argil is rate limiting requests; try again shortly"
    _repr_fields = (*ArgilAPIError._repr_fields, "retry_after")

    def __init__(
        self, message: str | None = None, *, retry_after: float | None = None, **kw: Any
    ) -> None:
        super().__init__(message, **kw)
        if retry_after is not None:
            retry_after = min(max(retry_after, 0.0), RETRY_AFTER_CAP)
        # Seconds, from Retry-After, at most RETRY_AFTER_CAP; None when absent or garbled.
        self.retry_after = retry_after


class ArgilUnavailable(ArgilAPIError):  # noqa: N818 (names are the agreed interface)
    """Timeouts, connection errors, and 5xx after retries."""

    default_message = "the Argil asset service is unavailable"
    _repr_fields = (*ArgilAPIError._repr_fields, "reason")

    def __init__(
        self, message: str | None = None, *, reason: str = "server_error", **kw: Any
    ) -> None:
        super().__init__(message, **kw)
        self.reason = reason  # "timeout", "connection" or "server_error"


class ArgilBadResponse(ArgilAPIError):  # noqa: N818 (names are the agreed interface)
    """Not JSON, the wrong shape, a redirect, or a status the contract does not explain."""

    default_message = "the Argil asset service sent an unexpected response"


class ArgilResponseTooLarge(ArgilBadResponse):
    """A body past MAX_BODY_BYTES: refused while reading, never buffered whole."""

    default_message = (
        f"Argil sent an answer larger than {MAX_BODY_BYTES // (1024 * 1024)} MB; it was not read"
    )


REDIRECT_MESSAGE = "upstream tried to redirect; refusing to forward the key"


# --- Models ----------------------------------------------------------------------------------


class AssetType(StrEnum):
    AUDIO = "AUDIO"
    IMAGE = "IMAGE"
    VIDEO = "VIDEO"


class AssetStatus(StrEnum):
    PROCESSING = "PROCESSING"
    READY = "READY"
    FAILED = "FAILED"


# Members by value: from_api runs 100 times a page, and calling the enum costs more.
_ASSET_TYPES = {member.value: member for member in AssetType}
_ASSET_STATUSES = {member.value: member for member in AssetStatus}


def _member(members: dict[str, Any], value: Any) -> Any:
    return members.get(value) if isinstance(value, str) else None


@dataclass(frozen=True, slots=True)
class Asset:
    id: str
    name: str | None
    type: AssetType
    status: AssetStatus
    file_url: str | None
    thumbnail_url: str | None
    created_at: datetime | None  # aware, UTC

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> "Asset":
        """Map one upstream Asset object; the only place its field names appear.

        Raises ArgilBadResponse when the object cannot be an asset (not an object, no valid
        id, unknown type or status). Tolerates extra fields, a garbled ``createdAt`` (None)
        and non-string names or URLs (None). URLs are kept as text: whether one may become
        an ``href``/``src`` is decided where it is rendered.
        """
        if not isinstance(data, Mapping):
            raise ArgilBadResponse("Argil sent an asset that is not a JSON object")
        asset_id = data.get("id")
        if not isinstance(asset_id, str) or not UUID_RE.fullmatch(asset_id):
            raise ArgilBadResponse("Argil sent an asset without a valid id")
        asset_type = _member(_ASSET_TYPES, data.get("type"))
        asset_status = _member(_ASSET_STATUSES, data.get("status"))
        if asset_type is None or asset_status is None:
            raise ArgilBadResponse("Argil sent an asset of unknown type or status")
        return cls(
            id=asset_id.lower(),  # one spelling for cache keys, picks and comparisons
            name=_name(data.get("name")),
            type=asset_type,
            status=asset_status,
            file_url=_optional_str(data.get("fileUrl")),
            thumbnail_url=_optional_str(data.get("thumbnailUrl")),
            created_at=_parse_datetime(data.get("createdAt")),
        )

    def to_api(self) -> dict[str, Any]:
        """The upstream JSON shape again (for caching); ``from_api(a.to_api()) == a``."""
        created_at = None
        if self.created_at is not None:
            created_at = self.created_at.isoformat().replace("+00:00", "Z")
        return {
            "id": self.id,
            "name": self.name,
            "type": self.type.value,
            "status": self.status.value,
            "fileUrl": self.file_url,
            "thumbnailUrl": self.thumbnail_url,
            "createdAt": created_at,
        }


def _name(value: Any) -> str | None:
    name = _optional_str(value)
    if name is not None and len(name) > NAME_MAX_CHARS:
        name = name[: NAME_MAX_CHARS - 1] + "…"
    return name


# Line breaks and tabs become spaces; NUL, other C0/C1 controls and lone surrogates ("\ud800" in
# JSON) go: a surrogate cannot even be encoded into a page, and PostgreSQL refuses a NUL. The
# same rule as assets_browser/text.py, which this module may not import (it knows no Django).
_BREAKS_RE = re.compile(r"[\t\n\r\x0b\x0c\x85\u2028\u2029]")
_CONTROLS_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff]")


def _optional_str(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    return _CONTROLS_RE.sub("", _BREAKS_RE.sub(" ", value)).strip() or None


def _parse_datetime(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:  # the contract says ISO 8601; read a bare time as UTC
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class AssetPage:
    """One page of assets plus the totals from the response headers.

    Properties follow Django's ``Page`` so the pager template reads the same. When Argil sends
    no usable totals, ``totals_known`` is False and paging falls back to "was this page full?".
    """

    items: tuple[Asset, ...]
    number: int  # current page (X-Page, else the requested page)
    per_page: int  # X-Page-Size, else the requested page size
    total: int | None  # X-Total-Count; None when missing or garbled
    num_pages: int | None  # X-Total-Pages, else derived from total; None when unknown
    request_id: str | None = None

    @property
    def totals_known(self) -> bool:
        return self.total is not None and self.num_pages is not None

    @property
    def has_next(self) -> bool:
        if self.num_pages is not None:
            return self.number < self.num_pages
        return len(self.items) == self.per_page

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def next_page_number(self) -> int | None:
        return self.number + 1 if self.has_next else None

    @property
    def previous_page_number(self) -> int | None:
        return self.number - 1 if self.has_previous else None

    @property
    def start_index(self) -> int:
        """1-based index of the first item on this page ("Showing 21-40"), 0 when empty."""
        if not self.items:
            return 0
        return (self.number - 1) * self.per_page + 1

    @property
    def end_index(self) -> int:
        """1-based index of the last item on this page, 0 when empty."""
        if not self.items:
            return 0
        return self.start_index + len(self.items) - 1

    @property
    def is_past_end(self) -> bool:
        """An empty page after page 1 that is (or may be) beyond the last page."""
        if self.items or self.number <= 1:
            return False
        if self.totals_known:
            return self.number > self.num_pages  # type: ignore[operator]
        return True


def _header_int(
    headers: Mapping[str, str], name: str, *, minimum: int, maximum: int | None = None
) -> int | None:
    """A non-negative decimal header within bounds, else None (never raises)."""
    value = headers.get(name.lower())
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not _DIGITS_RE.fullmatch(value):
        return None
    number = int(value)
    if number < minimum or (maximum is not None and number > maximum):
        return None
    return number


def parse_asset_page(
    body: Any,
    headers: Mapping[str, str],
    *,
    requested_page: int,
    requested_page_size: int,
) -> AssetPage:
    """Build an AssetPage from a list response: the one place the X-* headers are read.

    Headers are untrusted: a missing, garbled or self-contradicting header never raises; the
    page falls back to what was requested and the totals become unknown. A body that is not
    a JSON array, or an item that is not an asset, raises ArgilBadResponse.
    """
    lowered = {str(key).lower(): value for key, value in headers.items()}
    request_id = request_id_of(lowered)
    if not isinstance(body, list):
        raise ArgilBadResponse(
            "Argil sent an asset list that is not a JSON array", request_id=request_id
        )
    try:
        items = tuple(Asset.from_api(item) for item in body)
    except ArgilBadResponse as exc:
        exc.request_id = request_id
        raise

    number = _header_int(lowered, HEADER_PAGE, minimum=1) or requested_page
    per_page = _header_int(lowered, HEADER_PAGE_SIZE, minimum=1, maximum=MAX_PAGE_SIZE)
    if per_page is None or per_page < len(items):
        per_page = requested_page_size
    total = _header_int(lowered, HEADER_TOTAL_COUNT, minimum=0)
    num_pages = _header_int(lowered, HEADER_TOTAL_PAGES, minimum=0)

    if total is not None:
        derived = math.ceil(total / per_page)
        seen_so_far = (number - 1) * per_page + len(items)
        if (items and total < seen_so_far) or (
            num_pages is not None and num_pages not in (derived, max(derived, 1))
        ):
            # The headers contradict the body or each other: trust none of the totals.
            total = num_pages = None
        else:
            num_pages = derived
    if num_pages is not None:
        # Like Django's Paginator: an empty result is one (empty) page, not zero pages.
        num_pages = max(num_pages, 1)
    return AssetPage(
        items=items,
        number=number,
        per_page=per_page,
        total=total,
        num_pages=num_pages,
        request_id=request_id,
    )


# --- Transport helpers -----------------------------------------------------------------------


def request_id_of(headers: Mapping[str, str]) -> str | None:
    """Argil's X-Request-Id if it is a short plain token, else None (never echoed junk)."""
    value = headers.get(HEADER_REQUEST_ID)
    if value is None:
        value = headers.get(HEADER_REQUEST_ID.lower())
    if isinstance(value, str) and _REQUEST_ID_RE.fullmatch(value):
        return value
    return None


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), else None."""
    if value is None:
        return None
    value = value.strip()
    if _DIGITS_RE.fullmatch(value):
        return float(int(value))
    parsed = email.utils.parsedate_tz(value)
    if parsed is None:
        return None
    return max(0.0, email.utils.mktime_tz(parsed) - time.time())


class _ArgilRetry(Retry):
    """urllib3's Retry with two rules it lacks, for requests a user is waiting on.

    1. A Retry-After longer than ``retry_after_max`` (or unparseable) stops retrying and hands
       the response back, instead of sleeping the capped time in the request thread and then
       asking again too early. The 429 then becomes ArgilRateLimited(retry_after=<full wait>).
    2. Nothing but ``allowed_methods`` is ever resent. urllib3 resends any method after a
       connect error (the server never saw it); a write here is still sent exactly once.
    Both raise MaxRetryError, urllib3's own "out of retries" signal.
    """

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: Any = None,
        error: Exception | None = None,
        _pool: Any = None,
        _stacktrace: Any = None,
    ) -> Self:
        allowed = self.allowed_methods or ()
        if error is not None and (method is None or method.upper() not in allowed):
            raise MaxRetryError(_pool, url, error) from error
        if response is not None and self.respect_retry_after_header:
            header = response.headers.get("Retry-After")
            if header is not None:
                wait = parse_retry_after(header)
                if wait is None or wait > self.retry_after_max:
                    raise MaxRetryError(_pool, url, ResponseError("Retry-After beyond cap"))
        return super().increment(method, url, response, error, _pool, _stacktrace)

    def sleep(self, response: Any = None) -> None:
        # Never sleep past the call's deadline: the next attempt would be refused anyway.
        deadline = getattr(_current, "deadline", None)
        if deadline is not None and deadline.remaining() <= self.get_backoff_time():
            raise MaxRetryError(None, None, ConnectTimeoutError(None, "call deadline passed"))  # type: ignore[arg-type]
        super().sleep(response)


# --- The call deadline -----------------------------------------------------------------------

# The deadline of the call this thread is making, read by the connections below.
_current = threading.local()


class _Deadline:
    """One call's wall-clock deadline. When it passes, the watchdog shuts down every socket the
    call uses, which wakes a read blocked on a dripping server: requests' timeouts are per read."""

    def __init__(self, seconds: float) -> None:
        self.at = time.monotonic() + seconds
        self.expired = False
        self._done = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        _WATCHDOG.watch(self)

    def remaining(self) -> float:
        return self.at - time.monotonic()

    def watch(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self._lock:
            self._sockets.append(sock)
            expired = self.expired
        if expired:
            _shut(sock)

    def _expire(self) -> None:
        with self._lock:  # under the lock: once cancel() returns, no socket is touched
            if self._done:
                return
            self.expired = True
            for sock in self._sockets:
                _shut(sock)
            self._sockets = []

    def cancel(self) -> None:
        with self._lock:
            self._done = True
            self._sockets = []


class _Watchdog:
    """One thread expiring every call's deadline in this process, earliest first. A thread per
    call (threading.Timer) cost about a millisecond of every cold view under gunicorn."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, _Deadline]] = []
        self._wake = threading.Condition()
        self._order = itertools.count()
        self._pid = 0  # the process that started the thread: a forked worker starts its own

    def watch(self, deadline: _Deadline) -> None:
        with self._wake:
            if self._pid != os.getpid():
                self._pid = os.getpid()
                self._heap = []
                thread = threading.Thread(target=self._run, name="argil-deadlines", daemon=True)
                thread.start()
            heapq.heappush(self._heap, (deadline.at, next(self._order), deadline))
            if self._heap[0][2] is deadline:
                self._wake.notify()

    def _run(self) -> None:
        while True:
            with self._wake:
                while self._heap and self._heap[0][2]._done:  # finished calls
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._wake.wait()
                    continue
                wait = self._heap[0][0] - time.monotonic()
                if wait > 0:
                    self._wake.wait(wait)
                    continue
                expired = heapq.heappop(self._heap)[2]
            expired._expire()


_WATCHDOG = _Watchdog()


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed
        sock.shutdown(socket.SHUT_RDWR)


class _DeadlineConnectionMixin:
    """A urllib3 connection that connects within, and reads under, the current call's deadline."""

    timeout: Any
    sock: socket.socket | None

    def connect(self) -> None:
        deadline: _Deadline | None = getattr(_current, "deadline", None)
        if deadline is not None:
            remaining = deadline.remaining()
            if remaining <= 0:
                raise ConnectTimeoutError(self, "call deadline passed")
            if isinstance(self.timeout, int | float):
                self.timeout = min(self.timeout, remaining)
        super().connect()  # type: ignore[misc]

    def getresponse(self) -> Any:
        deadline: _Deadline | None = getattr(_current, "deadline", None)
        if deadline is not None:
            deadline.watch(self.sock)  # covers the status line, the headers and the body
        return super().getresponse()  # type: ignore[misc]


class _DeadlineHTTPConnection(_DeadlineConnectionMixin, HTTPConnection):
    pass


class _DeadlineHTTPSConnection(_DeadlineConnectionMixin, HTTPSConnection):
    pass


class _DeadlineHTTPPool(HTTPConnectionPool):
    ConnectionCls = _DeadlineHTTPConnection


class _DeadlineHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _DeadlineHTTPSConnection


class _DeadlineAdapter(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _DeadlineHTTPPool,
            "https": _DeadlineHTTPSPool,
        }


def _build_retry(total: int, retry_after_max: float) -> Retry:
    return _ArgilRetry(
        total=total,
        connect=CONNECT_RETRIES,
        read=READ_RETRIES,
        other=0,
        redirect=False,  # requests already sends redirect=False; say it here too
        allowed_methods=frozenset({"GET"}),
        status_forcelist=RETRY_STATUSES,
        backoff_factor=BACKOFF_FACTOR,
        backoff_jitter=BACKOFF_JITTER,
        respect_retry_after_header=True,
        retry_after_max=retry_after_max,  # type: ignore[arg-type]  # a float works
        raise_on_status=False,  # hand the last response to _check_response
    )


def _transport_error(exc: requests.RequestException, expired: bool = False) -> ArgilUnavailable:
    """Map a requests exception to ArgilUnavailable; the message never holds the URL."""
    if expired or isinstance(exc, requests.Timeout) or _wraps_timeout(exc):
        return ArgilUnavailable("Argil did not answer in time", reason="timeout")
    return ArgilUnavailable("could not connect to the Argil asset service", reason="connection")


def _wraps_timeout(exc: Exception) -> bool:
    # After the read retry runs out, or while reading the body, requests raises
    # ConnectionError(MaxRetryError(reason=ReadTimeoutError)) or ConnectionError(ReadTimeout...).
    # A refused connection (NewConnectionError) is a urllib3 TimeoutError too, but not a timeout.
    for arg in exc.args:
        if isinstance(arg, MaxRetryError):
            arg = arg.reason
        if isinstance(arg, Urllib3TimeoutError) and not isinstance(arg, NewConnectionError):
            return True
    return False


@functools.lru_cache(maxsize=8)
def _secret_pattern(secret: str) -> re.Pattern[str]:
    """The secret as written (any case), URL-encoded, in hex, and in base64 (standard and
    URL-safe) at each of the three byte alignments it can have inside a longer encoded text."""
    raw = secret.encode()
    plain = {secret, quote(secret, safe=""), quote_plus(secret), raw.hex()}
    encoded = set()
    for offset in range(3):
        text = base64.b64encode(b"\0" * offset + raw).decode()
        # Keep only the 4-character groups made of the secret's bytes alone: the ones before
        # and after depend on the neighbouring bytes.
        first = -(-offset // 3)  # the first group that starts inside the secret
        last = (offset + len(raw)) // 3  # groups before this one end inside it
        core = text[first * 4 : last * 4]
        if len(core) >= 8:
            encoded |= {core, core.replace("+", "-").replace("/", "_")}
    alternatives = [re.escape(form) for form in sorted(plain, key=len, reverse=True)]
    alternatives += [f"(?-i:{re.escape(form)})" for form in sorted(encoded)]
    return re.compile("|".join(alternatives), re.IGNORECASE)


def redact(text: str, secret: str) -> str:
    """``text`` with ``secret`` replaced by "[redacted]": in any letter case, URL-encoded, in
    hex, and in base64 or URL-safe base64, alone or inside a longer encoded string."""
    if not secret or not text:
        return text
    return _secret_pattern(secret).sub(_REDACTED, text)


def _redact(value: Any, secret: str) -> Any:
    if isinstance(value, str):
        return redact(value, secret)
    if isinstance(value, dict):
        return {_redact(k, secret): _redact(v, secret) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(v, secret) for v in value]
    return value


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True, slots=True)
class UpstreamCall:
    """What one call through ``ArgilClient._request`` cost, for the client's ``on_call`` hook.

    ``path`` is the constant path (ids quoted in): never the base URL, the query or the key.
    ``duration_s`` includes retries and their waits. ``status`` is None when Argil never
    answered (timeout, refused connection). ``error`` is what the call raises, if anything; an
    unreadable 200 body is found later, by the caller, and shows here as a plain 200.
    """

    method: str
    path: str
    status: int | None
    duration_s: float
    request_id: str | None = None
    error: ArgilAPIError | None = None


# --- Client ----------------------------------------------------------------------------------


class ArgilClient:
    """Argil v1 Assets API client. Thread-safe: one requests.Session per thread.

    Build one per process (or per request) from settings and ``close()`` it when done;
    it is also a context manager.
    """

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
        retries: int = DEFAULT_RETRIES,
        retry_after_max: float = RETRY_AFTER_MAX,
        pool_maxsize: int = 16,  # keep >= the web server's threads per process
        on_call: Callable[[UpstreamCall], None] | None = None,  # e.g. timing and error logs
        deadline: float | None = None,  # a whole GET; default time_budget(timeout, retries)
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
            raise ValueError(
                "base_url must be an absolute http(s) URL without a query, "
                "e.g. https://api.argil.ai/v1"
            )
        if not api_key or not api_key.strip():
            raise ValueError("api_key is empty")
        self._base_url = base_url.rstrip("/")
        self._api_key = api_key
        self._timeout = timeout
        self._deadline = time_budget(timeout, retries) if deadline is None else deadline
        # A write is sent once: one connect and one read, never more than a GET.
        self._write_deadline = min(self._deadline, time_budget(timeout, 0))
        self._retry = _build_retry(retries, retry_after_max)
        self._pool_maxsize = pool_maxsize
        self._on_call = on_call
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._lock = threading.Lock()
        self._closed = False

    def __repr__(self) -> str:  # never the key
        return f"<ArgilClient base_url={self._base_url!r}>"

    @property
    def deadline(self) -> float:
        """Seconds one GET may take at most, retries included: how long to wait for another
        thread's identical call before giving up on it."""
        return self._deadline

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close every session this client created, in any thread. The client is then done."""
        with self._lock:
            self._closed = True
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            session.close()

    # --- Public calls --------------------------------------------------------------------

    def list_assets(
        self,
        *,
        types: Iterable[AssetType | str] = (),
        status: AssetStatus | str = AssetStatus.READY,
        page: int = 1,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> AssetPage:
        body, headers = self.fetch_asset_list(
            types=types, status=status, page=page, page_size=page_size
        )
        return parse_asset_page(body, headers, requested_page=page, requested_page_size=page_size)

    def fetch_asset_list(
        self,
        *,
        types: Iterable[AssetType | str] = (),
        status: AssetStatus | str = AssetStatus.READY,
        page: int = 1,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> tuple[Any, dict[str, str]]:
        """The raw JSON body and the X-* headers that matter, for a cache to store as JSON.

        ``parse_asset_page(body, headers, requested_page=..., requested_page_size=...)`` turns
        them into an AssetPage. Bad arguments are a programming error: ValueError.
        """
        if isinstance(types, str):  # "VIDEO" is one type, not five letters
            types = (types,)
        type_values = sorted({AssetType(t).value for t in types})
        if page < 1:
            raise ValueError(f"page must be >= 1, got {page}")
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be 1..{MAX_PAGE_SIZE}, got {page_size}")
        params = [("type", value) for value in type_values]
        params += [
            ("status", AssetStatus(status).value),
            ("page", str(page)),
            ("pageSize", str(page_size)),
        ]
        response = self._request("GET", ASSETS_PATH, params=params)
        body = self._json(response)
        headers = {
            name: response.headers[name] for name in LIST_HEADERS if name in response.headers
        }
        headers.pop(HEADER_REQUEST_ID, None)
        if request_id := self._request_id(response):
            headers[HEADER_REQUEST_ID] = request_id
        return body, headers

    def get_asset(self, asset_id: str) -> Asset:
        """One asset. An id that is not a UUID is ArgilNotFound without calling Argil; an
        answer about another asset than the one asked for is ArgilBadResponse."""
        if not isinstance(asset_id, str) or not UUID_RE.fullmatch(asset_id):
            raise ArgilNotFound()
        asset_id = asset_id.lower()
        response = self._request("GET", _asset_path(asset_id))
        asset = self._asset(response)
        if asset.id != asset_id:
            raise ArgilBadResponse(
                "Argil answered with another asset than the one asked for",
                status=response.status_code,
                request_id=self._request_id(response),
            )
        return asset

    def create_asset(self, *, name: str, type: AssetType | str, url: str) -> Asset:
        """Add B-roll by URL; Argil answers with the new asset, status PROCESSING. Not retried."""
        payload = {"name": name, "type": AssetType(type).value, "url": url}
        response = self._request("POST", ASSETS_PATH, json=payload, ok=(201, 200))
        return self._asset(response)

    # --- The chokepoint ------------------------------------------------------------------

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if self._closed:
            raise RuntimeError("this ArgilClient is closed")
        if session is None:
            session = self._new_session()
            with self._lock:
                if self._closed:
                    session.close()
                    raise RuntimeError("this ArgilClient is closed")
                self._sessions.append(session)
            self._local.session = session
        return session

    def _new_session(self) -> requests.Session:
        session = requests.Session()
        session.trust_env = False  # no proxy, netrc or CA-bundle surprises from the environment
        session.headers.update(
            {"x-api-key": self._api_key, "Accept": "application/json", "User-Agent": USER_AGENT}
        )
        adapter = _DeadlineAdapter(max_retries=self._retry, pool_maxsize=self._pool_maxsize)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        return session

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: list[tuple[str, str]] | None = None,
        json: Any = None,
        ok: tuple[int, ...] = (200,),
    ) -> requests.Response:
        """Send one call and return its response, body read, if its status is in ``ok``; else
        raise. The whole call, body included, ends by the deadline.

        ``path`` is one of this module's constant paths (user values quoted into it).
        """
        started = time.perf_counter()
        deadline = _Deadline(self._deadline if method == "GET" else self._write_deadline)
        _current.deadline = deadline
        response: requests.Response | None = None
        try:
            response = self._session().request(
                method,
                self._base_url + path,
                params=params,
                json=json,
                timeout=self._timeout,
                allow_redirects=False,  # requests would forward x-api-key to another host
                stream=True,  # the body is read below, against the deadline and a size cap
            )
            limit = MAX_BODY_BYTES if response.status_code in ok else MAX_ERROR_BODY_BYTES
            _read_body(response, limit, deadline, truncate=response.status_code not in ok)
        except requests.RequestException as exc:
            error = _transport_error(exc, deadline.expired)
            self._report(method, path, started, response, error)
            raise error from exc
        except ArgilAPIError as exc:
            assert response is not None
            exc.status, exc.request_id = response.status_code, self._request_id(response)
            self._report(method, path, started, response, exc)
            raise
        finally:
            _current.deadline = None
            deadline.cancel()
            if response is not None:
                response.close()  # a body left unread closes its connection
        try:
            self._check_response(response, ok)
        except ArgilAPIError as exc:
            self._report(method, path, started, response, exc)
            raise
        self._report(method, path, started, response, None)
        return response

    def _request_id(self, response: requests.Response) -> str | None:
        """Argil's request id, if plain and short, and never one that echoes the key."""
        request_id = request_id_of(response.headers)
        if request_id is not None and redact(request_id, self._api_key) != request_id:
            return None
        return request_id

    def _report(
        self,
        method: str,
        path: str,
        started: float,
        response: requests.Response | None,
        error: ArgilAPIError | None,
    ) -> None:
        if self._on_call is None:
            return
        request_id = None
        if response is not None:
            request_id = self._request_id(response)
        self._on_call(
            UpstreamCall(
                method=method,
                path=path,
                status=response.status_code if response is not None else None,
                duration_s=time.perf_counter() - started,
                request_id=request_id,
                error=error,
            )
        )

    def _check_response(self, response: requests.Response, ok: tuple[int, ...]) -> None:
        status = response.status_code
        if status in ok:
            return
        request_id = self._request_id(response)
        body = self._error_body(response)
        common = {"status": status, "request_id": request_id, "body": body}
        if 300 <= status < 400:
            raise ArgilBadResponse(REDIRECT_MESSAGE, **common)
        if status in (400, 422):
            raise ArgilBadRequest(self._upstream_message(response, body), **common)
        if status in (401, 403):
            raise ArgilAuthError(**common)
        if status == 404:
            raise ArgilNotFound(**common)
        if status == 429:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            message = None
            if retry_after is not None:
                retry_after = min(retry_after, RETRY_AFTER_CAP)
                message = (
                    f"Argil is rate limiting requests; try again in {math.ceil(retry_after)} s"
                )
            raise ArgilRateLimited(message, retry_after=retry_after, **common)
        if status >= 500:
            raise ArgilUnavailable(
                f"the Argil asset service failed (HTTP {status})", reason="server_error", **common
            )
        raise ArgilBadResponse(f"unexpected answer from Argil (HTTP {status})", **common)

    def _error_body(self, response: requests.Response) -> Any:
        try:
            body = _parse_json(response.content)
        except ValueError:
            body = _truncate(response.content.decode("utf-8", "replace"), ERROR_BODY_MAX_CHARS)
        return _redact(body, self._api_key)

    def _upstream_message(self, response: requests.Response, body: Any) -> str:
        """Argil's reason, for a form field: its ``message`` (else ``error``, else the status
        line), the key taken out in any form, and its ``code`` when it sent a plain one."""
        text = f"{response.status_code} {response.reason or ''}".strip()
        code = None
        if isinstance(body, dict):
            for field in ("message", "error"):
                value = body.get(field)
                if isinstance(value, str) and value.strip():
                    cleaned = " ".join(redact(value, self._api_key).split())
                    text = _truncate(cleaned, ERROR_MESSAGE_MAX_CHARS)
                    break
            code = body.get("code")
        if isinstance(code, int) or (isinstance(code, str) and _REQUEST_ID_RE.fullmatch(code)):
            text = f"{text} (code {code})"
        return text

    def _json(self, response: requests.Response) -> Any:
        try:
            return _parse_json(response.content)
        except ValueError:
            raise ArgilBadResponse(
                "Argil sent a response that is not JSON",
                status=response.status_code,
                request_id=self._request_id(response),
            ) from None

    def _asset(self, response: requests.Response) -> Asset:
        body = self._json(response)
        try:
            return Asset.from_api(body)
        except ArgilBadResponse as exc:
            exc.status = response.status_code
            exc.request_id = self._request_id(response)
            raise


def _read_body(
    response: requests.Response, limit: int, deadline: _Deadline, *, truncate: bool
) -> None:
    """Read the body into ``response.content`` in chunks, at most ``limit`` bytes (after
    decompression), before the deadline. Past the limit: ArgilResponseTooLarge, or with
    ``truncate`` (an error body) the first ``limit`` bytes."""
    declared = response.headers.get("Content-Length", "")
    too_large = _DIGITS_RE.fullmatch(declared.strip()) and int(declared) > limit
    if too_large and not truncate:
        raise ArgilResponseTooLarge()
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(READ_CHUNK_BYTES):
        if deadline.remaining() <= 0:
            raise requests.Timeout("call deadline passed")
        size += len(chunk)
        if size > limit:
            if not truncate:
                raise ArgilResponseTooLarge()
            chunks.append(chunk[: limit - (size - len(chunk))])
            break
        chunks.append(chunk)
    if deadline.expired:  # cut mid-headers, http.client takes what came as the whole answer
        raise requests.Timeout("call deadline passed")
    # What requests itself sets once it has read a body: .content and .json() then use it.
    response._content = b"".join(chunks)
    response._content_consumed = True  # type: ignore[attr-defined]


def _parse_json(content: bytes) -> Any:
    """JSON from bytes; ValueError for anything unreadable, absurd nesting included."""
    try:
        return jsonlib.loads(content)
    except RecursionError:  # [[[[... 100,000 levels deep: unreadable like any other junk
        raise ValueError("JSON nested too deeply") from None


def _asset_path(asset_id: str) -> str:
    return f"{ASSETS_PATH}/{quote(asset_id, safe='')}"


__all__ = [
    "DEFAULT_PAGE_SIZE",
    "DEFAULT_RETRIES",
    "DEFAULT_TIMEOUT",
    "MAX_PAGE_SIZE",
    "ArgilAPIError",
    "ArgilAuthError",
    "ArgilBadRequest",
    "ArgilBadResponse",
    "ArgilClient",
    "ArgilNotFound",
    "ArgilRateLimited",
    "ArgilResponseTooLarge",
    "ArgilUnavailable",
    "Asset",
    "AssetPage",
    "AssetStatus",
    "AssetType",
    "UpstreamCall",
    "parse_asset_page",
    "parse_retry_after",
    "redact",
    "request_id_of",
    "time_budget",
]
