"""One structured log line per request, and what the request cost upstream.

``RequestLogMiddleware`` (outermost, so it sees redirects, static files and errors too) opens a
request-scoped collector in a ``ContextVar``; code that calls Argil or reads the cache reports to
it with ``record_upstream`` and ``record_cache``; when the response is ready the middleware logs
one line on the ``assets_browser.requests`` logger:

    {"time": "...", "level": "INFO", "logger": "assets_browser.requests",
     "message": "GET /?type=VIDEO 200 41.3ms", "method": "GET", "path": "/?type=VIDEO",
     "status": 200, "duration_ms": 41.3, "user_id": 7, "upstream_calls": 1,
     "upstream_ms": 35.2, "upstream_statuses": [200], "upstream_request_ids": ["req_..."],
     "cache_hits": 0, "cache_misses": 1}

``JsonFormatter`` (wired in settings.LOGGING) writes every record as such a JSON line; a record's
``fields`` extra becomes top-level keys. Never logged: headers, cookies, request bodies, the API
key, upstream URLs. The path keeps its query string: ours are browse filters and ``next=``.

Outside a request (management commands, the sandbox) the record_* functions do nothing. The
collector is per request and per thread; work handed to another thread must run in a copy of the
context (``contextvars.copy_context().run``) to be counted, and then shares the same collector.
"""

import json
import logging
import threading
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from .api import redact

logger = logging.getLogger("assets_browser.requests")

# Upstream request ids kept on one line: a page makes one or two calls; a runaway loop is cut.
MAX_REQUEST_IDS = 10


@dataclass
class RequestStats:
    upstream_calls: int = 0
    upstream_seconds: float = 0.0
    upstream_statuses: list[int | None] = field(default_factory=list)
    upstream_request_ids: list[str] = field(default_factory=list)
    cache_hits: int = 0
    cache_misses: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def fields(self) -> dict[str, Any]:
        return {
            "upstream_calls": self.upstream_calls,
            "upstream_ms": round(self.upstream_seconds * 1000, 1),
            "upstream_statuses": list(self.upstream_statuses),
            "upstream_request_ids": list(self.upstream_request_ids),
            "cache_hits": self.cache_hits,
            "cache_misses": self.cache_misses,
        }


_current: ContextVar[RequestStats | None] = ContextVar("request_stats", default=None)


def record_upstream(duration_s: float, status: int | None, request_id: str | None) -> None:
    """One upstream call of the current request: its time, HTTP status (None: no answer, e.g.
    a timeout or refused connection) and Argil's request id when it sent one."""
    stats = _current.get()
    if stats is None:
        return
    with stats._lock:
        stats.upstream_calls += 1
        stats.upstream_seconds += duration_s
        stats.upstream_statuses.append(status)
        if request_id and len(stats.upstream_request_ids) < MAX_REQUEST_IDS:
            stats.upstream_request_ids.append(request_id)


def record_cache(hit: bool) -> None:
    """One cache lookup of the current request: answered from the cache, or not."""
    stats = _current.get()
    if stats is None:
        return
    with stats._lock:
        if hit:
            stats.cache_hits += 1
        else:
            stats.cache_misses += 1


class RequestLogMiddleware:
    """Logs one line per request; first in MIDDLEWARE so its duration covers the whole stack."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        stats = RequestStats()
        token = _current.set(stats)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        path = request.get_full_path()
        fields = {
            "method": request.method,
            "path": path,
            "status": response.status_code,
            "duration_ms": duration_ms,
            "user_id": _user_id(request),
            **stats.fields(),
        }
        logger.log(
            logging.WARNING if response.status_code >= 500 else logging.INFO,
            "%s %s %s %.1fms",
            request.method,
            path,
            response.status_code,
            duration_ms,
            extra={"fields": fields},
        )
        return response


def _user_id(request: HttpRequest) -> int | None:
    user = getattr(request, "user", None)  # absent for static files (WhiteNoise answers first)
    if user is None or not user.is_authenticated:
        return None
    return user.pk


class JsonFormatter(logging.Formatter):
    """Every record as one JSON object per line; ``extra={"fields": {...}}`` adds keys."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update(fields)
        if record.exc_text:  # RedactKeyFilter formats (and scrubs) the traceback into it
            line["exception"] = record.exc_text
        elif record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


class RedactKeyFilter(logging.Filter):
    """Takes the Argil API key out of every record before a handler writes it: the message,
    the ``fields`` extra and the traceback; in any case, URL-encoded, hex or base64 (``redact``).

    Installed on the handlers in settings.LOGGING, so it covers every logger, ours and
    third-party alike: an upstream that echoes the key (in an error, a request id) cannot
    put it in a log line.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        key = getattr(settings, "ARGIL_API_KEY", "")
        if not key:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken format: the handler reports it; redact what it shows
            message = str(record.msg)
        cleaned = redact(message, key)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            record.fields = _redacted(fields, key)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, key)
        return True


def _redacted(value: Any, key: str) -> Any:
    if isinstance(value, str):
        return redact(value, key)
    if isinstance(value, dict):
        return {k: _redacted(v, key) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redacted(v, key) for v in value]
    return value
