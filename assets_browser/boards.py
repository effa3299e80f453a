"""Boards of picks: the current board, the tray, picking, order and notes.

Views reach boards and picks only through ``Board.objects.owned_by(user)`` and
``Pick.objects.owned_by(user)`` (both filter by owner), so one editor can never see or change
another's. Everything else here takes the editor or an object already fetched that way.

A pick keeps a snapshot of the asset (type, name, thumbnail) so a board renders without asking
Argil; the export (exports.py) asks Argil again about every pick, because the snapshot can be
stale.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, TypedDict

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, Max, OuterRef, QuerySet

from .api import UUID_RE, Asset, AssetStatus
from .formatting import http_url
from .labels import blocked_reason
from .models import ASSET_NAME_MAX_LENGTH, URL_MAX_LENGTH, Board, EditorProfile, Pick

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

# A board is one video's worth of material. The bound also bounds the export, which asks Argil
# about every pick (one GET each): 200 picks are 200 reads, a third of Argil's 600 a minute.
MAX_PICKS = 200
DEFAULT_BOARD_NAME = "My picks"

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


def current_board(user) -> Board | None:
    """The board the Pick toggles add to; None until the first pick (reading never creates one)."""
    return Board.objects.owned_by(user).filter(current_for__user=user).first()


def picked_ids(user) -> frozenset[str]:
    """Asset ids on the current board, in one query: what every Pick toggle on a page reads."""
    picks = Pick.objects.on_current_board_of(user)
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


class BoardCounts(TypedDict):
    pick_count: int
    is_current: bool


def boards_with_counts(user) -> "QuerySet[WithAnnotations[Board, BoardCounts]]":
    """The editor's boards, each with ``pick_count`` and ``is_current``, in one query."""
    is_current = Exists(EditorProfile.objects.filter(user=user, current_board=OuterRef("pk")))
    return Board.objects.owned_by(user).annotate(pick_count=Count("picks"), is_current=is_current)


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
        board = Board.objects.owned_by(user).order_by("-updated").first()
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
        successor = Board.objects.owned_by(user).order_by("-updated").first()
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
