"""A board's export for POST /videos: every pick checked with Argil again, then the `moments`
and `backgroundMusic` of a request body (JSON) and a formula-safe CSV of each pick's place, moment,
id, type, name, fileUrl and note (POST /videos has no field for notes: they travel in the CSV),
duration and orientation (media facts from the catalogue, for the fileUrl Argil gives now).

A pick's snapshot (boards.py) can be stale, so nothing here trusts it: what goes out is what
Argil says now. Picks that are gone or no longer READY are listed and left out; any other
failure fails the whole export.
"""

import contextvars
import csv
import io
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal

from django.conf import settings
from django.utils.text import slugify

from . import editor_budget, media_facts, services
from .api import ArgilNotFound, Asset, AssetStatus, AssetType
from .media_labels import ORIENTATION_LABELS, Facts, duration_label
from .models import Board, Pick

# The export asks Argil about up to this many picks at a time: a full board is 25 round trips
# (2-3 s against the real API) instead of 200 (16-20 s). Each ask is one of the client's GETs,
# whose retries and Retry-After handling still apply; a 429 fails the export with its wait.
# Never more than the process's upstream slots less two (export_concurrency()).
EXPORT_CONCURRENCY = 8


def export_concurrency() -> int:
    """How many asks at once: within this process's upstream slots (ARGIL_API_MAX_INFLIGHT),
    leaving two for other editors' pages. More, and on a slow Argil (calls longer than
    upstream_slots.STUCK_AFTER) the export's own extra asks found every slot held and failed
    it as busy."""
    return max(1, min(EXPORT_CONCURRENCY, settings.ARGIL_API_MAX_INFLIGHT - 2))


# Argil's default for backgroundMusic.volume (0..1), as the POST /videos docs give it.
BACKGROUND_MUSIC_VOLUME = 0.14
BROLL_TYPES = frozenset({AssetType.IMAGE, AssetType.VIDEO})

# Why the export leaves a pick out.
FLAG_GONE = "No longer in the Argil library (deleted)"
FLAG_REASONS = {
    AssetStatus.PROCESSING: "Processing in Argil — not ready to use",
    AssetStatus.FAILED: "Failed in Argil — upload it again",
}
# Spreadsheets run a cell that starts with one of these as a formula (OWASP "CSV injection").
CSV_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# position: the pick's place on the board (1 = top), as the tray shows it; moment: the moment it
# becomes in the JSON (1…n), or "background music"; note: the editor's note, which the JSON
# has no field for; durationSeconds and orientation: the media facts, blank when not known.
CSV_COLUMNS = (
    "position",
    "moment",
    "id",
    "type",
    "name",
    "fileUrl",
    "note",
    "durationSeconds",
    "orientation",
)
CSV_MUSIC = "background music"
CSV_UNUSED = "extra music (not in the JSON)"
# A download's name is the board's, slugified ("Harbour launch" -> harbour-launch.csv).
FILENAME_MAX_LENGTH = 80


@dataclass(frozen=True, slots=True)
class FlaggedPick:
    pick: Pick
    reason: str


@dataclass(frozen=True, slots=True)
class ExportedPick:
    pick: Pick
    asset: Asset  # as Argil describes it now
    role: str  # "Moment 3", "Background music", or why it is not in the JSON
    kind: Literal["moment", "music", "unused"]
    place: int = 0  # the pick's place on the board, 1 = top (flagged picks count too)
    moment: int = 0  # the moment it becomes, 1…n (0: not a moment)
    facts: Facts | None = None  # from the catalogue, for this very fileUrl; None when unknown


@dataclass(frozen=True)
class BoardExport:
    """A board checked against Argil: what goes into the export, in board order, and what not."""

    board: Board
    ready: tuple[ExportedPick, ...] = ()
    flagged: tuple[FlaggedPick, ...] = ()
    checked_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def moments(self) -> list[ExportedPick]:
        return [e for e in self.ready if e.asset.type in BROLL_TYPES]

    @property
    def music(self) -> ExportedPick | None:
        return next((e for e in self.ready if e.asset.type == AssetType.AUDIO), None)

    @property
    def has_notes(self) -> bool:
        return any(e.pick.note for e in self.ready)

    @property
    def broll_seconds(self) -> float:
        """The clips' total length (an image has none: its moment's speech sets it)."""
        return sum(
            e.facts.duration_seconds
            for e in self.moments
            if e.asset.type == AssetType.VIDEO and e.facts and e.facts.duration_seconds
        )

    @property
    def broll_duration(self) -> str:
        return duration_label(self.broll_seconds)

    @property
    def clips_of_unknown_length(self) -> int:
        return sum(
            1
            for e in self.moments
            if e.asset.type == AssetType.VIDEO and not (e.facts and e.facts.duration_seconds)
        )

    @property
    def orientation_counts(self) -> dict[str, int]:
        """B-roll moments per known orientation, most first: {"portrait": 3, "landscape": 1}."""
        counts: dict[str, int] = {}
        for e in self.moments:
            if e.facts and e.facts.orientation:
                counts[e.facts.orientation] = counts.get(e.facts.orientation, 0) + 1
        return dict(sorted(counts.items(), key=lambda item: -item[1]))

    @property
    def orientation_warning(self) -> str:
        """ "This board mixes 3 portrait and 1 landscape B-roll moments" when it does, else ""."""
        counts = self.orientation_counts
        if len(counts) < 2:
            return ""
        parts = [f"{n} {ORIENTATION_LABELS[o].lower()}" for o, n in counts.items()]
        listed = ", ".join(parts[:-1]) + " and " + parts[-1]
        return f"This board mixes {listed} B-roll moments: a video has one shape."

    def videos_payload(self) -> dict[str, Any]:
        """The fragment of a POST /videos body: one moment per B-roll pick, in board order, and
        the first audio pick as background music (no key when there is none)."""
        payload: dict[str, Any] = {
            "moments": [
                {
                    "transcript": "",
                    "avatarId": "",
                    "broll": {"type": "UPLOAD", "assetId": e.asset.id},
                }
                for e in self.moments
            ]
        }
        if self.music is not None:
            payload["backgroundMusic"] = {
                "assetId": self.music.asset.id,
                "volume": BACKGROUND_MUSIC_VOLUME,
            }
        return payload

    def json_text(self) -> str:
        return json.dumps(self.videos_payload(), indent=2, ensure_ascii=False) + "\n"

    def csv_text(self) -> str:
        """Every exported pick in board order (RFC 4180 lines): its place on the board, the
        moment it becomes, id, type, name, fileUrl, the editor's note, and the duration (s) and
        orientation when known (else blank). Formula-safe."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        for e in self.ready:
            moment = str(e.moment) if e.kind == "moment" else CSV_MUSIC
            if e.kind == "unused":
                moment = CSV_UNUSED
            facts = e.facts or Facts(e.asset.type.value)
            seconds = facts.duration_seconds
            row = (
                str(e.place),
                moment,
                e.asset.id,
                e.asset.type.value,
                e.asset.name or "",
                e.asset.file_url or "",
                e.pick.note,
                f"{seconds:.2f}" if seconds is not None else "",
                facts.orientation,
            )
            writer.writerow([csv_cell(value) for value in row])
        return out.getvalue()

    def filename(self, extension: str) -> str:
        """The board's name as a file name: "Harbour launch" -> harbour-launch.csv. Letters of
        any script stay (the Content-Disposition header carries them as UTF-8)."""
        stem = slugify(self.board.name, allow_unicode=True)[:FILENAME_MAX_LENGTH].strip("-_")
        return f"{stem or 'board'}.{extension}"


def csv_cell(value: str) -> str:
    """A cell a spreadsheet shows as text: a leading formula character gets a ' in front."""
    return "'" + value if value.startswith(CSV_FORMULA_PREFIXES) else value


def check_board(board: Board) -> BoardExport:
    """Ask Argil about every pick again (one GET each, several at a time; a board holds at most
    boards.MAX_PICKS).

    Gone (404) or no longer READY: flagged, and left out. Any other failure raises the
    ArgilAPIError: a partial export must never pass for a whole one.
    """
    ready: list[ExportedPick] = []
    flagged: list[FlaggedPick] = []
    has_music = False
    moments = 0
    picks = list(board.picks.all())
    answers = assets_or_none([p.asset_id for p in picks])
    for place, (pick, asset) in enumerate(zip(picks, answers, strict=True), start=1):
        if asset is None:
            flagged.append(FlaggedPick(pick, FLAG_GONE))
            continue
        if asset.status != AssetStatus.READY:
            flagged.append(FlaggedPick(pick, FLAG_REASONS.get(asset.status, "Not ready")))
            continue
        if asset.type in BROLL_TYPES:
            moments += 1
            role = f"Moment {moments}"
            ready.append(ExportedPick(pick, asset, role, "moment", place, moments))
        elif not has_music:
            has_music = True
            ready.append(ExportedPick(pick, asset, "Background music", "music", place))
        else:
            role = "Not in the JSON: only the first audio track becomes the music"
            ready.append(ExportedPick(pick, asset, role, "unused", place))
    # The catalogue's facts, for the files Argil gives now (one query).
    facts = media_facts.facts_for(
        (e.asset.id for e in ready), file_urls={e.asset.id: e.asset.file_url or "" for e in ready}
    )
    ready = [replace(e, facts=facts.get(e.asset.id.lower())) for e in ready]
    return BoardExport(board=board, ready=tuple(ready), flagged=tuple(flagged))


def assets_or_none(asset_ids: list[str]) -> list[Asset | None]:
    """``services.get_asset`` for each id, export_concurrency() at a time, in the ids' order;
    None for one Argil does not know (404). The first other failure (in that order) is raised
    and the asks not yet started are dropped."""

    def ask(asset_id: str) -> Asset | None:
        try:
            # An answer from the last minute will do: exporting again soon costs no calls.
            return services.get_asset(asset_id, max_age=services.SETTLED_MAX_AGE)
        except ArgilNotFound:
            return None

    # A full board needs more reads than an editor's minute holds: once the export may start,
    # it may finish (editor_budget.py, "overdraft"); the editor's next uncached reads wait.
    with (
        editor_budget.overdraft(),
        ThreadPoolExecutor(export_concurrency(), thread_name_prefix="argil-export") as pool,
    ):
        # Each in a copy of this request's context: its calls count on the request's log line.
        futures = [pool.submit(contextvars.copy_context().run, ask, i) for i in asset_ids]
        try:
            return [future.result() for future in futures]
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
