"""Boards of picks: the current board, the tray, picking, order and notes.

Views reach boards and picks only through ``Board.objects.owned_by(user)`` and
``Pick.objects.owned_by(user)`` (both filter by owner), so one editor can never see or change
another's. Everything else here takes the editor or an object already fetched that way.

A pick keeps a snapshot of the asset (type, name, thumbnail) so a board renders without asking
Argil; the export (exports.py) asks Argil again about every pick, because the snapshot can be
stale.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal, TypedDict

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, Max, OuterRef, QuerySet

from . import exports
from .api import UUID_RE, Asset, AssetStatus, AssetType
from .formatting import http_url
from .labels import blocked_reason
from .models import (
    ASSET_NAME_MAX_LENGTH,
    BOARD_NAME_MAX_LENGTH,
    MISSING_REASON_MAX_LENGTH,
    URL_MAX_LENGTH,
    Board,
    EditorProfile,
    Pick,
)
from .text import clean_line, clean_text

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

# A board is one video's worth of material. The bound also bounds the export, which asks Argil
# about every pick (one GET each): 200 picks are 200 reads, a third of Argil's 600 a minute.
MAX_PICKS = 200
DEFAULT_BOARD_NAME = "My picks"

Direction = Literal["up", "down", "top", "bottom"]
# Where picks can be moved: one step, to either end, or to a place on the board (1 = the top).
MoveTarget = Direction | int

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


def team_boards(user) -> QuerySet[Board]:
    """Boards other editors share with the team, each with ``pick_count`` and its owner."""
    shared = Board.objects.shared_with(user)
    return shared.select_related("owner").annotate(pick_count=Count("picks"))


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

    @property
    def rows(self) -> list["TrayRow"]:
        """Each pick with the place it takes in the export, as the export will say it."""
        return rows_of(self.picks)

    @property
    def missing(self) -> tuple[Pick, ...]:
        """Picks the owner's last export left out (gone from Argil, or no longer READY)."""
        return tuple(p for p in self.picks if p.missing_reason)


@dataclass(frozen=True, slots=True)
class TrayRow:
    pick: Pick
    label: str  # "1", "2", … (the moment), "Background music", …
    kind: "RowKind"


ROLE_MUSIC = "Background music"
ROLE_UNUSED = "Extra music, not in the JSON"
ROLE_MISSING = "Missing"


def rows_of(picks: Iterable[Pick]) -> list[TrayRow]:
    picks = list(picks)
    roles = export_roles([(p.asset_type, bool(p.missing_reason)) for p in picks])
    return [TrayRow(p, label, kind) for p, (label, kind) in zip(picks, roles, strict=True)]


RowKind = Literal["moment", "music", "unused", "missing"]


def export_roles(items: Iterable[tuple[str, bool]]) -> list[tuple[str, RowKind]]:
    """The place of each item (its asset type, and whether it is left out) in a POST /videos
    body: B-roll is numbered as moments 1…n in order, the first audio track is the background
    music, further audio is in no moment. The tray and the export say it the same way."""
    roles: list[tuple[str, RowKind]] = []
    moments, has_music = 0, False
    for asset_type, left_out in items:
        if left_out:
            roles.append((ROLE_MISSING, "missing"))
        elif asset_type != AssetType.AUDIO:
            moments += 1
            roles.append((str(moments), "moment"))
        elif not has_music:
            has_music = True
            roles.append((ROLE_MUSIC, "music"))
        else:
            roles.append((ROLE_UNUSED, "unused"))
    return roles


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
        board = Board.objects.create(owner=user, name=clean_line(name))
        set_current(user, board)
    return board


def rename_board(board: Board, name: str) -> None:
    board.name = clean_line(name)
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


def set_shared(board: Board, shared: bool) -> None:
    board.shared = shared
    board.save(update_fields=["shared", "updated"])


def copy_name(user, name: str) -> str:
    """A name for a copy that none of the editor's boards has yet: "Name", else "Name (copy)",
    "Name (copy 2)", … (within the length limit)."""
    taken = {n.lower() for n in Board.objects.owned_by(user).values_list("name", flat=True)}
    for n in range(1, MAX_PICKS + 2):
        suffix = "" if n == 1 else " (copy)" if n == 2 else f" (copy {n - 1})"
        candidate = name[: BOARD_NAME_MAX_LENGTH - len(suffix)] + suffix
        if candidate.lower() not in taken:
            return candidate
    return f"{name[:60]} ({datetime.now(UTC):%Y-%m-%d %H%M%S})"


def duplicate_board(user, source: Board) -> Board:
    """A new board of the editor's with the source's picks and notes, in order; it becomes the
    current board. The source may be another editor's shared board: it is only read."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                board = Board.objects.create(owner=user, name=copy_name(user, source.name))
        except IntegrityError:  # a second click took the same name a moment ago
            name = f"{source.name[:60]} ({datetime.now(UTC):%Y-%m-%d %H%M%S})"
            board = Board.objects.create(owner=user, name=name)
        Pick.objects.bulk_create(
            Pick(
                board=board,
                asset_id=p.asset_id,
                asset_type=p.asset_type,
                name=p.name,
                thumbnail_url=p.thumbnail_url,
                position=position,
                note=p.note,
            )
            for position, p in enumerate(source.picks.all())
        )
        set_current(user, board)
    return board


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


@dataclass(frozen=True, slots=True)
class Refusal:
    asset_id: str
    name: str
    reason: str
    gone: bool = False  # Argil no longer has it


@dataclass(frozen=True, slots=True)
class Picked:
    """What a pick of one or more assets did: the picks now on the board (added or already
    there), how many are new, and the assets refused with why."""

    board: Board | None
    picks: tuple[Pick, ...] = ()
    added: int = 0
    refused: tuple[Refusal, ...] = ()
    assets: tuple[Asset, ...] = ()  # as Argil described them (for their Pick toggles)

    @property
    def nothing_picked(self) -> bool:
        """Every asset was refused: none is on the board."""
        return bool(self.refused) and not self.picks

    @property
    def notice(self) -> str:
        return f"Picked {self.added} new onto “{self.board.name}”." if self.board else ""

    @property
    def refusals(self) -> str:
        """What was not picked and why, in one line for the tray ("" when all were)."""
        if not self.refused:
            return ""
        shown = "; ".join(f"{r.name or r.asset_id}: {r.reason}" for r in self.refused[:5])
        more = f" (and {len(self.refused) - 5} more)" if len(self.refused) > 5 else ""
        return f"{len(self.refused)} not picked — {shown}{more}"

    @property
    def toggles(self) -> list["Asset | PickableAsset"]:
        """Every named asset's Pick toggle: as Argil describes it, or (gone) by its id."""
        gone = [PickableAsset(id=r.asset_id, name=None) for r in self.refused if r.gone]
        return [*self.assets, *gone]


def pick_assets(user, asset_ids: list[str]) -> Picked:
    """Pick several assets at once: ask Argil about each (exports.assets_or_none, several at a
    time), then add the READY ones in the order given. Argil's failure (other than a 404,
    which refuses that asset) raises its ArgilAPIError, and nothing is picked."""
    found = exports.assets_or_none(asset_ids)
    assets = [a for a in found if a is not None]
    gone = [
        Refusal(i, "", exports.FLAG_GONE, gone=True)
        for i, a in zip(asset_ids, found, strict=True)
        if a is None
    ]
    result = add_picks(user, assets)
    return replace(result, refused=(*gone, *result.refused), assets=tuple(assets))


def add_pick(user, asset: Asset) -> Pick:
    """Put an asset (as Argil just described it) on the current board; no-op if it is there.

    Raises PickRefused for an asset that is not READY, or a full board.
    """
    result = add_picks(user, [asset])
    if result.refused:
        raise PickRefused(result.refused[0].reason)
    return result.picks[0]


def add_picks(user, assets: Iterable[Asset]) -> Picked:
    """Put assets (as Argil just described them) on the current board, in the order given, in
    one transaction. Those not READY, and those beyond the board's limit, are refused; those
    already on the board stay where they are."""
    assets = list(assets)
    refused: list[Refusal] = []
    wanted: dict[str, Asset] = {}
    for asset in assets:
        reason = blocked_reason(asset.status)
        if reason:
            refused.append(Refusal(asset.id.lower(), asset.name or "", reason))
        else:
            wanted.setdefault(asset.id.lower(), asset)
    if not wanted:  # nothing to pick: no board is made for it
        return Picked(board=current_board(user), refused=tuple(refused))
    with transaction.atomic():
        board = ensure_current_board(user)
        # Row lock (PostgreSQL): picks on one board are added one at a time, so the limit and
        # the positions hold under concurrent clicks. SQLite serialises writes anyway.
        board = Board.objects.select_for_update().get(pk=board.pk)
        stats = board.picks.aggregate(count=Count("pk"), last=Max("position"))
        present = set(board.picks.filter(asset_id__in=wanted).values_list("asset_id", flat=True))
        room = MAX_PICKS - stats["count"]
        position = 0 if stats["last"] is None else stats["last"] + 1
        new: list[Pick] = []
        for asset_id, asset in wanted.items():
            if asset_id in present:
                continue
            if len(new) >= room:
                refused.append(Refusal(asset_id, asset.name or "", full_message(board)))
                continue
            thumbnail = clean_line(http_url(asset.thumbnail_url))
            new.append(
                Pick(
                    board=board,
                    asset_id=asset_id,
                    asset_type=asset.type.value,
                    name=clean_line(asset.name or "")[:ASSET_NAME_MAX_LENGTH],
                    thumbnail_url=thumbnail if len(thumbnail) <= URL_MAX_LENGTH else "",
                    position=position + len(new),
                )
            )
        # ignore_conflicts: the same asset, picked in another tab a moment ago, stays one pick.
        Pick.objects.bulk_create(new, ignore_conflicts=True)
        if new:
            _touch(board)
        picks = tuple(board.picks.filter(asset_id__in=wanted))
    return Picked(board=board, picks=picks, added=len(new), refused=tuple(refused))


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


def remove_picks(board: Board, pick_ids: Iterable[int]) -> list[Pick]:
    """Take these picks off the board in one go; returns those removed (unsaved). Ids no longer
    on the board (removed in another tab) are skipped: removing is done either way."""
    with transaction.atomic():
        picks = list(board.picks.filter(pk__in=list(pick_ids)))
        if picks:
            board.picks.filter(pk__in=[p.pk for p in picks]).delete()
            _touch(board)
    return picks


def mark_missing(export: exports.BoardExport) -> int:
    """Remember on each pick what its owner's export found: the reason it was left out (gone,
    or no longer READY), or nothing. The tray then marks those picks and offers to remove them.
    Only for the board's owner: another editor's export of a shared board changes nothing.
    Returns how many picks changed their mark."""
    found = {f.pick.pk: f.reason[:MISSING_REASON_MAX_LENGTH] for f in export.flagged}
    found |= {e.pick.pk: "" for e in export.ready}
    changed = []
    for pick in Pick.objects.filter(board=export.board, pk__in=list(found)):
        if pick.missing_reason != found[pick.pk]:
            pick.missing_reason = found[pick.pk]
            changed.append(pick)
    Pick.objects.bulk_update(changed, ["missing_reason"])
    return len(changed)


class StaleMove(Exception):  # noqa: N818 (reads as what happened)
    """The picks to move are not (all) on the board any more: it changed in another tab."""

    message = "That pick is no longer on this board (it changed elsewhere): here is its order now."


def move_pick(pick: Pick, direction: MoveTarget) -> bool:
    """Move one pick a step, to either end, or to a place (1 = top). False if nothing moved."""
    return move_picks(pick.board, [pick.pk], direction)


def move_picks(board: Board, pick_ids: Iterable[int], to: MoveTarget) -> bool:
    """Move picks together (in their board order, as one block) a step up or down, to the top
    or the bottom, or so the block starts at place ``to`` (1 = top; past the end = bottom).

    One transaction, one bulk_update of the positions that changed (renumbered 0..n-1), however
    far they go. Raises StaleMove if any of them is not on the board. False if nothing moved.
    """
    wanted = set(pick_ids)
    with transaction.atomic():
        board = Board.objects.select_for_update().get(pk=board.pk)
        picks = list(board.picks.all())
        if not wanted or not wanted <= {p.pk for p in picks}:
            raise StaleMove()
        first = next(i for i, p in enumerate(picks) if p.pk in wanted)
        block = [p for p in picks if p.pk in wanted]
        rest = [p for p in picks if p.pk not in wanted]
        match to:
            case "top":
                index = 0
            case "bottom":
                index = len(rest)
            case "up":
                index = first - 1
            case "down":
                index = first + 1
            case int():
                index = to - 1
            case _:
                raise ValueError(f"not a place to move to: {to!r}")
        index = max(0, min(index, len(rest)))
        ordered = rest[:index] + block + rest[index:]
        changed = []
        for position, each in enumerate(ordered):
            if each.position != position:
                each.position = position
                changed.append(each)
        if [p.pk for p in ordered] == [p.pk for p in picks]:
            Pick.objects.bulk_update(changed, ["position"])  # normalise gaps, if any
            return False
        Pick.objects.bulk_update(changed, ["position"])
        _touch(board)
    return True


def set_note(pick: Pick, note: str) -> None:
    pick.note = clean_text(note)
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
