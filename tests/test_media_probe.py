"""Media facts from real files over real HTTP on loopback: ranged reads, limits and address rules.

The files are made here with PyAV (the same FFmpeg the prober reads with), small and
deterministic; a tiny range-capable server serves them, plus misbehaving routes: a drip, a lying
2 GB Content-Length, redirects to loopback and to a cloud metadata address, a non-media body.
"""

import fractions
import math
import random
import struct
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import av
import pytest

from assets_browser.media_probe import (
    AddressPolicy,
    ProbeError,
    UnsafeURL,
    orientation_of,
    probe,
)

# The file server listens on a loopback address of its own, so that "127.0.0.1" can stand for
# an address the prober must refuse while this one is allowed by name.
SERVER_ADDRESS = "127.0.0.2"
ONLY_THE_SERVER = AddressPolicy(also_allowed=frozenset({SERVER_ADDRESS}))
TWO_GB = 2 * 1024**3


def _frame(width: int, height: int, fill: bytes) -> av.VideoFrame:
    frame = av.VideoFrame(width, height, "rgb24")
    plane = frame.planes[0]
    plane.update(fill[: plane.line_size * height].ljust(plane.line_size * height, b"\x5a"))
    return frame


def _video(
    path: Path,
    *,
    size: tuple[int, int],
    seconds: float,
    codec: str,
    fmt: str,
    noise: bool = False,
    rotation: int = 0,
) -> None:
    """A clip of flat grey frames, or of random noise (large: it does not compress); with a
    display rotation, as a phone writes for a clip shot upright."""
    width, height = size
    rng = random.Random(7)
    with av.open(str(path), "w", format=fmt) as container:
        stream = container.add_stream(codec, rate=24)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        if rotation:
            stream.set_display_rotation(rotation)
        stream.options = {"crf": "10"} if codec == "libx264" else {}
        for _ in range(int(seconds * 24)):
            fill = rng.randbytes(width * height * 3) if noise else b""
            for packet in stream.encode(_frame(width, height, fill)):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def _image(path: Path, *, width: int, height: int) -> None:
    with av.open(str(path), "w", format="image2") as container:
        stream = container.add_stream("png", rate=1)
        stream.width, stream.height, stream.pix_fmt = width, height, "rgb24"
        for packet in stream.encode(_frame(width, height, b"")):
            container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def _audio(path: Path, *, seconds: float) -> None:
    with av.open(str(path), "w", format="ogg") as container:
        stream = container.add_stream("libopus", rate=48000)
        stream.layout = "mono"
        for start in range(0, int(seconds * 48000), 960):
            tone = [0.2 * math.sin(2 * math.pi * 440 * (start + i) / 48000) for i in range(960)]
            frame = av.AudioFrame(format="flt", layout="mono", samples=960)
            frame.planes[0].update(struct.pack("960f", *tone))
            frame.sample_rate = 48000
            frame.pts, frame.time_base = start, fractions.Fraction(1, 48000)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("media")
    vp9 = {"codec": "libvpx-vp9", "fmt": "webm"}
    _video(folder / "landscape.webm", size=(320, 180), seconds=2, **vp9)
    _video(folder / "portrait.webm", size=(180, 320), seconds=3, **vp9)
    # The mp4 muxer writes the index (moov) after the frames unless told to move it: noise at a
    # high quality makes the file several read blocks long, so the index is far from the start.
    mp4 = {"codec": "libx264", "fmt": "mp4", "noise": True}
    _video(folder / "moov-at-end.mp4", size=(240, 240), seconds=1, **mp4)
    # Stored 320x180, shown turned a quarter: a portrait clip, as phones record them.
    _video(
        folder / "phone.mp4", size=(320, 180), seconds=1, codec="libx264", fmt="mp4", rotation=-90
    )
    _image(folder / "portrait.png", width=1080, height=1920)
    _audio(folder / "music.ogg", seconds=2.5)
    files = {path.name: path.read_bytes() for path in folder.iterdir()}
    files["truncated.mp4"] = files["moov-at-end.mp4"][: len(files["moov-at-end.mp4"]) // 2]
    files["not-media.mp4"] = b"<html><body>Sign in to continue</body></html>" * 50
    return files


class _MediaServer(ThreadingHTTPServer):
    daemon_threads = True
    files: dict[str, bytes]
    seen_headers: list[dict[str, str]]
    stopping: threading.Event


class _Handler(BaseHTTPRequestHandler):
    server: _MediaServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        """Quiet: the test output is enough."""

    def do_GET(self):
        self.server.seen_headers.append({k.lower(): v for k, v in self.headers.items()})
        route, _, rest = self.path.lstrip("/").partition("/")
        if route == "files":
            self._ranged(self.server.files[rest])
        elif route == "redirect":
            self.send_response(302)
            self.send_header("Location", f"http://{rest}")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif route == "drip":
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            while not self.server.stopping.wait(0.2):  # one byte every 0.2 s, until stopped
                self.wfile.write(b"\0")
                self.wfile.flush()
        elif route == "huge":
            self._ranged(b"", lie_total=TWO_GB)
        else:
            self.send_error(404)

    def _ranged(self, data: bytes, lie_total: int | None = None) -> None:
        total = lie_total or len(data)
        first, _, last = self.headers.get("Range", "bytes=0-").removeprefix("bytes=").partition("-")
        first, last = int(first), min(int(last or total - 1), total - 1)
        body = data[first : last + 1] if lie_total is None else bytes(last - first + 1)
        self.send_response(206)
        self.send_header("Content-Range", f"bytes {first}-{last}/{total}")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def files_server(media) -> Iterator[_MediaServer]:
    server = _MediaServer((SERVER_ADDRESS, 0), _Handler)
    server.files, server.seen_headers, server.stopping = media, [], threading.Event()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.stopping.set()
    server.shutdown()
    server.server_close()
    thread.join()


def url(server: _MediaServer, path: str) -> str:
    return f"http://{SERVER_ADDRESS}:{server.server_address[1]}/{path}"


@pytest.mark.parametrize(
    ("name", "asset_type", "expected"),
    [
        ("landscape.webm", "VIDEO", {"width": 320, "height": 180, "orientation": "landscape"}),
        ("portrait.webm", "VIDEO", {"width": 180, "height": 320, "orientation": "portrait"}),
        ("moov-at-end.mp4", "VIDEO", {"width": 240, "height": 240, "orientation": "square"}),
        ("phone.mp4", "VIDEO", {"width": 180, "height": 320, "orientation": "portrait"}),
        ("portrait.png", "IMAGE", {"width": 1080, "height": 1920, "file_format": "png"}),
        ("music.ogg", "AUDIO", {"codec": "opus", "file_format": "ogg"}),
    ],
)
def test_each_media_type_and_orientation(files_server, media, name, asset_type, expected):
    facts, bytes_read = probe(
        url(files_server, f"files/{name}"), asset_type, policy=ONLY_THE_SERVER
    )

    assert {key: getattr(facts, key) for key in expected} == expected
    assert facts.file_size == len(media[name])
    assert 0 < bytes_read <= len(media[name])


def test_video_and_audio_durations_frame_rate_and_codec(files_server):
    video, _ = probe(url(files_server, "files/portrait.webm"), "VIDEO", policy=ONLY_THE_SERVER)
    music, _ = probe(url(files_server, "files/music.ogg"), "AUDIO", policy=ONLY_THE_SERVER)

    assert video.duration_seconds == pytest.approx(3.0, abs=0.1)
    assert (video.frame_rate, video.codec) == (24.0, "vp9")
    assert music.duration_seconds == pytest.approx(2.5, abs=0.1)
    assert (music.width, music.height, music.orientation) == (None, None, "")


def test_an_index_at_the_end_costs_a_ranged_read_not_the_whole_file(files_server, media):
    size = len(media["moov-at-end.mp4"])
    assert size > 2 * 256 * 1024, "the fixture must be larger than a few read blocks"

    facts, bytes_read = probe(
        url(files_server, "files/moov-at-end.mp4"), "VIDEO", policy=ONLY_THE_SERVER
    )

    assert facts.duration_seconds == pytest.approx(1.0, abs=0.1)
    assert bytes_read < size / 2


def test_a_truncated_file_has_unknown_facts(files_server):
    with pytest.raises(ProbeError):
        probe(url(files_server, "files/truncated.mp4"), "VIDEO", policy=ONLY_THE_SERVER)


def test_a_body_that_is_not_media_has_unknown_facts(files_server):
    with pytest.raises(ProbeError, match="not readable media"):
        probe(url(files_server, "files/not-media.mp4"), "VIDEO", policy=ONLY_THE_SERVER)


def test_a_2_gb_file_is_never_read_past_the_cap(files_server):
    cap = 1024 * 1024
    with pytest.raises(ProbeError):
        probe(url(files_server, "huge/x"), "VIDEO", policy=ONLY_THE_SERVER, max_bytes=cap)


def test_a_slow_drip_ends_at_the_deadline(files_server):
    with pytest.raises(ProbeError, match="took too long"):
        probe(url(files_server, "drip/x"), "VIDEO", policy=ONLY_THE_SERVER, max_seconds=0.5)


@pytest.mark.parametrize("target", ["127.0.0.1:9/x", "169.254.169.254/latest/meta-data/"])
def test_redirects_to_loopback_or_metadata_are_refused(files_server, target):
    with pytest.raises(UnsafeURL):
        probe(url(files_server, f"redirect/{target}"), "VIDEO", policy=ONLY_THE_SERVER)


def test_metadata_stays_refused_even_when_private_addresses_are_allowed():
    policy = AddressPolicy(allow_private=True)
    assert policy.permits("127.0.0.1")
    assert policy.permits("10.1.2.3")
    assert not policy.permits("169.254.169.254")
    assert not policy.permits("::ffff:169.254.169.254")
    assert not AddressPolicy().permits("127.0.0.1")
    assert AddressPolicy().permits("93.184.216.34")


@pytest.mark.parametrize("bad", ["file:///etc/passwd", "ftp://example.com/a.mp4", "http://u:p@h/a"])
def test_only_plain_http_urls_are_fetched(bad):
    with pytest.raises(UnsafeURL):
        probe(bad, "VIDEO", policy=AddressPolicy(allow_private=True))


def test_no_key_cookie_or_credentials_go_to_the_media_host(files_server):
    files_server.seen_headers.clear()
    probe(url(files_server, "files/portrait.png"), "IMAGE", policy=ONLY_THE_SERVER)

    assert files_server.seen_headers
    for headers in files_server.seen_headers:
        assert not {"x-api-key", "cookie", "authorization"} & set(headers)


@pytest.mark.parametrize(
    ("width", "height", "orientation"),
    [(1920, 1080, "landscape"), (1080, 1920, "portrait"), (1080, 1072, "square"), (0, 5, "")],
)
def test_orientation_allows_two_percent_for_square(width, height, orientation):
    assert orientation_of(width, height) == orientation
