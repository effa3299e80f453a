"""The sandbox's asset library: a deterministic seed plus the indexes that keep queries cheap.

The seed is built from `random.Random(seed)` and a fixed reference date, so the same
`(size, seed)` gives the same assets, ids, names and dates on every run and every machine.

Mix, by design (see `_pick_type` and `_pick_status`):
- types: about 45% VIDEO, 35% IMAGE, 20% AUDIO;
- AUDIO is Argil's system music library, so it is always READY; uploads (IMAGE and VIDEO) are
  75% READY, 12.5% PROCESSING and 12.5% FAILED, which makes the whole library about
  80% READY, 10% PROCESSING and 10% FAILED;
- seed assets never change status: only uploads made through `Library.create` go through the
  PROCESSING -> READY/FAILED lifecycle;
- a handful of awkward names (null, empty, 240 characters, markup, RTL text, emoji...) sit among
  the newest READY assets, so the first page of the dashboard shows them.

Order: every asset has a `seq`, larger is newer; lists are newest first. Seed asset 0 is the
newest, and its `createdAt` is just before `REFERENCE_TIME`; the others step back over
`SEED_SPAN`. Uploads get the next `seq`, so they are always the newest.

Indexes: one ascending list of seqs per (type, status). A single-type query slices its list; a
query over several types merges theirs once (sorting already-sorted runs is linear) and caches the
result until the next change. That keeps a 100_000-asset library at a few ms per query.
"""

from __future__ import annotations

import bisect
import random
import threading
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from itertools import chain
from typing import Any
from urllib.parse import urlsplit


class AssetType(StrEnum):
    AUDIO = "AUDIO"
    IMAGE = "IMAGE"
    VIDEO = "VIDEO"


class AssetStatus(StrEnum):
    PROCESSING = "PROCESSING"
    READY = "READY"
    FAILED = "FAILED"


UPLOADABLE_TYPES = frozenset({AssetType.IMAGE, AssetType.VIDEO})

# Fixed, so the seed library's dates never depend on when it was built.
REFERENCE_TIME = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
SEED_SPAN = timedelta(days=270)


# -- Media catalogue: the files in media/ (made by make_media.py) --------------------------------


@dataclass(frozen=True, slots=True)
class MediaFiles:
    """A file under /media/ and its thumbnail (None for audio, which has no picture)."""

    file: str
    thumbnail: str | None


MEDIA_BY_TYPE: dict[AssetType, tuple[MediaFiles, ...]] = {
    AssetType.VIDEO: tuple(
        MediaFiles(f"clip-{n:02}.webm", f"clip-{n:02}.jpg") for n in range(1, 9)
    ),
    AssetType.IMAGE: tuple(
        MediaFiles(f"image-{n:02}.jpg", f"image-{n:02}-thumb.jpg") for n in range(1, 9)
    ),
    AssetType.AUDIO: tuple(MediaFiles(f"track-{n:02}.ogg", None) for n in range(1, 5)),
}


def media_for(asset_type: AssetType, seq: int) -> MediaFiles:
    choices = MEDIA_BY_TYPE[asset_type]
    return choices[seq % len(choices)]


# -- Assets ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Asset:
    """One asset as the library holds it. Frozen: a status change replaces the object, so a
    reader holding one never sees it change half-way through serialisation."""

    seq: int
    id: str
    name: str | None
    type: AssetType
    status: AssetStatus
    created_at: str  # ISO 8601, UTC, "Z"
    media: MediaFiles | None  # None unless READY
    # Uploads only: the monotonic time processing ends, and how it ends.
    settles_at: float | None = None
    outcome: AssetStatus | None = None


# -- Seed names ----------------------------------------------------------------------------------

_CITIES = (
    "Lisbon", "Marseille", "Kyoto", "Oaxaca", "Reykjavík", "Cape Town", "Montréal", "Istanbul",
    "Porto", "Hanoi", "Valparaíso", "Tbilisi", "Copenhagen", "Naples",
)  # fmt: skip
_CITY_SPOTS = (
    "rooftops", "harbour", "old town", "riverbank", "market square", "tram line", "waterfront",
    "train station", "botanical garden", "fish market",
)  # fmt: skip
_TIMES_OF_DAY = ("dawn", "golden hour", "dusk", "blue hour", "midday", "night", "sunrise")
_LANDSCAPES = (
    "pine forest", "salt flats", "volcanic coastline", "terraced vineyards", "glacier lagoon",
    "desert canyon", "lavender fields", "misty fjord", "rice paddies", "chalk cliffs",
)  # fmt: skip
_SEASONS = ("spring", "summer", "autumn", "winter", "early spring", "late autumn")
_PEOPLE_AT_WORK = (
    ("Barista", "pouring latte art"), ("Florist", "wrapping a peony bouquet"),
    ("Chef", "plating a saffron risotto"), ("Carpenter", "planing an oak board"),
    ("Ceramicist", "shaping a bowl on the wheel"), ("Cyclist", "climbing a mountain pass"),
    ("Surfer", "paddling out at sunrise"), ("Violinist", "tuning before rehearsal"),
    ("Developer", "typing on a mechanical keyboard"), ("Baker", "dusting sourdough loaves"),
    ("Tailor", "chalking a jacket pattern"), ("Beekeeper", "lifting a honey frame"),
)  # fmt: skip
_SHOTS = ("close-up", "wide shot", "over the shoulder", "slow motion", "handheld", "top-down")
_PRODUCTS = (
    "headphones", "running shoes", "espresso machine", "smartwatch", "water bottle", "desk lamp",
    "backpack", "sunglasses", "ceramic mug", "fountain pen", "mechanical keyboard", "camera bag",
)  # fmt: skip
_FINISHES = ("matte black", "brushed aluminium", "sage green", "terracotta", "glossy white",
             "walnut", "navy canvas", "rose gold")  # fmt: skip
_FLAT_LAY_ITEMS = ("notebook", "croissant", "film camera", "succulent", "linen napkin", "lemons",
                   "passport", "laptop", "vinyl record", "watercolour palette")  # fmt: skip
_MOODS = ("Lo-fi", "Dreamy", "Upbeat", "Warm", "Cinematic", "Chill", "Hopeful", "Playful", "Calm")
_GENRES = ("study beat", "acoustic folk", "synthwave", "piano ballad", "corporate pop",
           "ambient pad", "jazz hop", "indie rock", "bossa nova")  # fmt: skip
_INSTRUMENTS = ("piano", "ukulele", "strings", "marimba", "guitar", "synth arpeggio", "Rhodes")
_VERSION_TAGS = ("", "", "", "", " (v2)", " — 4K", " — vertical 9:16", " (alt take)", " — final")


def _pick[T](rng: random.Random, choices: Sequence[T]) -> T:
    """`rng.choice`, about ten times faster: it matters at 100_000 assets."""
    return choices[int(rng.random() * len(choices))]


def _video_name(rng: random.Random) -> str:
    person, action = _pick(rng, _PEOPLE_AT_WORK)
    city, spot, when = _pick(rng, _CITIES), _pick(rng, _CITY_SPOTS), _pick(rng, _TIMES_OF_DAY)
    templates = (
        f"Drone flyover — {city} {spot} at {when}",
        f"{person} {action}, {_pick(rng, _SHOTS)}",
        f"Timelapse: {city} {spot}, {when}",
        f"Aerial: {_pick(rng, _LANDSCAPES)} in {_pick(rng, _SEASONS)}",
        f"Handheld walk through the {city} {spot}",
        f"Interview cutaway — {person.lower()} {action}",
    )
    return _pick(rng, templates) + _pick(rng, _VERSION_TAGS)


def _image_name(rng: random.Random) -> str:
    first = _pick(rng, _FLAT_LAY_ITEMS)
    second = _pick(rng, [item for item in _FLAT_LAY_ITEMS if item != first])
    templates = (
        f"Product shot: {_pick(rng, _FINISHES)} {_pick(rng, _PRODUCTS)}",
        f"Flat lay: {first} and {second}",
        f"{_pick(rng, _CITIES)} skyline at {_pick(rng, _TIMES_OF_DAY)}",
        f"Portrait — {_pick(rng, _PEOPLE_AT_WORK)[0].lower()} by the window",
        f"Hero banner: {_pick(rng, _LANDSCAPES)}, {_pick(rng, _SEASONS)}",
    )
    return _pick(rng, templates) + _pick(rng, _VERSION_TAGS)


def _audio_name(rng: random.Random) -> str:
    mood, genre, instrument = _pick(rng, _MOODS), _pick(rng, _GENRES), _pick(rng, _INSTRUMENTS)
    templates = (
        f"{mood} {genre} (loop)",
        f"{genre.capitalize()} — {mood.lower()} {instrument}",
        f"{mood} {instrument} underscore ({_pick(rng, (15, 30, 60))} s)",
        f"{mood} {genre}, {rng.randrange(70, 130)} BPM",
    )
    return _pick(rng, templates)


_NAME_MAKERS = {AssetType.VIDEO: _video_name, AssetType.IMAGE: _image_name,
                AssetType.AUDIO: _audio_name}  # fmt: skip

_LONG_NAME = (
    "Extended cut — interviews with the founding team about the first prototype, the move to "
    "Lisbon, the long winter of rewrites, the launch week that almost did not happen, and what "
    "the next five years look like for the studio (director's cut)."
)
assert len(_LONG_NAME) == 240

# Names a UI must survive. They take fixed places among the newest assets and are always READY.
AWKWARD_NAMES: dict[int, str | None] = {
    1: None,
    3: "",
    6: _LONG_NAME,
    8: "<img src=x onerror=alert(1)>",
    11: '"quotes" & <b>tags</b>',
    14: "Café à São Paulo — 夜景 🌃🎬 (ünïcödé)",
    17: "IMG_20260412_183355_final_FINAL_v3_reallyfinal_export_1080p_colourgraded_master.mov",
    21: "غروب الشمس على البحر — sunset over the sea",
    25: "  leading and trailing spaces  ",
    29: "{{ 7*7 }} {% now %} ${jndi:ldap://x} javascript:alert(1)",
}


# -- Seed generation -----------------------------------------------------------------------------


def _pick_type(rng: random.Random) -> AssetType:
    roll = rng.random()
    if roll < 0.45:
        return AssetType.VIDEO
    if roll < 0.80:
        return AssetType.IMAGE
    return AssetType.AUDIO


def _pick_status(rng: random.Random, asset_type: AssetType) -> AssetStatus:
    roll = rng.random()  # drawn for every asset, so each asset uses the same number of draws
    if asset_type is AssetType.AUDIO or roll < 0.75:
        return AssetStatus.READY
    return AssetStatus.PROCESSING if roll < 0.875 else AssetStatus.FAILED


def _seeded_uuid(rng: random.Random) -> str:
    """A version-4 UUID from the seeded RNG; `uuid.UUID(int=..., version=4)` would do, slower."""
    bits = rng.getrandbits(128)
    bits = (bits & ~(0xF000 << 64)) | (0x4000 << 64)  # version 4
    bits = (bits & ~(0xC000 << 48)) | (0x8000 << 48)  # RFC 4122 variant
    h = f"{bits:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _iso(epoch_seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch_seconds))


def _created_now() -> str:
    """A new asset's createdAt: now, and never older than the seed whatever the machine's clock
    says."""
    return _iso(max(time.time(), REFERENCE_TIME.timestamp()))


def generate_seed_assets(size: int, seed: int) -> list[Asset]:
    """`size` assets, newest first. Asset i has seq `size - i`."""
    rng = random.Random(seed)
    reference = REFERENCE_TIME.timestamp()
    step = SEED_SPAN.total_seconds() / max(size, 1)  # each asset is one step older than the last
    assets = []
    for index in range(size):
        asset_type = _pick_type(rng)
        status = _pick_status(rng, asset_type)
        name: str | None = _NAME_MAKERS[asset_type](rng)
        if index in AWKWARD_NAMES:
            name, status = AWKWARD_NAMES[index], AssetStatus.READY
        seq = size - index
        created = reference - step * (index + 0.05 + 0.9 * rng.random())
        assets.append(
            Asset(
                seq=seq,
                id=_seeded_uuid(rng),
                name=name,
                type=asset_type,
                status=status,
                created_at=_iso(created),
                media=media_for(asset_type, seq) if status is AssetStatus.READY else None,
            )
        )
    return assets


def url_looks_broken(url: str) -> bool:
    """The sandbox's stand-in for "Argil could not download this file"."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    path = parts.path.lower()
    return host.endswith(".invalid") or "broken" in path or "fail" in path


# -- The store -----------------------------------------------------------------------------------

Seqs = list[int]  # ascending: oldest first


@dataclass(frozen=True, slots=True)
class PageResult:
    items: list[Asset]
    total: int


class Library:
    """Thread-safe store of assets with per-(type, status) indexes.

    Time is passed in (`now`, from `time.monotonic()`), so uploads settle lazily on the next read
    and tests can reason about it.
    """

    def __init__(self, assets: Iterable[Asset]) -> None:
        self._lock = threading.Lock()
        self._by_seq: dict[int, Asset] = {}
        self._by_id: dict[str, Asset] = {}
        self._index: dict[tuple[AssetType, AssetStatus], Seqs] = {
            (t, s): [] for t in AssetType for s in AssetStatus
        }
        self._merged: dict[tuple[frozenset[AssetType], AssetStatus], Seqs] = {}
        self._processing_uploads: dict[str, Asset] = {}
        for asset in sorted(assets, key=lambda a: a.seq):
            self._by_seq[asset.seq] = asset
            self._by_id[asset.id] = asset
            self._index[asset.type, asset.status].append(asset.seq)
        self._next_seq = max(self._by_seq, default=0) + 1

    @classmethod
    def seeded(cls, size: int, seed: int) -> Library:
        return cls(generate_seed_assets(size, seed))

    def __len__(self) -> int:
        return len(self._by_id)

    # -- Reads --

    def page(
        self,
        types: frozenset[AssetType],
        status: AssetStatus,
        page: int,
        page_size: int,
        *,
        now: float,
    ) -> PageResult:
        """One page, newest first; an empty page past the last."""
        with self._lock:
            self._settle_due(now)
            seqs = self._seqs_for(types, status)
            total = len(seqs)
            # Seqs are oldest first, so page 1 is the end of the list, read backwards.
            stop = total - (page - 1) * page_size
            if stop <= 0:
                return PageResult(items=[], total=total)
            start = max(0, stop - page_size)
            items = [self._by_seq[seq] for seq in reversed(seqs[start:stop])]
            return PageResult(items=items, total=total)

    def get(self, asset_id: str, *, now: float) -> Asset | None:
        with self._lock:
            self._settle_due(now)
            return self._by_id.get(asset_id)

    # -- Writes --

    def create(
        self, *, name: str, asset_type: AssetType, url: str, now: float, processing_seconds: float
    ) -> Asset:
        """A new upload, PROCESSING until `now + processing_seconds`, then READY or FAILED."""
        outcome = AssetStatus.FAILED if url_looks_broken(url) else AssetStatus.READY
        with self._lock:
            asset = Asset(
                seq=self._take_seq(),
                id=str(uuid.uuid4()),
                name=name,
                type=asset_type,
                status=AssetStatus.PROCESSING,
                created_at=_created_now(),
                media=None,
                settles_at=now + processing_seconds,
                outcome=outcome,
            )
            self._store(asset)
            self._processing_uploads[asset.id] = asset
            return asset

    def _take_seq(self) -> int:
        """The next upload's place in time (the caller holds the lock)."""
        seq = self._next_seq
        self._next_seq += 1
        return seq

    def insert(
        self,
        *,
        name: str | None,
        asset_type: AssetType,
        status: AssetStatus = AssetStatus.READY,
        created_at: str | None = None,
    ) -> Asset:
        """A new asset, already in `status`, at the top of its lists (the test hooks' upload)."""
        with self._lock:
            seq = self._take_seq()
            asset = Asset(
                seq=seq,
                id=str(uuid.uuid4()),
                name=name,
                type=asset_type,
                status=status,
                created_at=created_at or _created_now(),
                media=media_for(asset_type, seq) if status is AssetStatus.READY else None,
            )
            self._store(asset)
            return asset

    def rename(self, asset_id: str, name: str | None) -> Asset | None:
        return self._change_in_place(asset_id, name=name)

    def set_status(self, asset_id: str, status: AssetStatus) -> Asset | None:
        """Settle (or re-open) an asset now: it keeps its place in time, so its seq."""
        with self._lock:
            asset = self._by_id.get(asset_id)
            if asset is None:
                return None
            self._processing_uploads.pop(asset_id, None)
            media = media_for(asset.type, asset.seq) if status is AssetStatus.READY else None
            changed = replace(asset, status=status, media=media, settles_at=None, outcome=None)
            self._unindex(asset)
            self._store(changed)
            return changed

    def set_media(self, asset_id: str, media: MediaFiles | None) -> Asset | None:
        """Point an asset at another file (its fileUrl changes)."""
        return self._change_in_place(asset_id, media=media)

    def _change_in_place(self, asset_id: str, **changes: Any) -> Asset | None:
        """Change fields that keep an asset's place (seq, type, status, so its index entries);
        an upload still processing settles with the change."""
        with self._lock:
            asset = self._by_id.get(asset_id)
            if asset is None:
                return None
            changed = replace(asset, **changes)
            self._by_seq[asset.seq] = changed
            self._by_id[asset.id] = changed
            if asset.id in self._processing_uploads:
                self._processing_uploads[asset.id] = changed
            return changed

    def newest_ids(self, status: AssetStatus, count: int) -> list[str]:
        """The ids of the `count` newest assets of any type in `status` (for the test hooks)."""
        with self._lock:
            seqs = self._seqs_for(frozenset(AssetType), status)
            return [self._by_seq[seq].id for seq in reversed(seqs[-count:])] if count else []

    def delete(self, asset_id: str) -> bool:
        with self._lock:
            asset = self._by_id.pop(asset_id, None)
            if asset is None:
                return False
            del self._by_seq[asset.seq]
            self._processing_uploads.pop(asset_id, None)
            self._unindex(asset)
            return True

    # -- Internals (call with the lock held) --

    def _seqs_for(self, types: frozenset[AssetType], status: AssetStatus) -> Seqs:
        if len(types) == 1:
            (only,) = types
            return self._index[only, status]
        key = (types, status)
        merged = self._merged.get(key)
        if merged is None:
            # Timsort finds the sorted runs, so this is a linear merge, done once per combination.
            merged = sorted(chain.from_iterable(self._index[t, status] for t in types))
            self._merged[key] = merged
        return merged

    def _settle_due(self, now: float) -> None:
        due = [a for a in self._processing_uploads.values() if (a.settles_at or 0.0) <= now]
        for asset in due:
            del self._processing_uploads[asset.id]
            outcome = asset.outcome or AssetStatus.READY
            media = media_for(asset.type, asset.seq) if outcome is AssetStatus.READY else None
            self._unindex(asset)
            self._store(replace(asset, status=outcome, media=media))

    def _store(self, asset: Asset) -> None:
        self._by_seq[asset.seq] = asset
        self._by_id[asset.id] = asset
        bisect.insort(self._index[asset.type, asset.status], asset.seq)
        self._merged.clear()

    def _unindex(self, asset: Asset) -> None:
        seqs = self._index[asset.type, asset.status]
        position = bisect.bisect_left(seqs, asset.seq)
        if position < len(seqs) and seqs[position] == asset.seq:
            del seqs[position]
        self._merged.clear()
