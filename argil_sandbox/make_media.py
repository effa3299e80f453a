"""Generate the sandbox's sample media with Debian's ffmpeg; the outputs are committed in media/.

    python -m argil_sandbox.make_media [--out DIR]

Needs only `ffmpeg` (Debian 12: `apt-get install ffmpeg`, 5.1.x, which made the committed files).
Everything comes from ffmpeg's built-in lavfi generators, so nothing is downloaded:

- 8 images: JPEG 1280x720 (~10-60 KB) plus a 480x270 thumbnail each (`image-NN-thumb.jpg`);
- 6 clips: WebM VP9, 640x360, 24 fps, 3.5 s, no audio, ~250 kbit/s (~80-140 KB), index at the
  front so a browser can seek at once, plus a 480x270 JPEG poster (`clip-NN.jpg`);
- 4 music tracks: Ogg Opus, mono, 9 s, ~48 kbit/s: chords, a lo-fi beat, an arpeggio and a drone,
  synthesised with `aevalsrc` (sums of sines with envelopes) and `anoisesrc`.

The file names come from `library.MEDIA_BY_TYPE`, so the library and this script cannot drift.

Deterministic: fixed generator seeds, single-threaded encoders and `bitexact` flags (no encoder
version, date or random Ogg serial in the files), so the same ffmpeg build writes the same bytes.
Another ffmpeg version may encode a little differently; that is harmless, just commit the result.
VP9 and Opus in WebM/Ogg are what Chromium and Firefox decode without proprietary codecs.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .library import MEDIA_BY_TYPE, AssetType

MEDIA_DIR = Path(__file__).resolve().parent / "media"

IMAGE_SIZE = "1280x720"
THUMB_SCALE = "scale=480:270:flags=lanczos"
CLIP_SIZE = "640x360"
CLIP_SECONDS = 3.5
TRACK_SECONDS = 9

# Flags that keep encoder versions, dates and random serials out of the files.
BITEXACT = ["-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact"]
BITEXACT += ["-map_metadata", "-1"]

# Each picture source is a lavfi graph that yields frames of the right size.
_VIGNETTE = "vignette=angle=PI/5"  # darker corners: gradients look a bit less synthetic
IMAGE_SOURCES = (
    f"gradients=s={IMAGE_SIZE}:c0=0xff7e5f:c1=0xfeb47b:c2=0x6a0572:n=3:seed=11:type=radial,{_VIGNETTE}",
    f"gradients=s={IMAGE_SIZE}:c0=0x0b3d91:c1=0x00b4d8:c2=0x90e0ef:c3=0x03045e:n=4:seed=4,{_VIGNETTE}",
    f"mandelbrot=s={IMAGE_SIZE},gblur=sigma=1.5",
    f"testsrc2=s={IMAGE_SIZE}",
    f"smptehdbars=s={IMAGE_SIZE}",
    "life=s=160x90:mold=25:ratio=0.1:seed=5:life_color=0xffb703:death_color=0x023047"
    ":mold_color=0x219ebc,select=eq(n\\,60),scale=1280:720:flags=bicubic,gblur=sigma=3",
    f"colorspectrum=s={IMAGE_SIZE}:type=all",
    f"gradients=s={IMAGE_SIZE}:c0=0x2d6a4f:c1=0xd8f3dc:c2=0x95d5b2:c3=0x081c15:n=4:seed=9"
    f":type=spiral,{_VIGNETTE}",
)
CLIP_SOURCES = (
    f"mandelbrot=s={CLIP_SIZE}:r=24:start_scale=3:end_scale=0.02:end_pts=400",
    f"testsrc2=s={CLIP_SIZE}:r=24",
    "life=s=160x90:r=24:mold=25:ratio=0.1:seed=5:life_color=0xffb703:death_color=0x023047"
    ":mold_color=0x219ebc,scale=640:360:flags=bicubic,gblur=sigma=1.5",
    f"gradients=s={CLIP_SIZE}:r=24:c0=0xff7e5f:c1=0xfeb47b:c2=0x6a0572:c3=0x1d3557:n=4:seed=11"
    ":speed=0.03",
    f"gradients=s={CLIP_SIZE}:r=24:c0=0x2d6a4f:c1=0xd8f3dc:c2=0x95d5b2:c3=0x081c15:n=4:seed=9"
    ":type=spiral:speed=0.04",
    f"colorspectrum=s={CLIP_SIZE}:r=24:type=all,hue=h=t*90",
)


# -- Music: small synthesisers written as ffmpeg expressions --------------------------------------


def _pick(index: str, values: Sequence[float]) -> str:
    """An expression equal to values[index]: nested if()s, since expressions have no arrays."""
    expr = f"{values[-1]}"
    for position in range(len(values) - 2, -1, -1):
        expr = f"if(eq({index},{position}),{values[position]},{expr})"
    return expr


def _pad(chords: list[tuple[float, float, float]], bar: float, gain: float) -> str:
    """Sustained chords, one per bar; each swells in and fades, so changes never click."""
    root, third, fifth = (_pick("ld(0)", [chord[i] for chord in chords]) for i in range(3))
    return (
        f"st(0,mod(floor(t/{bar}),{len(chords)}));st(1,{root});st(2,{third});st(3,{fifth});"
        f"st(4,mod(t,{bar}));"
        f"{gain}*min(1,ld(4)/0.25)*exp(-ld(4)*0.5)*(sin(2*PI*ld(1)*t)+sin(2*PI*ld(2)*t)"
        f"+sin(2*PI*ld(3)*t)+0.5*sin(PI*ld(1)*t)+0.15*sin(4*PI*ld(2)*t))"
    )


def _kick_and_hat(beat: float) -> str:
    """A kick whose pitch drops 100 -> 45 Hz on each beat, and a noise hat on each half beat."""
    return (
        f"st(5,mod(t,{beat}));st(6,mod(t,{beat / 2}));"
        "0.5*sin(2*PI*(45*ld(5)+2.2*(1-exp(-25*ld(5)))))*exp(-8*ld(5))"
        "+0.05*(2*random(9)-1)*exp(-70*ld(6))"
    )


def _arpeggio(roots: list[float], step: float, bar: float) -> str:
    """Plucked notes up and down a major arpeggio over a changing root, with a soft bass."""
    semitones = [0, 4, 7, 12, 16, 12, 7, 4]
    return (
        f"st(0,{_pick(f'mod(floor(t/{bar}),{len(roots)})', roots)});"
        f"st(1,ld(0)*pow(2,{_pick(f'mod(floor(t/{step}),8)', semitones)}/12));"
        f"st(2,mod(t,{step}));"
        "0.3*min(1,ld(2)/0.004)*exp(-7*ld(2))*(sin(2*PI*ld(1)*t)+0.3*sin(4*PI*ld(1)*t))"
        "+0.12*sin(PI*ld(0)*t)"
    )


C_MAJOR, A_MINOR, F_MAJOR, G_MAJOR = (
    (261.63, 329.63, 392.0),
    (220.0, 261.63, 329.63),
    (174.61, 220.0, 261.63),
    (196.0, 246.94, 293.66),
)
D_MINOR = (146.83, 174.61, 220.0)
_FADES = f"afade=t=in:d=0.05,afade=t=out:st={TRACK_SECONDS - 1}:d=1"


def _aeval(expr: str) -> str:
    return f"aevalsrc=exprs='{expr}':s=48000:d={TRACK_SECONDS},{_FADES}"


TRACK_GRAPHS = (
    _aeval(_pad([C_MAJOR, A_MINOR, F_MAJOR, G_MAJOR], bar=2.25, gain=0.16)),
    _aeval(_pad([A_MINOR, D_MINOR, F_MAJOR, G_MAJOR], 2.857, 0.09) + "+" + _kick_and_hat(0.714)),
    _aeval(_arpeggio([220.0, 174.61, 261.63, 196.0], step=0.1875, bar=2.25)),
    f"anoisesrc=d={TRACK_SECONDS}:c=pink:seed=42:a=0.1,lowpass=f=800[noise];"
    "aevalsrc=exprs='0.12*(1+0.3*sin(2*PI*0.2*t))*(sin(2*PI*110*t)+0.7*sin(2*PI*164.81*t)"
    f"+0.4*sin(2*PI*220*t))':s=48000:d={TRACK_SECONDS}[drone];"
    f"[noise][drone]amix=inputs=2:normalize=0,{_FADES}",
)


# -- Running ffmpeg ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    output: str
    args: list[str]  # everything between "ffmpeg" and the output path


def _image_jobs() -> list[Job]:
    jobs = []
    for media, source in zip(MEDIA_BY_TYPE[AssetType.IMAGE], IMAGE_SOURCES, strict=True):
        still = ["-f", "lavfi", "-i", source, "-frames:v", "1"]
        jobs.append(Job(media.file, [*still, "-q:v", "6"]))
        assert media.thumbnail is not None
        jobs.append(Job(media.thumbnail, [*still, "-vf", THUMB_SCALE, "-q:v", "5"]))
    return jobs


def _clip_jobs() -> list[Job]:
    jobs = []
    for media, source in zip(MEDIA_BY_TYPE[AssetType.VIDEO], CLIP_SOURCES, strict=True):
        encode = ["-c:v", "libvpx-vp9", "-b:v", "250k", "-g", "48", "-pix_fmt", "yuv420p"]
        # One thread and no row-mt: libvpx is then deterministic.
        encode += ["-deadline", "good", "-cpu-used", "4", "-threads", "1", "-row-mt", "0"]
        clip = ["-f", "lavfi", "-i", source, "-t", str(CLIP_SECONDS), "-an", *encode]
        jobs.append(Job(media.file, [*clip, "-cues_to_front", "1"]))
        assert media.thumbnail is not None
        poster = ["-f", "lavfi", "-i", source, "-ss", "1", "-frames:v", "1"]
        jobs.append(Job(media.thumbnail, [*poster, "-vf", THUMB_SCALE, "-q:v", "5"]))
    return jobs


def _track_jobs() -> list[Job]:
    opus = ["-c:a", "libopus", "-b:a", "48k", "-vbr", "constrained", "-ac", "1"]
    return [
        Job(media.file, ["-filter_complex", graph, *opus])
        for media, graph in zip(MEDIA_BY_TYPE[AssetType.AUDIO], TRACK_GRAPHS, strict=True)
    ]


def all_jobs() -> list[Job]:
    return [*_image_jobs(), *_clip_jobs(), *_track_jobs()]


def run(job: Job, out_dir: Path, ffmpeg: str) -> Path:
    target = out_dir / job.output
    quiet = ["-hide_banner", "-loglevel", "error", "-y"]
    subprocess.run([ffmpeg, *quiet, *job.args, *BITEXACT, str(target)], check=True)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=MEDIA_DIR, help="folder (default: media/)")
    parser.add_argument("--ffmpeg", default=shutil.which("ffmpeg") or "/usr/bin/ffmpeg")
    args = parser.parse_args(argv)
    if not Path(args.ffmpeg).exists():
        print(f"ffmpeg not found at {args.ffmpeg}: apt-get install ffmpeg", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    total = 0
    for job in all_jobs():
        size = run(job, args.out, args.ffmpeg).stat().st_size
        total += size
        print(f"{job.output:24} {size / 1024:7.1f} KB")
    print(f"{'total':24} {total / 1024:7.1f} KB in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
