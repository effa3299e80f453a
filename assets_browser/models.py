"""What editors make and must not lose: boards of picked assets, and their own preferences.

Argil owns the assets; we keep only what an editor chose (the id) plus a snapshot of the name,
type and thumbnail at pick time, so a board renders without asking Argil. The export asks Argil
again (assets_browser/exports.py), because a snapshot can be stale.
"""

from typing import Self

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

from .labels import TYPE_LABELS

BOARD_NAME_MAX_LENGTH = 80
NOTE_MAX_LENGTH = 280  # a line for the edit: "open on this", "under the price reveal"
ASSET_NAME_MAX_LENGTH = 256  # Argil's own limit for a name
URL_MAX_LENGTH = 2048
MISSING_REASON_MAX_LENGTH = 80


class BoardQuerySet(models.QuerySet["Board"]):
    def owned_by(self, user) -> Self:
        """The editor's own boards: the only way views reach a board, so another editor's id
        is a 404."""
        return self.filter(owner=user)

    def viewable_by(self, user) -> Self:
        """What an editor may look at, export and duplicate: their own boards and those shared
        with the team. Never for a change: changes go through ``owned_by``."""
        return self.filter(models.Q(owner=user) | models.Q(shared=True))

    def shared_with(self, user) -> Self:
        """Boards other editors share with the team (Team boards)."""
        return self.filter(shared=True).exclude(owner=user)


class PickQuerySet(models.QuerySet["Pick"]):
    def owned_by(self, user) -> Self:
        """Picks on the editor's own boards (with their board)."""
        return self.filter(board__owner=user).select_related("board")

    def on_current_board_of(self, user) -> Self:
        """Picks on the board the editor's Pick toggles add to."""
        return self.filter(board__owner=user, board__current_for__user=user)


class Board(models.Model):
    """A named, ordered collection of picks ("Spring launch B-roll"), owned by one editor."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="boards"
    )
    name = models.CharField(max_length=BOARD_NAME_MAX_LENGTH)
    # Shared with the team: every editor of this deployment sees it under Team boards,
    # read-only (preview, export, duplicate); only the owner changes it.
    shared = models.BooleanField(default=False, help_text="Shown read-only to every editor.")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = BoardQuerySet.as_manager()

    class Meta:
        ordering = [Lower("name"), "pk"]
        constraints = [
            models.UniqueConstraint("owner", Lower("name"), name="board_name_unique_per_owner_ci"),
        ]

    def __str__(self) -> str:
        return self.name


class Pick(models.Model):
    """One asset on a board, in board order. Name and thumbnail are as they were at pick time."""

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="picks")
    asset_id = models.CharField(max_length=36, help_text="Argil's asset id (a UUID).")
    # The API's values, as the POST /videos export needs them.
    asset_type = models.CharField(
        max_length=5, choices=[(t.value, label) for t, label in TYPE_LABELS.items()]
    )
    name = models.CharField(max_length=ASSET_NAME_MAX_LENGTH, blank=True)
    thumbnail_url = models.URLField(max_length=URL_MAX_LENGTH, blank=True)
    position = models.PositiveIntegerField(default=0)
    note = models.CharField(max_length=NOTE_MAX_LENGTH, blank=True)
    # Why the owner's last export left it out (gone from Argil, or no longer READY); "" when it
    # was exported. The tray marks such picks and offers to remove them all at once.
    missing_reason = models.CharField(max_length=MISSING_REASON_MAX_LENGTH, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    objects = PickQuerySet.as_manager()

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["board", "asset_id"], name="pick_unique_per_board"),
        ]

    def __str__(self) -> str:
        return self.name or self.asset_id


class EditorProfile(models.Model):
    """One editor's dashboard state and preferences: the current board, and how the library looks
    to them (grid or list, thumbnail size, colour theme, the filters panel open or folded), so it
    looks the same on every device."""

    class Layout(models.TextChoices):
        GRID = "grid", "Grid"
        LIST = "list", "List"

    class ThumbSize(models.TextChoices):
        SMALL = "small", "Small"
        MEDIUM = "medium", "Medium"
        LARGE = "large", "Large"

    class Theme(models.TextChoices):
        AUTO = "auto", "Auto"  # follows the system's light or dark setting
        LIGHT = "light", "Light"
        DARK = "dark", "Dark"

    class Filters(models.TextChoices):
        OPEN = "open", "Open"
        COLLAPSED = "collapsed", "Collapsed"  # more room for the grid

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="editor_profile"
    )
    current_board = models.ForeignKey(
        Board,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="current_for",
        help_text="The board Pick adds to; always one of this editor's own.",
    )
    layout = models.CharField(max_length=4, choices=Layout.choices, default=Layout.GRID)
    thumb_size = models.CharField(max_length=6, choices=ThumbSize.choices, default=ThumbSize.MEDIUM)
    theme = models.CharField(max_length=5, choices=Theme.choices, default=Theme.AUTO)
    filters = models.CharField(max_length=9, choices=Filters.choices, default=Filters.OPEN)

    def __str__(self) -> str:
        return f"Profile of {self.user}"


class CatalogueAsset(models.Model):
    """One asset of the workspace as the sync worker last saw it in Argil's list.

    The catalogue answers "which assets match" for search, sort and media filters, which Argil's
    list cannot; what an editor then does with an asset (preview, pick, export) still asks Argil.
    Rows are written only by the sync worker (bulk upserts) and the media prober.
    """

    class Orientation(models.TextChoices):
        LANDSCAPE = "landscape"
        PORTRAIT = "portrait"
        SQUARE = "square"

    id = models.CharField(primary_key=True, max_length=36)  # Argil's uuid, lower case
    name = models.CharField(max_length=ASSET_NAME_MAX_LENGTH, blank=True)  # "" for a null name
    # The name case- and accent-folded, for substring search and a stable name sort.
    search_name = models.CharField(max_length=ASSET_NAME_MAX_LENGTH, blank=True)
    type = models.CharField(max_length=8)  # AUDIO, IMAGE, VIDEO
    status = models.CharField(max_length=12)  # PROCESSING, READY, FAILED
    file_url = models.CharField(max_length=URL_MAX_LENGTH, blank=True)
    thumbnail_url = models.CharField(max_length=URL_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField()
    # When a sync pass last saw this asset in Argil's list (deletions: not seen by a full pass).
    seen_at = models.DateTimeField()

    # Media facts, learnt from the file itself by the prober; null until probed or when unknown.
    probed_url = models.CharField(max_length=URL_MAX_LENGTH, blank=True)  # fileUrl probed
    probed_at = models.DateTimeField(null=True, blank=True)
    probe_error = models.CharField(max_length=200, blank=True)  # why the facts are unknown
    duration_seconds = models.FloatField(null=True, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    orientation = models.CharField(max_length=10, choices=Orientation, blank=True)
    frame_rate = models.FloatField(null=True, blank=True)
    codec = models.CharField(max_length=32, blank=True)
    file_format = models.CharField(max_length=32, blank=True)  # e.g. jpeg, png, mp4, ogg
    file_size = models.BigIntegerField(null=True, blank=True)  # bytes, when the server says

    class Meta:
        indexes = [
            models.Index(fields=["status", "type", "-created_at"], name="catalogue_browse"),
            # Covers a search's LIKE scan, its counts per type and the name sort without
            # reading the table (assets_browser/catalogue_search.py).
            models.Index(
                fields=["status", "search_name", "type", "created_at", "id"],
                name="catalogue_by_name",
            ),
            models.Index(fields=["status", "created_at", "id"], name="catalogue_by_date"),
            models.Index(fields=["status", "duration_seconds"], name="catalogue_by_duration"),
            models.Index(fields=["seen_at"], name="catalogue_seen"),
            # The prober's backlog, newest first: only the rows it still has to read, so finding
            # the next few stays cheap whatever the catalogue's size (and shrinks to nothing).
            models.Index(
                fields=["status", "-created_at"],  # status first: SQLite then picks it unanalysed
                name="catalogue_unprobed",
                condition=models.Q(status="READY")
                & ~models.Q(file_url="")
                & ~models.Q(probed_url=models.F("file_url")),
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.id


class SyncState(models.Model):
    """The sync worker's progress and history: one row (pk=1), read by the browse page and
    /healthz ("Catalogue: 84,211 assets, synced 12 s ago", "syncing: 37%")."""

    pass_started_at = models.DateTimeField(null=True, blank=True)  # the pass in progress, if any
    pass_seen = models.PositiveIntegerField(default=0)  # assets seen so far in that pass
    pass_expected = models.PositiveIntegerField(default=0)  # X-Total-Count summed per status
    last_full_pass_at = models.DateTimeField(null=True, blank=True)  # last complete pass ended
    last_synced_at = models.DateTimeField(null=True, blank=True)  # last successful read of any kind
    last_error = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"sync state (last full pass {self.last_full_pass_at})"


class SyncLease(models.Model):
    """Who may sync now: one row per job name, held by one process until `expires_at`.

    The holder renews it while it works; another process takes it only once it has expired, so
    exactly one sync runs across every machine sharing the database, and a crashed holder
    blocks the others for one lease at most. Times are the database's clock (`Now()`), so
    machines whose clocks disagree still agree on who holds it.
    """

    name = models.CharField(primary_key=True, max_length=40)  # e.g. "catalogue-sync"
    holder = models.CharField(max_length=200)  # host, pid and a random tag: never a secret
    acquired_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} held by {self.holder} until {self.expires_at}"
