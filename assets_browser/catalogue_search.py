"""Search, sort and counts over the catalogue (the local copy of Argil's asset list).

`fold()` is the one folding rule: the sync worker stores `fold(name)` as `search_name`, and a
search folds the editor's words the same way, so both sides always agree.
"""

from __future__ import annotations

import logging
import math
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from html import escape

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Case, Count, Q, QuerySet, Value, When
from django.utils.safestring import SafeString, mark_safe

from .api import Asset, AssetPage, AssetStatus, AssetType
from .browse_query import SEARCH_MAX_WORDS, BrowseQuery
from .media_filters import duration_ordering, matching, not_known
from .media_query import DURATION_SORTS
from .models import ASSET_NAME_MAX_LENGTH, CatalogueAsset, SyncState

logger = logging.getLogger(__name__)

# Latin letters that carry their mark in the letter itself, so NFKD leaves them whole; an editor
# typing "lodz" or "oresund" expects "Łódź" and "Øresund".
_UNDECOMPOSED = str.maketrans(
    {"ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ı": "i", "ŀ": "l", "æ": "ae", "œ": "oe", "þ": "th"}
)


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    folded = unicodedata.normalize("NFKD", char.casefold())
    return "".join(c for c in folded if not unicodedata.combining(c)).translate(_UNDECOMPOSED)


def fold(text: str) -> str:
    """`text` case- and accent-folded, runs of white space made one space and the ends trimmed:
    "  Hárbour DRONE —  Łódź " -> "harbour drone — lodz" (so names sort by their first letter).

    Folds one character at a time (the same result as folding the whole string, since combining
    marks are dropped), so a match in the folded text maps back to the original characters for
    highlighting. Capped at the `search_name` column's length: "ß" -> "ss" and ligatures grow.
    """
    return " ".join("".join(map(_fold_char, text)).split())[:ASSET_NAME_MAX_LENGTH]


# --- The editor's words ----------------------------------------------------------------------

# SQLite's trigram index answers words of this length and more; shorter ones are a LIKE scan.
TRIGRAM = 3


def search_terms(q: str) -> tuple[str, ...]:
    """The folded, distinct words of a search, in the order typed: "Drone  HARBOUR drone" ->
    ("drone", "harbour")."""
    return tuple(dict.fromkeys(fold(q).split()))[:SEARCH_MAX_WORDS]


def highlight(name: str, terms: tuple[str, ...]) -> SafeString:
    """`name` escaped, with every part that matches one of the folded `terms` in <mark>.

    Matches are found in the folded name, one folded character (or several: "ß" -> "ss") per
    original character, and marked on the original characters, so "Café" shows "<mark>Café</mark>"
    for "cafe". Escaped by construction: every piece of the name goes through html.escape.
    """
    folded_chars = [_fold_char(char) for char in name]
    owner: list[int] = []  # for each folded character, the index of the name's character
    for index, piece in enumerate(folded_chars):
        owner.extend([index] * len(piece))
    folded = "".join(folded_chars)
    marked = [False] * len(name)
    for term in terms:
        start = folded.find(term)
        while start != -1:
            for position in range(start, start + len(term)):
                marked[owner[position]] = True
            start = folded.find(term, start + 1)
    pieces, index = [], 0
    while index < len(name):
        end = index
        while end < len(name) and marked[end] == marked[index]:
            end += 1
        text = escape(name[index:end])
        pieces.append(f"<mark>{text}</mark>" if marked[index] else text)
        index = end
    return mark_safe("".join(pieces))  # every piece escaped above


# --- The catalogue's state -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CatalogueState:
    """How complete and fresh the catalogue is, for the browse page's status line."""

    total: int  # assets in the catalogue
    last_synced_at: datetime | None
    last_full_pass_at: datetime | None
    pass_started_at: datetime | None
    pass_seen: int = 0
    pass_expected: int = 0

    @property
    def is_ready(self) -> bool:
        """A first full pass has finished: searching gives whole answers."""
        return self.last_full_pass_at is not None

    @property
    def is_syncing(self) -> bool:
        return self.pass_started_at is not None

    @property
    def progress_percent(self) -> int:
        if not self.pass_expected:
            return 0
        return min(99, self.pass_seen * 100 // self.pass_expected)

    @property
    def synced_at(self) -> datetime | None:
        return self.last_synced_at or self.last_full_pass_at

    @property
    def age_seconds(self) -> int | None:
        if self.synced_at is None:
            return None
        return max(0, int((datetime.now(UTC) - self.synced_at).total_seconds()))

    @property
    def age_words(self) -> str:
        """ "12 s ago", "2 min ago", "3 h ago", "4 days ago" (never "never": see is_ready)."""
        seconds = self.age_seconds
        if seconds is None:
            return "never"
        if seconds < 60:
            return f"{seconds} s ago"
        if seconds < 3600:
            return f"{seconds // 60} min ago"
        if seconds < 2 * 86400:
            return f"{seconds // 3600} h ago"
        return f"{seconds // 86400} days ago"


NOT_SYNCED = CatalogueState(0, None, None, None)


def catalogue_state() -> CatalogueState:
    """The sync's progress (one query) and, once a first pass is done, the catalogue's size
    (catalogue_counts: reused a few seconds)."""
    state = SyncState.objects.filter(pk=1).first()
    if state is None:
        return NOT_SYNCED
    ready = state.last_full_pass_at is not None
    return CatalogueState(
        total=sum(catalogue_counts().values()) if ready else 0,
        last_synced_at=state.last_synced_at,
        last_full_pass_at=state.last_full_pass_at,
        pass_started_at=state.pass_started_at,
        pass_seen=state.pass_seen,
        pass_expected=state.pass_expected,
    )


# Counts per (status, type) of the whole catalogue change only as the sync writes; one GROUP BY
# over 100,000 rows is worth reusing for this long (the status line says "synced N s ago").
COUNTS_TTL = 10
_COUNTS_KEY = "catalogue:counts:v1"


def catalogue_counts() -> dict[tuple[str, str], int]:
    """Assets per (status, type) in the whole catalogue: one GROUP BY, reused COUNTS_TTL s."""
    try:
        counts = cache.get(_COUNTS_KEY)
    except Exception:  # the cache is down: count anyway, as pages fail open elsewhere
        logger.warning("cache unavailable for catalogue counts", exc_info=True)
        counts = None
    if counts is None:
        rows = CatalogueAsset.objects.values_list("status", "type").annotate(n=Count("pk"))
        counts = {(status, type_): n for status, type_, n in rows.order_by()}
        try:
            cache.set(_COUNTS_KEY, counts, COUNTS_TTL)
        except Exception:
            logger.warning("cache unavailable for catalogue counts", exc_info=True)
    return counts


# --- Search and sort -------------------------------------------------------------------------

_TABLE = CatalogueAsset._meta.db_table
FTS_TABLE = "assets_browser_catalogue_fts"  # SQLite only: made by migration 0006_catalogue_search


def _like(term: str, *, prefix: bool = False) -> str:
    """A LIKE pattern (ESCAPE '\\') matching `term` literally: inside a name, or at its start."""
    literal = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{literal}%" if prefix else f"%{literal}%"


def _matching(rows: QuerySet, terms: tuple[str, ...]) -> QuerySet:
    """`rows` whose folded name contains every term, as literal text (% and _ included).
    PostgreSQL's trigram index serves each LIKE '%term%' (`contains` escapes % and _)."""
    for term in terms:
        rows = rows.filter(search_name__contains=term)
    return rows


def _ordering(query: BrowseQuery, terms: tuple[str, ...]) -> list:
    if query.sort == "name":
        return ["search_name", "id"]
    if query.sort == "oldest":
        return ["created_at", "id"]
    if query.sort == "newest" or not terms:
        return ["-created_at", "-id"]
    # Best match: names that start with one of the words first, then the newest.
    starts = Q()
    for term in terms:
        starts |= Q(search_name__startswith=term)
    return [Case(When(starts, then=Value(0)), default=Value(1)).asc(), "-created_at", "-id"]


# A search is written out in SQL: one statement for its counts and its page (see search()),
# and, on SQLite, plans pinned: without statistics (nothing runs ANALYZE) SQLite's planner
# takes `status = ?` for a selective index and walks all 80,000 READY rows of the wrong index.
# Instead:
# - a word of 3+ characters: the trigram index finds the candidates, looked up by rowid
#   (`+status`: never through a status index);
# - only shorter words: one pass over the covering name index (status, search_name, type,
#   created_at, id), never touching the table.
# Every word is also checked with LIKE, so a stale trigram index could only miss, never invent.


def _search_sql(query: BrowseQuery, terms: tuple[str, ...], *, types: bool):
    """FROM ... WHERE ... and its parameters, for the query's status, search and (`types`)
    ticked types. On PostgreSQL, plain: its planner has statistics, and its trigram index
    serves each LIKE."""
    long_terms = [t for t in terms if len(t) >= TRIGRAM]
    params: list = []
    if connection.vendor != "sqlite":
        sql = f'FROM "{_TABLE}" WHERE status = %s'
        params.append(query.status.value)
    elif long_terms:
        # One phrase per word, quotes doubled: FTS5 reads nothing in them as syntax.
        match = " AND ".join('"' + t.replace('"', '""') + '"' for t in long_terms)
        sql = (
            f'FROM "{_TABLE}" WHERE rowid IN (SELECT rowid FROM {FTS_TABLE} '
            f"WHERE {FTS_TABLE} MATCH %s) AND +status = %s"
        )
        params += [match, query.status.value]
    else:
        sql = f'FROM "{_TABLE}" INDEXED BY catalogue_by_name WHERE status = %s'
        params.append(query.status.value)
    for term in terms:
        sql += " AND search_name LIKE %s ESCAPE '\\'"
        params.append(_like(term))
    if types and query.types:
        plus = "+" if connection.vendor == "sqlite" else ""  # SQLite: never a type index
        sql += f" AND {plus}type IN ({', '.join(['%s'] * len(query.types))})"
        params += [t.value for t in query.types]
    return sql, params


def _order_sql(query: BrowseQuery, terms: tuple[str, ...]):
    if query.sort == "name":
        return "search_name, id", []
    if query.sort == "oldest":
        return "created_at, id", []
    if query.sort == "newest":
        return "created_at DESC, id DESC", []
    starts = " OR ".join("search_name LIKE %s ESCAPE '\\'" for _ in terms)
    return (
        f"CASE WHEN {starts} THEN 0 ELSE 1 END, created_at DESC, id DESC",
        [_like(t, prefix=True) for t in terms],
    )


def _fetch(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@dataclass(frozen=True, slots=True)
class TypeOption:
    """A type checkbox: its value, its words, and how many assets it would show (None: the
    catalogue cannot say yet)."""

    value: str
    label: str
    count: int | None


def type_options(labels: dict[AssetType, str], counts: dict[str, int] | None) -> list[TypeOption]:
    return [
        TypeOption(t.value, label, None if counts is None else counts.get(t.value, 0))
        for t, label in labels.items()
    ]


def matching_counts(query: BrowseQuery) -> dict[str, int]:
    """Assets per type for the query's status and search (all types: for the checkboxes)."""
    terms = search_terms(query.q)
    if not terms:
        counts = catalogue_counts()
        return {t: n for (status, t), n in counts.items() if status == query.status.value}
    sql, params = _search_sql(query, terms, types=False)
    sql = f"SELECT type, COUNT(*) {sql} GROUP BY type"
    if connection.vendor == "sqlite" or any(len(t) >= TRIGRAM for t in terms):
        return dict(_fetch(sql, params))
    return dict(_fetch_in_memory(sql, params))


# PostgreSQL's default random_page_cost (4) prices an index page as a disk seek. The catalogue
# is small and read all day, so its pages are in memory, where a random read costs what a
# sequential one does (1.1: the usual setting for SSDs and cached data).
IN_MEMORY_PAGE_COST = "1.1"


def _fetch_in_memory(sql: str, params: list) -> list[tuple]:
    """PostgreSQL: `sql` planned with IN_MEMORY_PAGE_COST, for this statement only.

    Counting a search of 1-2 character words reads every name of the status (no trigram
    index helps). With the default page cost the planner reads the table (about 3,200 pages
    at 100,000 assets, 6,400 once a full pass has rewritten every row) rather than the
    narrow catalogue_name_pattern index (1,300 pages, migration 0009), though the index-only
    scan takes 10-13 ms where the table takes 21-76 ms. The planner still weighs the
    visibility map: where the table's pages are not known all-visible (a pass rewrote them
    and VACUUM has not run yet), an index-only scan would visit the table anyway, and it
    keeps to the table scan.
    """
    nested = connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL random_page_cost = {IN_MEMORY_PAGE_COST}")
        cursor.execute(sql, params)
        rows = cursor.fetchall()
        if nested:  # the caller's transaction goes on: its statements keep the default
            cursor.execute("SET LOCAL random_page_cost TO DEFAULT")
    return rows


def search(query: BrowseQuery) -> tuple[AssetPage, dict[str, int]]:
    """One page of the query's assets from the catalogue, shaped like Argil's own pages, and
    the counts per type for its status and search (the page's total is their sum over the
    ticked types: no COUNT of its own).

    A search is one statement: the matches are found once (materialized), then counted per
    type and ordered for the page, so a common word costs one pass, not two. Except with only
    words of 1-2 characters, where no trigram index helps and materializing a large share of
    the catalogue costs more than counting and paging apart: on SQLite two passes over the
    covering name index; on PostgreSQL the counts from an index-only scan, then the page by
    the date index (_short_words_best_match).
    """
    if query.media.is_set or query.sort in DURATION_SORTS:
        return _media_search(query)
    terms = search_terms(query.q)
    offset = (query.page - 1) * query.page_size
    sqlite = connection.vendor == "sqlite"
    if terms and any(len(t) >= TRIGRAM for t in terms):
        where, params = _search_sql(query, terms, types=False)
        order, order_params = _order_sql(query, terms)
        ticked = ""
        if query.types:
            ticked = f"WHERE type IN ({', '.join(['%s'] * len(query.types))})"
        # Typed NULLs and an aliased subquery: what PostgreSQL needs, SQLite accepts.
        sql = (
            f"WITH matches AS MATERIALIZED (SELECT id, type, created_at, search_name {where}) "
            "SELECT type, COUNT(*), CAST(NULL AS VARCHAR(36)) FROM matches GROUP BY type "
            "UNION ALL SELECT * FROM (SELECT CAST(NULL AS VARCHAR(8)), CAST(NULL AS INTEGER), id "
            f"FROM matches {ticked} ORDER BY {order} LIMIT %s OFFSET %s) AS page"
        )
        found = _fetch(
            sql,
            [*params, *[t.value for t in query.types], *order_params, query.page_size, offset],
        )
        counts = {asset_type: n for asset_type, n, _ in found if asset_type is not None}
        ids = [asset_id for asset_type, _, asset_id in found if asset_type is None]
    else:
        counts = matching_counts(query)
        ids = []
        total = _total(query, counts)
        if offset < total and sqlite and terms:
            where, params = _search_sql(query, terms, types=True)
            order, order_params = _order_sql(query, terms)
            sql = f"SELECT id {where} ORDER BY {order} LIMIT %s OFFSET %s"
            found = _fetch(sql, [*params, *order_params, query.page_size, offset])
            ids = [asset_id for (asset_id,) in found]
        elif offset < total and terms and not query.sort:
            ids = _short_words_best_match(query, terms, offset)
        elif offset < total:
            rows = CatalogueAsset.objects.filter(status=query.status.value)
            if query.types:
                rows = rows.filter(type__in=[t.value for t in query.types])
            rows = _matching(rows, terms).order_by(*_ordering(query, terms))
            # Ids first (an index can answer), then the few rows of the page in full.
            ids = list(rows.values_list("id", flat=True)[offset : offset + query.page_size])
    return _page(query, ids, _total(query, counts)), counts


def _short_words_best_match(query: BrowseQuery, terms: tuple[str, ...], offset: int) -> list[str]:
    """PostgreSQL, only words of 1-2 characters, best match: the page's ids without ranking
    every match. The names starting with a word, newest first, then the others, newest first:
    each half walks the date index (catalogue_by_date) from the newest and stops at the page's
    end, so a common word ("h": 48,000 matches at 100,000 assets) reads a few dozen rows
    instead of sorting them all. A rare word walks further; the counts, found first, already
    said there is something to find."""
    where, params = _search_sql(query, terms, types=True)
    starts = " OR ".join("search_name LIKE %s ESCAPE '\\'" for _ in terms)
    prefixes = [_like(t, prefix=True) for t in terms]
    end = offset + query.page_size
    sql = (
        f"(SELECT id, 0 AS rank, created_at {where} AND ({starts}) "
        "ORDER BY created_at DESC, id DESC LIMIT %s) UNION ALL "
        f"(SELECT id, 1, created_at {where} AND NOT ({starts}) "
        "ORDER BY created_at DESC, id DESC LIMIT %s) "
        "ORDER BY rank, created_at DESC, id DESC LIMIT %s OFFSET %s"
    )
    found = _fetch(sql, [*params, *prefixes, end, *params, *prefixes, end, query.page_size, offset])
    return [asset_id for asset_id, _, _ in found]


def _page(query: BrowseQuery, ids: list[str], total: int) -> AssetPage:
    """The page of these ids, in this order, shaped like Argil's (the same cards and pager)."""
    by_id = {row.id: row for row in CatalogueAsset.objects.filter(pk__in=ids)} if ids else {}
    return AssetPage(
        items=tuple(as_asset(by_id[i]) for i in ids if i in by_id),
        number=query.page,
        per_page=query.page_size,
        total=total,
        num_pages=math.ceil(total / query.page_size),
    )


def _searched(query: BrowseQuery) -> QuerySet:
    """The query's status and search, every type."""
    return _matching(
        CatalogueAsset.objects.filter(status=query.status.value), search_terms(query.q)
    )


def _media_search(query: BrowseQuery) -> tuple[AssetPage, dict[str, int]]:
    """search() with a media filter or the duration sort, through the ORM: the status and
    duration index (catalogue_by_duration) narrows it; words are matched with LIKE."""
    rows = matching(_searched(query), query.media)
    counts = dict(rows.values_list("type").annotate(n=Count("pk")).order_by())
    if query.types:
        rows = rows.filter(type__in=[t.value for t in query.types])
    if query.sort in DURATION_SORTS:
        order = duration_ordering(query.sort)
    else:
        order = _ordering(query, search_terms(query.q))
    offset = (query.page - 1) * query.page_size
    total = _total(query, counts)
    ids = []
    if offset < total:
        ids = list(
            rows.order_by(*order).values_list("id", flat=True)[offset : offset + query.page_size]
        )
    return _page(query, ids, total), counts


def unmeasured_count(query: BrowseQuery) -> int:
    """Assets of the query (status, search, ticked types) whose media facts are not known yet:
    a media filter cannot place them, so the page says how many it leaves out."""
    rows = not_known(_searched(query))
    if query.types:
        rows = rows.filter(type__in=[t.value for t in query.types])
    return rows.count()


def _total(query: BrowseQuery, counts: dict[str, int]) -> int:
    types = [t.value for t in query.types] or [t.value for t in AssetType]
    return sum(counts.get(t, 0) for t in types)


@dataclass(frozen=True, slots=True)
class BrowseCatalogue:
    """What the browse page takes from the catalogue."""

    state: CatalogueState
    type_options: list[TypeOption]
    page: AssetPage | None = None  # a search's or a sort's results; None: not answering
    terms: tuple[str, ...] = ()  # the search's folded words, to mark in the titles


def for_browse(query: BrowseQuery, type_labels: dict[AssetType, str]) -> BrowseCatalogue:
    """The catalogue's part of a browse page: its state and the counts per type always (cheap:
    one row, and the whole catalogue's counts reused a few seconds), and with a search or a
    sort, once a first pass has finished, the results. Before that, no counts and no results:
    half a catalogue would hide what the editor is looking for."""
    state = catalogue_state()
    if not state.is_ready:
        return BrowseCatalogue(state, type_options(type_labels, None))
    if not query.uses_catalogue:
        return BrowseCatalogue(state, type_options(type_labels, matching_counts(query)))
    page, counts = search(query)
    return BrowseCatalogue(state, type_options(type_labels, counts), page, search_terms(query.q))


def as_asset(row: CatalogueAsset) -> Asset:
    """A catalogue row as the Asset the cards, pager and preview already render."""
    return Asset(
        id=row.id,
        name=row.name or None,
        type=AssetType(row.type),
        status=AssetStatus(row.status),
        file_url=row.file_url or None,
        thumbnail_url=row.thumbnail_url or None,
        created_at=row.created_at,
    )


def catalogue_copy(asset_id: str) -> Asset | None:
    """The catalogue's copy of one asset (for a preview while Argil is down), if it has one."""
    row = CatalogueAsset.objects.filter(pk=asset_id.lower()).first()
    return as_asset(row) if row is not None else None
