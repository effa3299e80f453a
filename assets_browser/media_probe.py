"""Media facts (duration, dimensions, frame rate, codec, format, size) read from a file's URL.

Argil's list says nothing about a file's length or shape, so the catalogue learns them from the
files themselves, reading as little as possible: PyAV (FFmpeg, bundled in its wheel) demuxes the
container through `RangedFile`, a seekable reader that fetches only the byte ranges FFmpeg asks
for, so an MP4 with its index at the end costs one more ranged read, never a full download.

`fileUrl` comes from Argil but is treated as untrusted: http(s) only; no key, cookie or proxy from
the environment ever goes with it; every connection's peer address is checked after DNS (and so
after every redirect hop, which we follow by hand, a few at most) against loopback, private,
link-local, reserved and metadata ranges, unless `allow_private` (the sandbox on loopback).
Limits on bytes and wall-clock time hold against a huge, truncated, dripping or lying file.
No Django imports: the sync worker decides what to probe and stores the facts.
"""

from __future__ import annotations

import contextlib
import io
import ipaddress
import socket
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import av
import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

# Bytes read from one file at most: a video's headers and index are a few hundred kB at worst.
MAX_BYTES = 8 * 1024 * 1024
# Wall-clock seconds for one file, whatever the server does (drips, stalls, slow redirects).
MAX_SECONDS = 15.0
# Connect and per-read socket timeouts; the total is bounded by MAX_SECONDS anyway.
SOCKET_TIMEOUT = (3.05, 5.0)
# The smallest ranged read: FFmpeg asks for 32 kB at a time; fewer, larger reads save round trips.
READ_BLOCK = 256 * 1024
MAX_REDIRECTS = 3
# Within 2% of 1:1 counts as square (a 1080x1080 crop re-encoded to 1080x1072 is still square).
SQUARE_TOLERANCE = 0.02
USER_AGENT = "argil-asset-browser-media-facts/1"


class ProbeError(Exception):
    """The facts of this file cannot be learnt; the message says why (for the log and the row)."""


class UnsafeURL(ProbeError):  # noqa: N818 (reads as the reason: "unsafe URL")
    pass


@dataclass(frozen=True, slots=True)
class MediaFacts:
    duration_seconds: float | None = None
    width: int | None = None
    height: int | None = None
    frame_rate: float | None = None
    codec: str = ""
    file_format: str = ""
    file_size: int | None = None

    @property
    def orientation(self) -> str:
        return orientation_of(self.width, self.height)


def orientation_of(width: int | None, height: int | None) -> str:
    """ "landscape", "portrait" or "square" (within 2%); "" when the size is unknown."""
    if not width or not height:
        return ""
    ratio = width / height
    if abs(ratio - 1) <= SQUARE_TOLERANCE:
        return "square"
    return "landscape" if ratio > 1 else "portrait"


# -- where we may connect ---------------------------------------------------------------------


# Cloud metadata services: never reachable, not even with allow_private.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "169.254.170.2", "fd00:ec2::254")
)


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """Which peers a media fetch may connect to: public addresses; with `allow_private` also
    loopback and private ones (the sandbox on loopback), never link-local or metadata ones;
    `also_allowed` names single addresses (tests serve "remote" files from one)."""

    allow_private: bool = False
    also_allowed: frozenset[str] = frozenset()

    def permits(self, address: str) -> bool:
        if address in self.also_allowed:
            return True
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        if ip in METADATA_ADDRESSES or ip.is_link_local or ip.is_multicast or ip.is_unspecified:
            return False
        if ip.is_global:
            return True
        return self.allow_private and (ip.is_loopback or ip.is_private)


def _checked_session(policy: AddressPolicy, opened: list[socket.socket]) -> requests.Session:
    """A session whose every connection is refused unless its connected peer (after DNS, so
    DNS rebinding gains nothing) is one the policy permits; its sockets are added to `opened`."""

    class PeerCheck:
        def _new_conn(self) -> Any:
            sock = super()._new_conn()  # type: ignore[misc]
            peer = sock.getpeername()[0]
            if not policy.permits(peer):
                sock.close()
                raise UnsafeURL(f"refused: {peer} is not a public address")
            opened.append(sock)
            return sock

    class Connection(PeerCheck, HTTPConnection):
        pass

    class SecureConnection(PeerCheck, HTTPSConnection):
        pass

    class Pool(HTTPConnectionPool):
        ConnectionCls = Connection

    class SecurePool(HTTPSConnectionPool):
        ConnectionCls = SecureConnection

    adapter = HTTPAdapter(max_retries=0)
    adapter.poolmanager.pool_classes_by_scheme = {"http": Pool, "https": SecurePool}
    session = requests.Session()
    session.trust_env = False  # no proxy, no .netrc credentials from the environment
    session.headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _checked_url(url: str, policy: AddressPolicy) -> str:
    """`url` if it is http(s) and every address its host resolves to is permitted: checked before
    connecting, so a refused address is never even tried (the peer check then covers rebinding)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeURL("refused: only http(s) URLs are probed")
    if parts.username or parts.password:
        raise UnsafeURL("refused: credentials in the URL")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, port)}
    except (OSError, ValueError) as exc:
        raise ProbeError(f"cannot resolve the media host: {type(exc).__name__}") from exc
    refused = sorted(a for a in addresses if not policy.permits(str(a)))
    if refused:
        raise UnsafeURL(f"refused: {refused[0]} is not a public address")
    return url


# -- a seekable file over HTTP ranges -----------------------------------------------------------


class RangedFile(io.RawIOBase):
    """A read-only, seekable file whose bytes come from ranged GETs, within byte and time caps."""

    def __init__(
        self,
        url: str,
        *,
        policy: AddressPolicy,
        max_bytes: int = MAX_BYTES,
        max_seconds: float = MAX_SECONDS,
    ) -> None:
        super().__init__()
        # Socket timeouts bound each recv, not a whole read: a server sending a byte a second
        # (headers or body) would never time out. The watchdog shuts the sockets at the deadline.
        self._sockets: list[socket.socket] = []
        self.expired = False
        self._watchdog = threading.Timer(max_seconds, self._expire)
        self._watchdog.daemon = True
        self._watchdog.start()
        self._session = _checked_session(policy, self._sockets)
        self._policy = policy
        self._url = _checked_url(url, policy)
        self._max_bytes = max_bytes
        self._blocks: dict[int, bytes] = {}  # start offset -> bytes, as fetched
        self.position = 0
        self.bytes_read = 0
        self.requests = 0
        self.size: int | None = None  # the file's size, as the server says
        self._end: int | None = None  # where reading stops: the size, or less without ranges

    def open(self) -> None:
        """The first read: learns the size and whether the server honours ranges."""
        self._fetch(0, READ_BLOCK)

    # io.RawIOBase
    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            self.position = offset
        elif whence == io.SEEK_CUR:
            self.position += offset
        elif whence == io.SEEK_END:
            if self._end is None:
                raise OSError("size unknown")
            self.position = self._end + offset
        self.position = max(self.position, 0)
        return self.position

    def tell(self) -> int:
        return self.position

    def readinto(self, buffer: Any) -> int:
        wanted = len(buffer)
        if self._end is not None and self.position >= self._end:
            return 0
        data = self._cached(self.position, wanted)
        if data is None:
            self._fetch(self.position, max(wanted, READ_BLOCK))
            data = self._cached(self.position, wanted) or b""
        buffer[: len(data)] = data
        self.position += len(data)
        return len(data)

    def close(self) -> None:
        self._watchdog.cancel()
        self._session.close()
        super().close()

    def _expire(self) -> None:
        self.expired = True
        for sock in list(self._sockets):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    # fetching
    def _cached(self, start: int, length: int) -> bytes | None:
        for block_start, block in self._blocks.items():
            if block_start <= start < block_start + len(block):
                offset = start - block_start
                return block[offset : offset + length]
        return None

    def _fetch(self, start: int, length: int) -> None:
        if self._end is not None:
            length = min(length, self._end - start)
        length = min(length, self._max_bytes - self.bytes_read)
        if length <= 0:
            raise ProbeError(f"read cap of {self._max_bytes} bytes reached")
        with self._get({"Range": f"bytes={start}-{start + length - 1}"}) as response:
            if response.status_code == 206:
                self._learn_size(response)
                self._blocks[start] = self._read_body(response, length)
            elif response.status_code == 200 and start == 0:
                # No range support: read what the cap allows once; past it is the end for us.
                self._learn_size(response)
                self._blocks[0] = self._read_body(response, self._max_bytes - self.bytes_read)
                self._end = len(self._blocks[0])
            elif response.status_code == 416:
                self._blocks[start] = b""
            else:
                raise ProbeError(f"the media host answered {response.status_code}")

    def _get(self, headers: dict[str, str]) -> requests.Response:
        url = self._url
        for _hop in range(MAX_REDIRECTS + 1):
            self._check_time()
            self.requests += 1
            response = self._session.get(
                url, headers=headers, stream=True, allow_redirects=False, timeout=SOCKET_TIMEOUT
            )
            if response.is_redirect:
                location = response.headers.get("Location", "")
                response.close()
                url = self._url = _checked_url(urljoin(url, location), self._policy)
                continue
            return response
        raise ProbeError(f"more than {MAX_REDIRECTS} redirects")

    def _learn_size(self, response: requests.Response) -> None:
        content_range = response.headers.get("Content-Range", "")
        total = content_range.rpartition("/")[2]
        if total.isdigit():
            self.size = int(total)
        elif response.status_code == 200 and response.headers.get("Content-Length", "").isdigit():
            self.size = int(response.headers["Content-Length"])
        self._end = self.size

    def _read_body(self, response: requests.Response, limit: int) -> bytes:
        """At most `limit` bytes, before the deadline, however slowly the server sends them."""
        chunks: list[bytes] = []
        got = 0
        for chunk in response.iter_content(chunk_size=64 * 1024):
            self._check_time()
            chunks.append(chunk[: limit - got])
            got += len(chunks[-1])
            if got >= limit:
                break
        self.bytes_read += got
        return b"".join(chunks)

    def _check_time(self) -> None:
        if self.expired:
            raise ProbeError("took too long")


# -- reading the facts --------------------------------------------------------------------------


def probe(
    url: str,
    asset_type: str,
    *,
    policy: AddressPolicy,
    max_bytes: int = MAX_BYTES,
    max_seconds: float = MAX_SECONDS,
) -> tuple[MediaFacts, int]:
    """The facts of the file at `url` and the bytes read to learn them. Raises ProbeError."""
    source: RangedFile | None = None
    try:
        source = RangedFile(url, policy=policy, max_bytes=max_bytes, max_seconds=max_seconds)
        source.open()
        return _facts(source, asset_type), source.bytes_read
    except ProbeError:
        raise
    except Exception as exc:
        if source is not None and source.expired:
            raise ProbeError("took too long") from exc
        if isinstance(exc.__context__, ProbeError):  # our limit, raised inside FFmpeg's read
            raise exc.__context__ from None
        if isinstance(exc, requests.RequestException):
            raise ProbeError(f"could not fetch: {type(exc).__name__}") from exc
        if isinstance(exc, av.FFmpegError | ValueError | OSError | IndexError | EOFError):
            raise ProbeError(f"not readable media: {type(exc).__name__}") from exc
        raise
    finally:
        if source is not None:
            source.close()


def _facts(source: RangedFile, asset_type: str) -> MediaFacts:
    with av.open(source, mode="r", options={"probesize": str(1024 * 1024)}) as container:
        video = next(iter(container.streams.video), None)
        audio = next(iter(container.streams.audio), None)
        duration = container.duration / av.time_base if container.duration else None
        file_format = container.format.name.split(",")[0]
        size = source.size
        if asset_type == "AUDIO":
            if audio is None:
                raise ProbeError("no audio stream")
            return MediaFacts(
                duration_seconds=duration,
                codec=audio.codec_context.name,
                file_format=file_format,
                file_size=size,
            )
        if video is None:
            raise ProbeError("no picture in it")
        width, height = video.codec_context.width or None, video.codec_context.height or None
        if asset_type == "IMAGE":
            name = video.codec_context.name if file_format == "image2" else file_format
            image_format = name.removesuffix("_pipe").replace("mjpeg", "jpeg")
            return MediaFacts(width=width, height=height, file_format=image_format, file_size=size)
        rate = video.average_rate or video.guessed_rate
        if duration is None and video.duration and video.time_base:
            duration = float(video.duration * video.time_base)
        if _quarter_turned(container):  # a phone's vertical clip, stored sideways
            width, height = height, width
        return MediaFacts(
            duration_seconds=duration,
            width=width,
            height=height,
            frame_rate=round(float(rate), 3) if rate else None,
            codec=video.codec_context.name,
            file_format=file_format,
            file_size=size,
        )


def _quarter_turned(container: Any) -> bool:
    """Whether the picture is shown turned by 90 degrees (a display matrix, as phones write for
    clips shot upright): then its shape is the coded one's other way round. PyAV exposes the
    rotation on decoded frames only, so this decodes the first one (its bytes are usually in the
    first block read already); a clip whose first frame cannot be decoded keeps its coded shape."""
    try:
        frame = next(container.decode(video=0), None)
    except (av.FFmpegError, ValueError, OSError, EOFError):
        return False
    return frame is not None and round(frame.rotation) % 180 == 90
