"""The sandbox WSGI app: a stand-in for the Argil v1 Assets API (see shared/argil-api.md).

Routes (routing is by hand, in `SandboxApp._route_api`):

    GET    /v1/assets                list; type (repeatable), status, page, pageSize
    POST   /v1/assets                add B-roll by URL; 201, PROCESSING
    GET    /v1/assets/{id}           one asset
    DELETE /v1/assets/{id}           204
    GET    /media/{name}             the sample files; no key, Range and caching like a CDN
    GET    /__sandbox__/faults       current fault settings          (key required)
    POST   /__sandbox__/faults       change them at runtime           (key required)
    GET    /__sandbox__/stats        /v1 calls counted by route       (key required)
                                     ?window=S adds the most calls in any S seconds
    POST   /__sandbox__/stats/reset                                   (key required)
    POST   /__sandbox__/assets       insert N assets at the top: {"count", "type", "status",
                                     "name"}; answers their ids          (key required)
    POST   /__sandbox__/assets/{id}  change one: {"name"} renames, {"status"} settles it now,
                                     {"file": "clip-02.webm"} changes its fileUrl (key required)
    DELETE /__sandbox__/assets/{id}  delete one, without counting as an API call (key required)
    POST   /__sandbox__/hooks        after the Kth list call from now, change the library:
                                     {"after_list_calls": K, "insert": N, "delete_newest": M,
                                     "status": "READY"}; DELETE clears them (key required)

Where the Argil docs leave a choice open, the sandbox picks and documents it:
- `X-Total-Pages` is ceil(total / pageSize), so 0 when nothing matches; a page past the last is
  200 with `[]` and the usual headers.
- Parameters are case-sensitive (`type=video` is a 400), a comma list is not a repeat
  (`type=IMAGE,VIDEO` is a 400), and `status`, `page`, `pageSize` may be given once only.
- Errors use `{"code": ..., "message": ...}`, except "asset not found" on /v1/assets/{id}, which
  uses `{"error": "Asset not found"}`, so clients must read both documented shapes. A malformed id
  is a 404 too: to the caller it is just an id that names no asset.
- Every /v1 request is delayed by `latency_ms`, then counted against the per-minute limit
  (`rate_limit_per_minute` requests in any `rate_window_seconds`; past it a 429 with Retry-After,
  the seconds until a slot frees; refused requests do not use a slot), then may get an injected
  fault, and only then is the key checked (a real outage doesn't look at your key first); all
  of them count in stats.
- Media and control routes get no latency, faults or stats: they are not the API under test;
  media get their own delay, `media_latency_ms` (a CDN far away, for the media prober's bench).
- The API key is compared in constant time and never logged or echoed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import random
import re
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .library import MEDIA_BY_TYPE, UPLOADABLE_TYPES, Asset, AssetStatus, AssetType, Library

MEDIA_DIR = Path(__file__).resolve().parent / "media"

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_NAME_LENGTH = 256
MAX_BODY_BYTES = 64 * 1024  # a POST body is three short strings; refuse anything silly

StartResponse = Callable[[str, list[tuple[str, str]]], object]
Headers = list[tuple[str, str]]


@dataclass(frozen=True)
class SandboxConfig:
    """How the sandbox behaves. Replace it on a running app to change faults at runtime:
    `app.config = dataclasses.replace(app.config, error_rate=0.1)`.

    `library_size` and `seed` are read once, when the app is built."""

    latency_ms: int = 0  # sleep before answering every /v1 request
    media_latency_ms: int = 0  # sleep before answering every /media request
    library_size: int = 240  # seed assets
    processing_seconds: float = 4.0  # how long an upload stays PROCESSING
    error_rate: float = 0.0  # fraction of /v1 requests answered 503
    timeout_rate: float = 0.0  # fraction of /v1 requests that hang for hang_seconds first
    hang_seconds: float = 30.0
    outage_until: float = 0.0  # time.monotonic() before which every /v1 request gets a 503
    seed: int = 7  # the seed library and the fault dice
    rate_limit_per_minute: int = 0  # /v1 requests allowed per window; 0: no limit
    rate_window_seconds: float = 60.0  # the limit's sliding window (tests shorten it)

    def __post_init__(self) -> None:
        problems = [
            f"{name} must be {rule}"
            for name, ok, rule in (
                ("latency_ms", self.latency_ms >= 0, ">= 0"),
                ("media_latency_ms", self.media_latency_ms >= 0, ">= 0"),
                ("library_size", self.library_size >= 0, ">= 0"),
                ("processing_seconds", self.processing_seconds >= 0, ">= 0"),
                ("error_rate", 0 <= self.error_rate <= 1, "between 0 and 1"),
                ("timeout_rate", 0 <= self.timeout_rate <= 1, "between 0 and 1"),
                ("hang_seconds", self.hang_seconds >= 0, ">= 0"),
                ("rate_limit_per_minute", self.rate_limit_per_minute >= 0, ">= 0"),
                ("rate_window_seconds", self.rate_window_seconds > 0, "> 0"),
            )
            if not ok
        ]
        if problems:
            raise ValueError("; ".join(problems))


DEFAULT_CONFIG = SandboxConfig()


# -- Small HTTP helpers --------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: Headers = field(default_factory=list)
    body: bytes = b""


class BadRequestError(Exception):
    """A 400 whose message names the offending parameter or field."""


def json_response(status: int, payload: object, headers: Headers | None = None) -> Response:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(
        status,
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
            *(headers or []),
        ],
        body,
    )


def error_response(status: int, message: str, headers: Headers | None = None) -> Response:
    return json_response(status, {"code": status, "message": message}, headers)


def empty_response(status: int, headers: Headers | None = None) -> Response:
    return Response(status, [("Content-Length", "0"), *(headers or [])])


def method_not_allowed(*allowed: str) -> Response:
    return error_response(405, "Method not allowed", [("Allow", ", ".join(allowed))])


def status_line(status: int) -> str:
    return f"{status} {HTTPStatus(status).phrase}"


_SAFE_HOST = re.compile(r"[A-Za-z0-9.\-]+(:[0-9]{1,5})?")


def request_origin(environ: dict[str, Any]) -> str:
    """scheme://host:port as the client called us, so media URLs work on any port; a Host header
    that isn't a plain host[:port] is ignored rather than copied into URLs."""
    host = environ.get("HTTP_HOST", "")
    if not _SAFE_HOST.fullmatch(host):
        host = f"{environ['SERVER_NAME']}:{environ['SERVER_PORT']}"
    return f"{environ.get('wsgi.url_scheme', 'http')}://{host}"


def read_body(environ: dict[str, Any]) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY_BYTES:
        raise BadRequestError(f"request body is larger than {MAX_BODY_BYTES} bytes")
    return environ["wsgi.input"].read(length) if length > 0 else b""


def _shown(value: str) -> str:
    """A user value quoted for an error message, cut short so errors stay small."""
    return json.dumps(value if len(value) <= 40 else value[:40] + "…", ensure_ascii=False)


# -- /v1/assets list parameters ------------------------------------------------------------------

_DIGITS = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class ListQuery:
    types: frozenset[AssetType]
    status: AssetStatus
    page: int
    page_size: int


def _single(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    if values is None:
        return None
    if len(values) > 1:
        raise BadRequestError(f"{name} may be given only once")
    return values[0]


def _bounded_int(raw: str | None, name: str, default: int, low: int, high: int | None) -> int:
    if raw is None:
        return default
    rule = f"an integer >= {low}" if high is None else f"an integer between {low} and {high}"
    try:
        value = int(raw) if _DIGITS.fullmatch(raw) else None
    except ValueError:  # more digits than Python will convert
        value = None
    if value is None or value < low or (high is not None and value > high):
        raise BadRequestError(f"{name} must be {rule}; got {_shown(raw)}")
    return value


def parse_list_query(query_string: str) -> ListQuery:
    """Validate /v1/assets parameters; unknown parameters are ignored, as the brief says."""
    params = parse_qs(query_string, keep_blank_values=True)
    types = set()
    for raw in params.get("type", []):
        if raw not in AssetType.__members__:
            raise BadRequestError(f"type must be one of AUDIO, IMAGE, VIDEO; got {_shown(raw)}")
        types.add(AssetType(raw))
    raw_status = _single(params, "status")
    if raw_status is not None and raw_status not in AssetStatus.__members__:
        raise BadRequestError(
            f"status must be one of PROCESSING, READY, FAILED; got {_shown(raw_status)}"
        )
    return ListQuery(
        types=frozenset(types or AssetType),
        status=AssetStatus(raw_status) if raw_status is not None else AssetStatus.READY,
        page=_bounded_int(_single(params, "page"), "page", 1, 1, None),
        page_size=_bounded_int(
            _single(params, "pageSize"), "pageSize", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE
        ),
    )


def pagination_headers(total: int, query: ListQuery) -> Headers:
    return [
        ("X-Total-Count", str(total)),
        ("X-Page", str(query.page)),
        ("X-Page-Size", str(query.page_size)),
        ("X-Total-Pages", str(math.ceil(total / query.page_size))),
    ]


# -- POST /v1/assets body ------------------------------------------------------------------------


@dataclass(frozen=True)
class NewAsset:
    name: str
    type: AssetType
    url: str


def _is_http_url(url: str) -> bool:
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        return False
    try:
        parts = urlsplit(url)
        return parts.scheme in {"http", "https"} and bool(parts.hostname)
    except ValueError:  # e.g. a malformed IPv6 literal
        return False


def _required_string(payload: dict[str, Any], name: str) -> str:
    if name not in payload:
        raise BadRequestError(f"{name} is required")
    value = payload[name]
    if not isinstance(value, str):
        raise BadRequestError(f"{name} must be a string")
    return value


def parse_new_asset(body: bytes) -> NewAsset:
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BadRequestError("request body must be valid JSON") from None
    if not isinstance(payload, dict):
        raise BadRequestError("request body must be a JSON object with name, type and url")
    name = _required_string(payload, "name")
    if not 1 <= len(name) <= MAX_NAME_LENGTH:
        raise BadRequestError(f"name must be 1 to {MAX_NAME_LENGTH} characters; got {len(name)}")
    raw_type = _required_string(payload, "type")
    if raw_type not in {t.value for t in UPLOADABLE_TYPES}:
        raise BadRequestError(
            f"type must be IMAGE or VIDEO (audio upload is not supported); got {_shown(raw_type)}"
        )
    url = _required_string(payload, "url")
    if not _is_http_url(url):
        raise BadRequestError(f"url must be an absolute http or https URL; got {_shown(url)}")
    return NewAsset(name=name, type=AssetType(raw_type), url=url)


def asset_json(asset: Asset, origin: str) -> dict[str, Any]:
    media = asset.media
    return {
        "id": asset.id,
        "name": asset.name,
        "type": asset.type.value,
        "status": asset.status.value,
        "fileUrl": f"{origin}/media/{media.file}" if media else None,
        "thumbnailUrl": f"{origin}/media/{media.thumbnail}" if media and media.thumbnail else None,
        "createdAt": asset.created_at,
    }


# -- Media: static files with Range and caching --------------------------------------------------

MEDIA_TYPES = {".jpg": "image/jpeg", ".webm": "video/webm", ".ogg": "audio/ogg"}
_BYTE_RANGE = re.compile(r"bytes=([0-9]*)-([0-9]*)")


@dataclass(frozen=True)
class MediaFile:
    content_type: str
    data: bytes
    etag: str


class RangeNotSatisfiableError(Exception):
    pass


def parse_byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(first, last) inclusive for a single `bytes=` range; None to send the whole file (no
    header, a malformed one, or several ranges, which a server may ignore per RFC 9110)."""
    match = _BYTE_RANGE.fullmatch((header or "").strip())
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # "bytes=-N": the last N bytes
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiableError
        return max(0, size - suffix), size - 1
    start = int(first)
    if start >= size:
        raise RangeNotSatisfiableError
    end = int(last) if last else size - 1
    if end < start:  # syntactically invalid, so ignored (RFC 9110 14.1.1)
        return None
    return start, min(end, size - 1)


class MediaStore:
    """The files in media/, by bare name. Only names found by listing the folder can be served,
    so no request path (`..`, encoded slashes) can reach anything else."""

    def __init__(self, folder: Path) -> None:
        self._paths = {
            path.name: path
            for path in (folder.iterdir() if folder.is_dir() else [])
            if path.is_file() and path.suffix in MEDIA_TYPES
        }
        self._loaded: dict[str, MediaFile] = {}

    def names(self) -> list[str]:
        return sorted(self._paths)

    def get(self, name: str) -> MediaFile | None:
        if name not in self._paths:
            return None
        if name not in self._loaded:  # a race here only reads a small file twice
            data = self._paths[name].read_bytes()
            etag = '"' + hashlib.sha256(data).hexdigest()[:20] + '"'
            self._loaded[name] = MediaFile(MEDIA_TYPES[self._paths[name].suffix], data, etag)
        return self._loaded[name]


def serve_media(environ: dict[str, Any], media: MediaFile) -> Response:
    size = len(media.data)
    headers = [
        ("Content-Type", media.content_type),
        ("Cache-Control", "public, max-age=86400"),
        ("Accept-Ranges", "bytes"),
        ("ETag", media.etag),
    ]
    if environ.get("HTTP_IF_NONE_MATCH") == media.etag:
        return empty_response(304, [h for h in headers if h[0] != "Content-Type"])
    if_range = environ.get("HTTP_IF_RANGE")
    range_header = environ.get("HTTP_RANGE") if if_range in (None, media.etag) else None
    try:
        byte_range = parse_byte_range(range_header, size)
    except RangeNotSatisfiableError:
        return error_response(416, "Range not satisfiable", [("Content-Range", f"bytes */{size}")])
    if byte_range is None:
        return Response(200, [*headers, ("Content-Length", str(size))], media.data)
    first, last = byte_range
    return Response(
        206,
        [
            *headers,
            ("Content-Range", f"bytes {first}-{last}/{size}"),
            ("Content-Length", str(last - first + 1)),
        ],
        media.data[first : last + 1],
    )


# -- Stats ---------------------------------------------------------------------------------------


class RequestStats:
    """Counts of /v1 requests by route and by status, for benchmarks ("upstream calls")."""

    MAX_TIMES = 200_000  # call times kept for max_in_window; the oldest go first

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._routes: Counter[str] = Counter()
        self._statuses: Counter[int] = Counter()
        self._times: deque[float] = deque(maxlen=self.MAX_TIMES)

    def record(self, route: str, status: int) -> None:
        with self._lock:
            self._routes[route] += 1
            self._statuses[status] += 1
            self._times.append(time.monotonic())

    def reset(self) -> None:
        with self._lock:
            self._routes.clear()
            self._statuses.clear()
            self._times.clear()

    def max_in_window(self, window: float) -> int:
        """The most /v1 calls (any status) made in any `window` seconds since the last reset."""
        with self._lock:
            times = list(self._times)
        most, first = 0, 0
        for last, moment in enumerate(times):
            while moment - times[first] >= window:
                first += 1
            most = max(most, last - first + 1)
        return most

    @property
    def total(self) -> int:
        with self._lock:
            return self._routes.total()

    def snapshot(self) -> dict[str, Any]:
        """{"total": 12, "routes": {"GET /v1/assets": 10, ...}, "statuses": {"200": 11, ...}}"""
        with self._lock:
            return {
                "total": self._routes.total(),
                "routes": dict(sorted(self._routes.items())),
                "statuses": {str(code): n for code, n in sorted(self._statuses.items())},
            }


# -- Fault control -------------------------------------------------------------------------------

# Field -> (type, low, high). outage_seconds becomes SandboxConfig.outage_until.
_FAULT_FIELDS: dict[str, tuple[type, float, float]] = {
    "latency_ms": (int, 0, 600_000),
    "error_rate": (float, 0, 1),
    "timeout_rate": (float, 0, 1),
    "hang_seconds": (float, 0, 3600),
    "outage_seconds": (float, 0, 86_400),
    "rate_limit_per_minute": (int, 0, 1_000_000),
    "rate_window_seconds": (float, 0.001, 3600),
}


def parse_fault_changes(body: bytes) -> dict[str, float]:
    changes: dict[str, float] = {}
    for name, value in parse_json_object(body).items():
        if name not in _FAULT_FIELDS:
            raise BadRequestError(
                f"unknown field {_shown(name)}; known: {', '.join(_FAULT_FIELDS)}"
            )
        kind, low, high = _FAULT_FIELDS[name]
        number_ok = isinstance(value, int | float) and not isinstance(value, bool)
        if not number_ok or (kind is int and not isinstance(value, int)) or math.isnan(value):
            raise BadRequestError(f"{name} must be {'an integer' if kind is int else 'a number'}")
        if not low <= value <= high:
            raise BadRequestError(f"{name} must be between {low:g} and {high:g}")
        changes[name] = value
    return changes


# -- Test hooks: library changes while a client pages ---------------------------------------------


def parse_json_object(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body.decode("utf-8") or "{}")
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BadRequestError("request body must be valid JSON") from None
    if not isinstance(payload, dict):
        raise BadRequestError("request body must be a JSON object")
    return payload


def _enum_field[E: StrEnum](payload: dict[str, Any], name: str, kind: type[E], default: E) -> E:
    raw = payload.get(name, default.value)
    if not isinstance(raw, str) or raw not in kind.__members__:
        raise BadRequestError(f"{name} must be one of {', '.join(kind.__members__)}")
    return kind(raw)


def _positive_number(raw: str, name: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not 0 < value <= 86_400:  # also false for NaN
        raise BadRequestError(f"{name} must be a number of seconds between 0 and 86400")
    return value


def _count_field(payload: dict[str, Any], name: str) -> int:
    value = payload.get(name, 0)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 10_000:
        raise BadRequestError(f"{name} must be an integer between 0 and 10000")
    return value


@dataclass
class ListHook:
    """After `remaining` more list calls, insert `insert` new READY assets (type `type`) at the
    top and delete the `delete_newest` newest assets of `status`: what uploads and deletions
    landing while a client pages do to Argil's offset pages."""

    remaining: int
    insert: int
    delete_newest: int
    status: AssetStatus
    type: AssetType

    @classmethod
    def parse(cls, payload: dict[str, Any]) -> ListHook:
        unknown = set(payload) - {"after_list_calls", "insert", "delete_newest", "status", "type"}
        if unknown:
            raise BadRequestError(f"unknown field {_shown(sorted(unknown)[0])}")
        after = payload.get("after_list_calls")
        if not isinstance(after, int) or isinstance(after, bool) or not 1 <= after <= 1_000_000:
            raise BadRequestError("after_list_calls must be an integer between 1 and 1000000")
        insert, delete = _count_field(payload, "insert"), _count_field(payload, "delete_newest")
        if not insert and not delete:
            raise BadRequestError("give insert or delete_newest (or both)")
        return cls(
            remaining=after,
            insert=insert,
            delete_newest=delete,
            status=_enum_field(payload, "status", AssetStatus, AssetStatus.READY),
            type=_enum_field(payload, "type", AssetType, AssetType.VIDEO),
        )

    def apply(self, library: Library) -> None:
        for asset_id in library.newest_ids(self.status, self.delete_newest):
            library.delete(asset_id)
        for number in range(self.insert):
            library.insert(name=f"Mid-crawl upload {number + 1}", asset_type=self.type)


# -- The app -------------------------------------------------------------------------------------

_ASSET_PATH = re.compile(r"/v1/assets/([^/]+)")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def route_label(method: str, path: str) -> str:
    """The stats key: the route template, never the id (so counts add up per endpoint)."""
    if path == "/v1/assets":
        return f"{method} /v1/assets"
    if _ASSET_PATH.fullmatch(path):
        return f"{method} /v1/assets/{{id}}"
    return f"{method} (no such route)"


class SandboxApp:
    """The WSGI callable. `config` may be replaced at any time; each request reads it once."""

    def __init__(
        self, *, api_key: str, config: SandboxConfig = DEFAULT_CONFIG, media_dir: Path = MEDIA_DIR
    ) -> None:
        if not api_key:
            raise ValueError("the sandbox needs a non-empty api_key")
        self.config = config
        self.library = Library.seeded(self.config.library_size, self.config.seed)
        self.media = MediaStore(media_dir)
        self.stats = RequestStats()
        self._api_key = api_key.encode()
        self._fault_dice = random.Random(self.config.seed)  # apart from the library's RNG
        self._fault_lock = threading.Lock()
        self._config_lock = threading.Lock()
        self._closing = threading.Event()
        self._rate_lock = threading.Lock()
        self._rate_times: deque[float] = deque()  # accepted /v1 requests, for the limit
        self._hooks_lock = threading.Lock()
        self._hooks: list[ListHook] = []

    def __repr__(self) -> str:  # no key here, ever
        return f"<SandboxApp {len(self.library)} assets>"

    def close(self) -> None:
        """Cut short any latency sleep or hang in progress, so a server can stop promptly."""
        self._closing.set()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/media/"):
            response = self._media(environ, path.removeprefix("/media/"))
        elif path.startswith("/__sandbox__/"):
            response = self._control(environ, path.removeprefix("/__sandbox__/"))
        elif path == "/v1" or path.startswith("/v1/"):
            response = self._api(environ, path)
        else:
            response = error_response(404, "Not found")
        start_response(
            status_line(response.status),
            [*response.headers, ("X-Request-Id", uuid.uuid4().hex)],
        )
        if environ["REQUEST_METHOD"] == "HEAD":
            return [b""]
        return [response.body]

    # -- /v1 --

    def _api(self, environ: dict[str, Any], path: str) -> Response:
        config = self.config
        method = environ["REQUEST_METHOD"]
        self._pause(config.latency_ms / 1000)
        response = self._rate_limited(config)
        if response is None:
            response = self._injected_fault(config)
        if response is None:
            if not self._has_key(environ):
                response = error_response(401, "Invalid or missing API key")
            else:
                try:
                    response = self._route_api(environ, method, path, config)
                except BadRequestError as exc:
                    response = error_response(400, str(exc))
        self.stats.record(route_label(method, path), response.status)
        return response

    def _route_api(
        self, environ: dict[str, Any], method: str, path: str, config: SandboxConfig
    ) -> Response:
        now = time.monotonic()
        if path == "/v1/assets":
            if method == "GET":
                return self._list_assets(environ, now)
            if method == "POST":
                return self._create_asset(environ, now, config)
            return method_not_allowed("GET", "POST")
        match = _ASSET_PATH.fullmatch(path)
        if match:
            asset_id = match.group(1).lower()
            if method == "GET":
                return self._get_asset(environ, asset_id, now)
            if method == "DELETE":
                return self._delete_asset(asset_id)
            return method_not_allowed("GET", "DELETE")
        return error_response(404, "Not found")

    def _list_assets(self, environ: dict[str, Any], now: float) -> Response:
        query = parse_list_query(environ.get("QUERY_STRING", ""))
        result = self.library.page(query.types, query.status, query.page, query.page_size, now=now)
        origin = request_origin(environ)
        response = json_response(
            200,
            [asset_json(asset, origin) for asset in result.items],
            pagination_headers(result.total, query),
        )
        self._run_due_hooks()  # after this answer: the change lands between two list calls
        return response

    def _run_due_hooks(self) -> None:
        with self._hooks_lock:
            due = []
            for hook in self._hooks:
                hook.remaining -= 1
                if hook.remaining <= 0:
                    due.append(hook)
            self._hooks = [hook for hook in self._hooks if hook.remaining > 0]
        for hook in due:
            hook.apply(self.library)

    def _get_asset(self, environ: dict[str, Any], asset_id: str, now: float) -> Response:
        asset = self.library.get(asset_id, now=now) if _UUID.fullmatch(asset_id) else None
        if asset is None:
            return json_response(404, {"error": "Asset not found"})
        return json_response(200, asset_json(asset, request_origin(environ)))

    def _create_asset(self, environ: dict[str, Any], now: float, config: SandboxConfig) -> Response:
        body = read_body(environ)
        new = parse_new_asset(body)
        asset = self.library.create(
            name=new.name,
            asset_type=new.type,
            url=new.url,
            now=now,
            processing_seconds=config.processing_seconds,
        )
        return json_response(
            201,
            asset_json(asset, request_origin(environ)),
            [("Location", f"/v1/assets/{asset.id}")],
        )

    def _delete_asset(self, asset_id: str) -> Response:
        if _UUID.fullmatch(asset_id) and self.library.delete(asset_id):
            return empty_response(204)
        return json_response(404, {"error": "Asset not found"})

    # -- Faults --

    def _pause(self, seconds: float) -> None:
        if seconds > 0:
            self._closing.wait(seconds)

    def _roll(self, rate: float) -> bool:
        if rate <= 0:
            return False
        with self._fault_lock:
            return self._fault_dice.random() < rate

    def _rate_limited(self, config: SandboxConfig) -> Response | None:
        """A 429 past `rate_limit_per_minute` requests in the sliding window, else None."""
        limit, window = config.rate_limit_per_minute, config.rate_window_seconds
        if limit <= 0:
            return None
        now = time.monotonic()
        with self._rate_lock:
            times = self._rate_times
            while times and now - times[0] >= window:
                times.popleft()
            if len(times) >= limit:
                wait = max(1, math.ceil(times[0] + window - now))
                return error_response(
                    429, "Too many requests (sandbox rate limit)", [("Retry-After", str(wait))]
                )
            times.append(now)
        return None

    def _injected_fault(self, config: SandboxConfig) -> Response | None:
        """A 503 for an outage or an injected error; a hang (then a normal answer) for a timeout."""
        if time.monotonic() < config.outage_until:
            return error_response(503, "Service unavailable (sandbox outage)")
        if self._roll(config.error_rate):
            return error_response(503, "Service unavailable (sandbox injected error)")
        if self._roll(config.timeout_rate):
            self._pause(config.hang_seconds)
        return None

    def _has_key(self, environ: dict[str, Any]) -> bool:
        sent = environ.get("HTTP_X_API_KEY", "").encode("latin-1")
        return hmac.compare_digest(sent, self._api_key)

    # -- /media --

    def _media(self, environ: dict[str, Any], name: str) -> Response:
        if environ["REQUEST_METHOD"] not in ("GET", "HEAD"):
            return method_not_allowed("GET", "HEAD")
        self._pause(self.config.media_latency_ms / 1000)
        media = self.media.get(name)
        if media is None:
            return error_response(404, "Media not found")
        return serve_media(environ, media)

    # -- /__sandbox__ --

    def _control(self, environ: dict[str, Any], action: str) -> Response:
        if not self._has_key(environ):
            return error_response(401, "Invalid or missing API key")
        method = environ["REQUEST_METHOD"]
        try:
            if action == "faults" and method == "GET":
                return json_response(200, self.faults_snapshot())
            if action == "faults" and method == "POST":
                self.apply_fault_changes(parse_fault_changes(read_body(environ)))
                return json_response(200, self.faults_snapshot())
            if action == "stats" and method == "GET":
                snapshot = self.stats.snapshot()
                window = parse_qs(environ.get("QUERY_STRING", "")).get("window")
                if window:
                    seconds = _positive_number(window[0], "window")
                    snapshot["max_in_window"] = self.stats.max_in_window(seconds)
                return json_response(200, snapshot)
            if action == "stats/reset" and method == "POST":
                self.stats.reset()
                return json_response(200, self.stats.snapshot())
            if action == "assets" and method == "POST":
                return self._insert_assets(parse_json_object(read_body(environ)))
            if action.startswith("assets/"):
                return self._change_asset(environ, method, action.removeprefix("assets/"))
            if action == "hooks" and method == "POST":
                hook = ListHook.parse(parse_json_object(read_body(environ)))
                with self._hooks_lock:
                    self._hooks.append(hook)
                return json_response(200, {"pending": len(self._hooks)})
            if action == "hooks" and method == "DELETE":
                with self._hooks_lock:
                    self._hooks.clear()
                return json_response(200, {"pending": 0})
        except BadRequestError as exc:
            return error_response(400, str(exc))
        return error_response(404, "Not found")

    def _insert_assets(self, payload: dict[str, Any]) -> Response:
        count = payload.get("count", 1)
        if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 10_000:
            raise BadRequestError("count must be an integer between 1 and 10000")
        asset_type = _enum_field(payload, "type", AssetType, AssetType.VIDEO)
        status = _enum_field(payload, "status", AssetStatus, AssetStatus.READY)
        name = payload.get("name")
        if name is not None and not isinstance(name, str):
            raise BadRequestError("name must be a string or null")
        ids = []
        for number in range(count):
            shown = name if name is not None else f"Sandbox upload {number + 1}"
            ids.append(self.library.insert(name=shown, asset_type=asset_type, status=status).id)
        return json_response(201, {"ids": ids})

    def _change_asset(self, environ: dict[str, Any], method: str, asset_id: str) -> Response:
        asset_id = asset_id.lower()
        if not _UUID.fullmatch(asset_id):
            return json_response(404, {"error": "Asset not found"})
        if method == "DELETE":
            if self.library.delete(asset_id):
                return empty_response(204)
            return json_response(404, {"error": "Asset not found"})
        if method != "POST":
            return method_not_allowed("POST", "DELETE")
        payload = parse_json_object(read_body(environ))
        unknown = set(payload) - {"name", "status", "file"}
        if unknown or not payload:
            raise BadRequestError("send one or more of name, status, file")
        asset = self.library.get(asset_id, now=time.monotonic())
        if asset is None:
            return json_response(404, {"error": "Asset not found"})
        if "name" in payload:
            if payload["name"] is not None and not isinstance(payload["name"], str):
                raise BadRequestError("name must be a string or null")
            asset = self.library.rename(asset_id, payload["name"]) or asset
        if "status" in payload:
            status = _enum_field(payload, "status", AssetStatus, AssetStatus.READY)
            asset = self.library.set_status(asset_id, status) or asset
        if "file" in payload:
            media = next((m for m in MEDIA_BY_TYPE[asset.type] if m.file == payload["file"]), None)
            if media is None:
                raise BadRequestError(f"file must name a sample file of type {asset.type}")
            asset = self.library.set_media(asset_id, media) or asset
        return json_response(200, asset_json(asset, request_origin(environ)))

    def apply_fault_changes(self, changes: dict[str, float]) -> None:
        updates: dict[str, Any] = {k: v for k, v in changes.items() if k != "outage_seconds"}
        if "outage_seconds" in changes:
            seconds = changes["outage_seconds"]
            updates["outage_until"] = time.monotonic() + seconds if seconds > 0 else 0.0
        with self._config_lock:  # two load-test processes may post at once
            self.config = replace(self.config, **updates)

    def faults_snapshot(self) -> dict[str, float]:
        config = self.config
        return {
            "latency_ms": config.latency_ms,
            "error_rate": config.error_rate,
            "timeout_rate": config.timeout_rate,
            "hang_seconds": config.hang_seconds,
            "outage_remaining_seconds": round(max(0.0, config.outage_until - time.monotonic()), 3),
            "rate_limit_per_minute": config.rate_limit_per_minute,
            "rate_window_seconds": config.rate_window_seconds,
        }


def make_app(*, api_key: str, config: SandboxConfig = DEFAULT_CONFIG) -> SandboxApp:
    return SandboxApp(api_key=api_key, config=config)
