"""Boards of picks: the current board, picking, order and notes, and the export for POST /videos.

Views reach boards and picks only through ``boards_of(user)`` and ``picks_of(user)`` (both
filter by owner), so one editor can never see or change another's. Everything else here takes
the editor or an object already fetched that way.

A pick keeps a snapshot of the asset (type, name, thumbnail) so a board renders without asking
Argil; the export asks Argil again about every pick, because the snapshot can be stale.
"""

import contextvars
import csv
import io
import json
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, Max, OuterRef, QuerySet
from django.utils.text import slugify

from . import services
from .api import UUID_RE, ArgilNotFound, Asset, AssetStatus, AssetType
from .formatting import http_url
from .labels import blocked_reason
from .models import ASSET_NAME_MAX_LENGTH, URL_MAX_LENGTH, Board, EditorProfile, Pick

# A board is one video's worth of material. The bound also bounds the export, which asks Argil
# about every pick (one GET each): 200 picks are 200 reads, a third of Argil's 600 a minute.
MAX_PICKS = 200
# The export asks Argil about this many picks at a time: a full board is 25 round trips (2-3 s
# against the real API) instead of 200 (16-20 s). Each ask is one of the client's GETs, whose
# retries and Retry-After handling still apply; a 429 fails the export with its wait.
EXPORT_CONCURRENCY = 8
DEFAULT_BOARD_NAME = "My picks"
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
CSV_COLUMNS = ("id", "type", "name", "fileUrl")

Direction = Literal["up", "down"]

# Asset ids a page says it shows (for out-of-band toggle swaps): a full grid page, a dialog, a
# tray; anything beyond is ignored.
MAX_SHOWN_IDS = 300


class PickRefused(Exception):  # noqa: N818 (reads as what happened: "the pick was refused")
    """The asset cannot go on the board; ``message`` says why, for the editor."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


def full_message(board: Board) -> str:
    return (
        f"“{board.name}” is full: a board holds at most {MAX_PICKS} picks. "
        "Start a new board for more."
    )


# --- Reading --------------------------------------------------------------------------------


def boards_of(user) -> QuerySet[Board]:
    return Board.objects.filter(owner=user)


def picks_of(user) -> QuerySet[Pick]:
    return Pick.objects.filter(board__owner=user).select_related("board")


def current_board(user) -> Board | None:
    """The board the Pick toggles add to; None until the first pick (reading never creates one)."""
    return boards_of(user).filter(current_for__user=user).first()


def picked_ids(user) -> frozenset[str]:
    """Asset ids on the current board, in one query: what every Pick toggle on a page reads."""
    picks = Pick.objects.filter(board__owner=user, board__current_for__user=user)
    return frozenset(picks.values_list("asset_id", flat=True))


@dataclass(frozen=True, slots=True)
class Tray:
    """One board as the tray shows it, and the editor's boards for the switcher."""

    board: Board | None
    picks: tuple[Pick, ...]
    boards: tuple[Board, ...]  # annotated with pick_count
    is_current: bool

    @property
    def count(self) -> int:
        return len(self.picks)

    @property
    def picked_ids(self) -> frozenset[str]:
        """What the Pick toggles show as picked: the current board's assets only."""
        return frozenset(p.asset_id for p in self.picks) if self.is_current else frozenset()

    @property
    def is_full(self) -> bool:
        return self.count >= MAX_PICKS

    @property
    def near_full(self) -> bool:
        return self.count >= MAX_PICKS * 0.9

    @property
    def limit(self) -> int:
        return MAX_PICKS

    @property
    def preview_picks(self) -> tuple[Pick, ...]:
        """The few thumbnails the collapsed tray (a phone's bottom bar) shows."""
        return self.picks[:4]


def boards_with_counts(user) -> QuerySet[Board]:
    """The editor's boards, each with ``pick_count`` and ``is_current``, in one query."""
    is_current = Exists(EditorProfile.objects.filter(user=user, current_board=OuterRef("pk")))
    return boards_of(user).annotate(pick_count=Count("picks"), is_current=is_current)


def tray_for(user, board: Board | None = None) -> Tray:
    """The tray for ``board`` (one of the editor's), else the current board. Two queries: the
    editor's boards (with pick counts, and which is current), then the board's picks."""
    boards = tuple(boards_with_counts(user))
    current = next((each for each in boards if each.is_current), None)
    board = board or current
    picks = tuple(board.picks.all()) if board else ()
    return Tray(board=board, picks=picks, boards=boards, is_current=board == current)


@dataclass(frozen=True, slots=True)
class PickableAsset:
    """What a Pick toggle needs to know about an asset, from a pick's snapshot (duck-types as
    an ``api.Asset`` in the template: id, name, status)."""

    id: str
    name: str | None
    status: AssetStatus = AssetStatus.READY  # only READY assets are ever picked

    @classmethod
    def from_pick(cls, pick: Pick) -> "PickableAsset":
        return cls(id=pick.asset_id, name=pick.name or None)


# --- Boards ---------------------------------------------------------------------------------


def set_current(user, board: Board | None) -> None:
    if board is not None and board.owner_id != user.pk:
        raise ValueError("an editor's current board must be one of their own")
    EditorProfile.objects.update_or_create(user=user, defaults={"current_board": board})


def ensure_current_board(user) -> Board:
    """The current board, making one first if needed: the most recently changed of the editor's
    boards, else a new "My picks" (the lazy default, made on the first pick)."""
    board = current_board(user)
    if board is None:
        board = boards_of(user).order_by("-updated").first()
        if board is None:
            board, _ = Board.objects.get_or_create(owner=user, name=DEFAULT_BOARD_NAME)
        set_current(user, board)
    return board


def create_board(user, name: str) -> Board:
    """A new board, which becomes current. IntegrityError if the name is taken (any case)."""
    with transaction.atomic():
        board = Board.objects.create(owner=user, name=name)
        set_current(user, board)
    return board


def rename_board(board: Board, name: str) -> None:
    board.name = name
    board.save(update_fields=["name", "updated"])


def delete_board(user, board: Board) -> Board | None:
    """Delete a board and its picks. If it was current, the most recently changed remaining
    board becomes current (or none). Returns the current board afterwards."""
    with transaction.atomic():
        was_current = current_board(user) == board
        board.delete()
        if not was_current:
            return current_board(user)
        successor = boards_of(user).order_by("-updated").first()
        set_current(user, successor)
    return successor


def clear_board(board: Board) -> list[Pick]:
    """Remove every pick; returns them (unsaved), for the toggles that must now say "Pick"."""
    with transaction.atomic():
        picks = list(board.picks.all())
        board.picks.all().delete()
        _touch(board)
    return picks


def _touch(board: Board) -> None:
    board.save(update_fields=["updated"])


# --- Picks ----------------------------------------------------------------------------------


def add_pick(user, asset: Asset) -> Pick:
    """Put an asset (as Argil just described it) on the current board; no-op if it is there.

    Raises PickRefused for an asset that is not READY, or a full board.
    """
    reason = blocked_reason(asset.status)
    if reason:
        raise PickRefused(reason)
    asset_id = asset.id.lower()
    with transaction.atomic():
        board = ensure_current_board(user)
        # Row lock (PostgreSQL): picks on one board are added one at a time, so the limit and
        # the positions hold under concurrent clicks. SQLite serialises writes anyway.
        board = Board.objects.select_for_update().get(pk=board.pk)
        existing = board.picks.filter(asset_id=asset_id).first()
        if existing is not None:
            return existing
        stats = board.picks.aggregate(count=Count("pk"), last=Max("position"))
        if stats["count"] >= MAX_PICKS:
            raise PickRefused(full_message(board))
        thumbnail = http_url(asset.thumbnail_url)
        try:
            with transaction.atomic():
                pick = Pick.objects.create(
                    board=board,
                    asset_id=asset_id,
                    asset_type=asset.type.value,
                    name=(asset.name or "")[:ASSET_NAME_MAX_LENGTH],
                    thumbnail_url=thumbnail if len(thumbnail) <= URL_MAX_LENGTH else "",
                    position=0 if stats["last"] is None else stats["last"] + 1,
                )
        except IntegrityError:  # the same asset, picked in another tab a moment ago
            return board.picks.get(asset_id=asset_id)
        _touch(board)
    return pick


def remove_pick(user, asset_id: str) -> Pick | None:
    """Take an asset off the current board; returns the removed pick, or None if absent."""
    board = current_board(user)
    if board is None:
        return None
    pick = board.picks.filter(asset_id=asset_id.lower()).first()
    if pick is not None:
        delete_pick(pick)
    return pick


def delete_pick(pick: Pick) -> None:
    pick.delete()
    _touch(pick.board)


def move_pick(pick: Pick, direction: Direction) -> bool:
    """Swap a pick with its neighbour; False at either end. Positions are renumbered 0..n-1."""
    with transaction.atomic():
        board = Board.objects.select_for_update().get(pk=pick.board_id)
        picks = list(board.picks.all())
        index = next(i for i, p in enumerate(picks) if p.pk == pick.pk)
        other = index - 1 if direction == "up" else index + 1
        if not 0 <= other < len(picks):
            return False
        picks[index], picks[other] = picks[other], picks[index]
        changed = []
        for position, each in enumerate(picks):
            if each.position != position:
                each.position = position
                changed.append(each)
        Pick.objects.bulk_update(changed, ["position"])
        _touch(board)
    return True


def set_note(pick: Pick, note: str) -> None:
    pick.note = note
    pick.save(update_fields=["note"])


# --- Export for POST /videos ------------------------------------------------------------------


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
        """id, type, name, fileUrl of every exported pick, in board order (RFC 4180 lines)."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        for e in self.ready:
            row = (e.asset.id, e.asset.type.value, e.asset.name or "", e.asset.file_url or "")
            writer.writerow([csv_cell(value) for value in row])
        return out.getvalue()

    def filename(self, extension: str) -> str:
        return f"{slugify(self.board.name) or 'board'}-picks.{extension}"


def csv_cell(value: str) -> str:
    """A cell a spreadsheet shows as text: a leading formula character gets a ' in front."""
    return "'" + value if value.startswith(CSV_FORMULA_PREFIXES) else value


def check_board(board: Board) -> BoardExport:
    """Ask Argil about every pick again (one GET each, several at a time; at most MAX_PICKS).

    Gone (404) or no longer READY: flagged, and left out. Any other failure raises the
    ArgilAPIError: a partial export must never pass for a whole one.
    """
    ready: list[ExportedPick] = []
    flagged: list[FlaggedPick] = []
    has_music = False
    moments = 0
    picks = list(board.picks.all())
    for pick, asset in zip(picks, _assets_or_none([p.asset_id for p in picks]), strict=True):
        if asset is None:
            flagged.append(FlaggedPick(pick, FLAG_GONE))
            continue
        if asset.status != AssetStatus.READY:
            flagged.append(FlaggedPick(pick, FLAG_REASONS.get(asset.status, "Not ready")))
            continue
        if asset.type in BROLL_TYPES:
            moments += 1
            ready.append(ExportedPick(pick, asset, f"Moment {moments}", "moment"))
        elif not has_music:
            has_music = True
            ready.append(ExportedPick(pick, asset, "Background music", "music"))
        else:
            role = "Not in the JSON: only the first audio track becomes the music"
            ready.append(ExportedPick(pick, asset, role, "unused"))
    return BoardExport(board=board, ready=tuple(ready), flagged=tuple(flagged))


def _assets_or_none(asset_ids: list[str]) -> list[Asset | None]:
    """``services.get_asset`` for each id, EXPORT_CONCURRENCY at a time, in the ids' order;
    None for one Argil does not know (404). The first other failure (in that order) is raised
    and the asks not yet started are dropped."""

    def ask(asset_id: str) -> Asset | None:
        try:
            return services.get_asset(asset_id)
        except ArgilNotFound:
            return None

    with ThreadPoolExecutor(EXPORT_CONCURRENCY, thread_name_prefix="argil-export") as pool:
        # Each in a copy of this request's context: its calls count on the request's log line.
        futures = [pool.submit(contextvars.copy_context().run, ask, i) for i in asset_ids]
        try:
            return [future.result() for future in futures]
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def clean_asset_ids(values: Iterable[str]) -> list[str]:
    """Distinct, lower-cased UUIDs from untrusted input (at most MAX_SHOWN_IDS); others dropped."""
    ids = (value.strip().lower() for value in list(values)[:MAX_SHOWN_IDS])
    return list(dict.fromkeys(i for i in ids if UUID_RE.fullmatch(i)))


def shown_picks(board: Board | None, shown: Iterable[str]) -> list[PickableAsset]:
    """The picks of ``board`` whose Pick toggle is on the page (one query; none if none shown)."""
    shown = list(shown)
    if board is None or not shown:
        return []
    return [PickableAsset.from_pick(p) for p in board.picks.filter(asset_id__in=shown)]


def toggles_to_refresh(
    shown: Iterable[str], changed: Iterable[PickableAsset]
) -> list[PickableAsset]:
    """The changed assets whose Pick toggle is on the editor's page (out-of-band swaps)."""
    on_page = set(shown)
    seen: set[str] = set()
    result = []
    for asset in changed:
        if asset.id in on_page and asset.id not in seen:
            seen.add(asset.id)
            result.append(asset)
    return result
