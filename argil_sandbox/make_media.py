"""Generate the sandbox's sample media with PyAV; the outputs are committed in media/.

    python -m argil_sandbox.make_media [--out DIR]

PyAV (the dashboard's own dependency, with FFmpeg in its wheel) is all it needs: no system
ffmpeg, no numpy, nothing downloaded. The set has the variety an editor picking B-roll meets:

- 8 images (JPEG) of several sizes and shapes, from 800x1200 to 3000x2000, plus a 480x270
  thumbnail each (`image-NN-thumb.jpg`);
- 8 clips (WebM VP9, no audio, index at the front so a browser can seek at once): landscape
  16:9, portrait 9:16 and square, from 2 to 60 s, plus a 480x270 JPEG poster (`clip-NN.jpg`).
  Small on purpose (low resolution, 12 fps, slowly drifting colour fields that compress well);
  the dashboard shows their real duration and shape, which is what they are for;
- 4 music tracks (Ogg Opus, mono, low bitrate) of 0:09, 0:24, 0:48 and 2:31: chords, a beat,
  an arpeggio and a drone, synthesised sample by sample.

The file names come from `library.MEDIA_BY_TYPE`, so the library and this script cannot drift.

Deterministic: the pictures and sounds are pure functions of fixed parameters; encoders run on
one thread with `bitexact` flags (no encoder version, date or random Ogg serial in the files),
so the same PyAV build writes the same bytes. Another build may encode a little differently;
that is harmless, just commit the result.
"""

from __future__ import annotations

import argparse
import fractions
import math
import struct
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import av

from .library import MEDIA_BY_TYPE, AssetType

MEDIA_DIR = Path(__file__).resolve().parent / "media"

THUMB_SIZE = (480, 270)
CLIP_FPS = 12
AUDIO_RATE = 24000  # Opus takes 8, 12, 16, 24 or 48 kHz; 24 kHz keeps the synthesis quick
BITEXACT = {"fflags": "+bitexact"}  # the muxers: no version string, fixed Ogg serials
CODEC_BITEXACT = 1 << 23  # AV_CODEC_FLAG_BITEXACT

Colour = tuple[int, int, int]


# -- Pictures: a few soft colour blobs drifting over a background ---------------------------------


@dataclass(frozen=True)
class Palette:
    background: Colour
    blobs: tuple[Colour, ...]
    drift: float = 0.05  # how far the blobs travel per second, in picture widths


PALETTES = (
    Palette((0x6A, 0x05, 0x72), ((0xFF, 0x7E, 0x5F), (0xFE, 0xB4, 0x7B), (0x1D, 0x35, 0x57))),
    Palette((0x03, 0x04, 0x5E), ((0x00, 0xB4, 0xD8), (0x90, 0xE0, 0xEF), (0x0B, 0x3D, 0x91))),
    Palette((0x08, 0x1C, 0x15), ((0x2D, 0x6A, 0x4F), (0xD8, 0xF3, 0xDC), (0x95, 0xD5, 0xB2))),
    Palette((0x02, 0x30, 0x47), ((0xFF, 0xB7, 0x03), (0x21, 0x9E, 0xBC), (0xFB, 0x85, 0x00))),
    Palette((0x26, 0x1C, 0x2C), ((0xE6, 0x39, 0x46), (0xF1, 0xFA, 0xEE), (0x45, 0x7B, 0x9D))),
    Palette((0x1B, 0x26, 0x3B), ((0xE0, 0xE1, 0xDD), (0x77, 0x8D, 0xA9), (0xF4, 0xA2, 0x61))),
    Palette((0x3D, 0x0C, 0x02), ((0xF7, 0x7F, 0x00), (0xFC, 0xBF, 0x49), (0xEA, 0xE2, 0xB7))),
    Palette((0x10, 0x00, 0x2B), ((0x7B, 0x2C, 0xBF), (0xE0, 0xAA, 0xFF), (0x3C, 0x09, 0x6C))),
)


def _field(palette: Palette, width: int, height: int, t: float) -> bytes:
    """A small RGB picture (a few dozen pixels a side): blobs of colour over a background,
    each blob circling slowly; scaled up smoothly afterwards, so it costs little to draw."""
    centres = [
        (
            0.5 + 0.32 * math.cos(1.7 * i + palette.drift * t * (1 + i) * 2 * math.pi / 3),
            0.5 + 0.32 * math.sin(2.3 * i + palette.drift * t * (1 + i) * 2 * math.pi / 4),
        )
        for i in range(len(palette.blobs))
    ]
    aspect = width / height
    out = bytearray()
    for y in range(height):
        v = (y + 0.5) / height
        for x in range(width):
            u = (x + 0.5) / width
            r, g, b = (float(c) for c in palette.background)
            for (cu, cv), colour in zip(centres, palette.blobs, strict=True):
                d2 = ((u - cu) * aspect) ** 2 + (v - cv) ** 2
                w = math.exp(-d2 * 9)
                r += (colour[0] - r) * w
                g += (colour[1] - g) * w
                b += (colour[2] - b) * w
            out += bytes((int(r), int(g), int(b)))
    return bytes(out)


def _small_size(width: int, height: int, longest: int = 48) -> tuple[int, int]:
    scale = longest / max(width, height)
    return max(2, round(width * scale)), max(2, round(height * scale))


def picture(palette: Palette, size: tuple[int, int], t: float, fmt: str) -> av.VideoFrame:
    """The palette's picture at time `t`, drawn small and scaled up to `size` (bicubic)."""
    small_w, small_h = _small_size(*size)
    frame = av.VideoFrame(small_w, small_h, "rgb24")
    plane = frame.planes[0]
    data = _field(palette, small_w, small_h, t)
    row = small_w * 3
    plane.update(
        b"".join(data[i : i + row].ljust(plane.line_size, b"\0") for i in range(0, len(data), row))
    )
    return frame.reformat(width=size[0], height=size[1], format=fmt, interpolation="BICUBIC")


def write_jpeg(path: Path, palette: Palette, size: tuple[int, int], t: float = 0.0) -> None:
    with av.open(str(path), "w", format="image2", options=BITEXACT) as container:
        stream = container.add_stream("mjpeg", rate=1)
        stream.width, stream.height, stream.pix_fmt = *size, "yuvj420p"
        stream.codec_context.flags |= CODEC_BITEXACT
        stream.codec_context.qmin = stream.codec_context.qmax = 4  # about -q:v 4
        for packet in stream.encode(picture(palette, size, t, "yuvj420p")):
            container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def write_clip(path: Path, palette: Palette, size: tuple[int, int], seconds: float) -> None:
    options = BITEXACT | {"cues_to_front": "1"}
    with av.open(str(path), "w", format="webm", options=options) as container:
        stream = container.add_stream("libvpx-vp9", rate=CLIP_FPS)
        stream.width, stream.height, stream.pix_fmt = *size, "yuv420p"
        stream.codec_context.flags |= CODEC_BITEXACT
        stream.codec_context.thread_count = 1
        # Constant quality, one thread and no row-mt: libvpx is then deterministic.
        stream.options = {"crf": "42", "b": "0", "g": str(CLIP_FPS * 4), "deadline": "good"}
        stream.options |= {"cpu-used": "4", "row-mt": "0"}
        for n in range(round(seconds * CLIP_FPS)):
            frame = picture(palette, size, n / CLIP_FPS, "yuv420p")
            frame.pts, frame.time_base = n, fractions.Fraction(1, CLIP_FPS)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


# -- Music: small synthesisers, one sample at a time ---------------------------------------------


def _pad(chords: list[tuple[float, float, float]], bar: float, gain: float) -> Callable:
    """Sustained chords, one per bar; each swells in and fades, so changes never click."""

    def sample(t: float) -> float:
        root, third, fifth = chords[int(t / bar) % len(chords)]
        into = t % bar
        envelope = min(1.0, into / 0.25) * math.exp(-into * 0.5)
        tones = (
            math.sin(2 * math.pi * root * t)
            + math.sin(2 * math.pi * third * t)
            + math.sin(2 * math.pi * fifth * t)
            + 0.5 * math.sin(math.pi * root * t)
        )
        return gain * envelope * tones

    return sample


def _beat(chords: list[tuple[float, float, float]], beat: float) -> Callable:
    """A soft pad under a kick whose pitch drops on each beat, and a ticking hat between."""
    pad = _pad(chords, beat * 4, 0.07)

    def sample(t: float) -> float:
        into, half = t % beat, t % (beat / 2)
        kick = 0.5 * math.sin(2 * math.pi * (45 * into + 2.2 * (1 - math.exp(-25 * into))))
        hat = 0.04 * math.sin(2 * math.pi * 7919 * t) * math.exp(-70 * half)
        return pad(t) + kick * math.exp(-8 * into) + hat

    return sample


def _arpeggio(roots: list[float], step: float, bar: float) -> Callable:
    """Plucked notes up and down a major arpeggio over a changing root, with a soft bass."""
    semitones = [0, 4, 7, 12, 16, 12, 7, 4]

    def sample(t: float) -> float:
        root = roots[int(t / bar) % len(roots)]
        note = root * 2 ** (semitones[int(t / step) % 8] / 12)
        into = t % step
        pluck = min(1.0, into / 0.004) * math.exp(-7 * into)
        tone = math.sin(2 * math.pi * note * t) + 0.3 * math.sin(4 * math.pi * note * t)
        return 0.3 * pluck * tone + 0.12 * math.sin(math.pi * root * t)

    return sample


def _drone(t: float) -> float:
    swell = 0.12 * (1 + 0.3 * math.sin(2 * math.pi * 0.2 * t))
    return swell * (
        math.sin(2 * math.pi * 110 * t)
        + 0.7 * math.sin(2 * math.pi * 164.81 * t)
        + 0.4 * math.sin(2 * math.pi * 220 * t)
    )


C_MAJOR, A_MINOR, F_MAJOR, G_MAJOR = (
    (261.63, 329.63, 392.0),
    (220.0, 261.63, 329.63),
    (174.61, 220.0, 261.63),
    (196.0, 246.94, 293.66),
)
D_MINOR = (146.83, 174.61, 220.0)


def write_track(path: Path, synth: Callable[[float], float], seconds: float, bitrate: int) -> None:
    block = AUDIO_RATE // 50  # 20 ms frames, as Opus wants them
    total = round(seconds * AUDIO_RATE)
    with av.open(str(path), "w", format="ogg", options=BITEXACT) as container:
        stream = container.add_stream("libopus", rate=AUDIO_RATE)
        stream.layout = "mono"
        stream.bit_rate = bitrate
        stream.codec_context.flags |= CODEC_BITEXACT
        for start in range(0, total, block):
            values = []
            for i in range(start, start + block):
                t = i / AUDIO_RATE
                fade = min(1.0, t / 0.05, max(0.0, (seconds - t)))  # in over 50 ms, out over 1 s
                values.append(max(-1.0, min(1.0, synth(t) * fade)) if i < total else 0.0)
            frame = av.AudioFrame(format="flt", layout="mono", samples=block)
            frame.planes[0].update(struct.pack(f"{block}f", *values))
            frame.sample_rate = AUDIO_RATE
            frame.pts, frame.time_base = start, fractions.Fraction(1, AUDIO_RATE)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


# -- The set --------------------------------------------------------------------------------------

LANDSCAPE, PORTRAIT, SQUARE = (480, 270), (270, 480), (360, 360)
# (size, seconds) per clip, in MEDIA_BY_TYPE's order: every shape, from 2 s to a minute.
CLIPS = (
    (LANDSCAPE, 4.0),
    (PORTRAIT, 7.0),
    (SQUARE, 12.0),
    (LANDSCAPE, 2.0),
    (PORTRAIT, 18.0),
    (LANDSCAPE, 31.0),
    (PORTRAIT, 60.0),
    (SQUARE, 5.0),
)
IMAGES = (
    (1920, 1080),
    (1080, 1920),
    (1080, 1080),
    (1280, 720),
    (800, 1200),
    (3000, 2000),
    (1080, 1350),
    (2560, 1080),
)
TRACKS = (
    (_pad([C_MAJOR, A_MINOR, F_MAJOR, G_MAJOR], bar=2.25, gain=0.16), 9.0, 24000),
    (_beat([A_MINOR, D_MINOR, F_MAJOR, G_MAJOR], beat=0.714), 24.0, 12000),
    (_arpeggio([220.0, 174.61, 261.63, 196.0], step=0.1875, bar=2.25), 48.0, 10000),
    (_drone, 151.0, 6000),
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=MEDIA_DIR, help="folder (default: media/)")
    args = parser.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    images = MEDIA_BY_TYPE[AssetType.IMAGE]
    for n, (media, size) in enumerate(zip(images, IMAGES, strict=True)):
        palette = PALETTES[n % len(PALETTES)]
        write_jpeg(out / media.file, palette, size)
        assert media.thumbnail is not None
        write_jpeg(out / media.thumbnail, palette, THUMB_SIZE)
        written += [out / media.file, out / media.thumbnail]
    for n, (media, (size, seconds)) in enumerate(
        zip(MEDIA_BY_TYPE[AssetType.VIDEO], CLIPS, strict=True)
    ):
        palette = PALETTES[(n + 3) % len(PALETTES)]
        write_clip(out / media.file, palette, size, seconds)
        assert media.thumbnail is not None
        write_jpeg(out / media.thumbnail, palette, THUMB_SIZE, t=1.0)
        written += [out / media.file, out / media.thumbnail]
    for media, (synth, seconds, bitrate) in zip(
        MEDIA_BY_TYPE[AssetType.AUDIO], TRACKS, strict=True
    ):
        write_track(out / media.file, synth, seconds, bitrate)
        written.append(out / media.file)
    for path in written:
        print(f"{path.name:24} {path.stat().st_size / 1024:7.1f} KB")
    print(f"{'total':24} {sum(p.stat().st_size for p in written) / 1024:7.1f} KB in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
