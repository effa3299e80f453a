"""Search, sort and counts from the catalogue: folding, matching, ranking, the browse view in
catalogue mode (page and fragment), validation, plain browsing left alone, Argil down.

Rows are written straight into the catalogue (the sync worker's job is tested elsewhere), with
names an editor's library really has: accents, scripts, markup, % and _.
"""

import re
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from argil_sandbox.library import generate_seed_assets
from assets_browser.browse_query import SEARCH_MAX_CHARS
from assets_browser.catalogue_search import fold, highlight, search_terms
from assets_browser.models import CatalogueAsset, SyncState
from tests.catalogue_data import NOW, row, synced
from tests.testdata import HTMX

BROWSE = reverse("assets_browser:browse")

pytestmark = pytest.mark.django_db


def seed_rows(size, seed=3):
    """The sandbox's seed library as catalogue rows (what a full sync pass would store)."""
    return [
        CatalogueAsset(
            id=a.id,
            name=a.name or "",
            search_name=fold(a.name or ""),
            type=a.type.value,
            status=a.status.value,
            created_at=datetime.fromisoformat(a.created_at),
            seen_at=NOW,
        )
        for a in generate_seed_assets(size, seed)
    ]


def titles(response):
    """The card titles of a page, markup removed, in order."""
    html = response.content.decode()
    found = re.findall(r'<h2 class="card-title" title="[^"]*"><a [^>]*>(.*?)</a></h2>', html)
    return [re.sub(r"</?mark>", "", t) for t in found]


def search(client, querystring, htmx=False):
    return client.get(BROWSE + querystring, headers=HTMX if htmx else {})


# --- Folding and highlighting --------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "folded"),
    [
        ("Café à São Paulo — 夜景", "cafe a sao paulo — 夜景"),
        ("STRASSE straße", "strasse strasse"),
        ("Łódź, Øresund, Æbleskiver", "lodz, oresund, aebleskiver"),
        ("  Harbour   drone\tdusk ", "harbour drone dusk"),
        ("ＦＵＬＬ width ﬁlm", "full width film"),
        ("cafe\u0301 (combining accent)", "cafe (combining accent)"),
    ],
)
def test_fold_is_case_and_accent_blind(name, folded):
    assert fold(name) == folded


def test_fold_fits_the_column_even_when_folding_grows_a_name():
    assert len(fold("ß" * 256)) == 256


def test_search_terms_are_folded_distinct_words_in_order():
    assert search_terms("Drone  HARBOUR drone Ünder") == ("drone", "harbour", "under")


def test_highlight_marks_the_original_characters_and_escapes_everything():
    assert highlight("Café <b>crème</b>", ("cafe", "creme")) == (
        "<mark>Café</mark> &lt;b&gt;<mark>crème</mark>&lt;/b&gt;"
    )
    assert highlight("Straße", ("ss",)) == "Stra<mark>ß</mark>e"
    assert highlight('"quotes" & co', ("co",)) == "&quot;quotes&quot; &amp; <mark>co</mark>"
    assert highlight("dusk dusk", ("dusk",)) == "<mark>dusk</mark> <mark>dusk</mark>"


# --- Matching ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("drone harbour", ["Harbour drone — dusk", "Drone over the harbour"]),  # every word
        ("HARBOUR", ["Harbour drone — dusk", "Drone over the harbour"]),  # case
        ("cafe sao", ["Café à São Paulo — 夜景"]),  # accents, both ways
        ("Café", ["Café à São Paulo — 夜景"]),
        ("夜景", ["Café à São Paulo — 夜景"]),  # scripts without spaces: substring
        ("غروب", ["غروب الشمس على البحر"]),
        ("lodz", ["Łódź old town"]),
        ("100%", ["100% organic lemons"]),  # % is a character, not a wildcard
        ("0%", ["100% organic lemons"]),
        ("_v2", ["IMG_v2 export"]),  # _ too
        ("g_", ["IMG_v2 export"]),
        ("4k", ["Aerial glacier — 4K"]),  # short words: the LIKE path
        ("4k aerial", ["Aerial glacier — 4K"]),  # short and long together
        ("<img", ["<img src=x onerror=alert(1)>"]),
        ('"quoted', ['"quoted" & <b>tags</b>']),  # a quote is not FTS syntax
        ("harbour zebra", []),  # one word missing: nothing
        ("\\raw", ["D:\\raw\\take 3"]),  # and so is the backslash
        ("raw\\t", ["D:\\raw\\take 3"]),
    ],
)
def test_search_matches_every_word_as_a_literal_substring(editor_client, q, expected):
    synced(
        row("Harbour drone — dusk", age_days=1),
        row("Drone over the harbour", age_days=2),
        row("Drone over the hills", age_days=3),
        row("Café à São Paulo — 夜景", "IMAGE"),
        row("غروب الشمس على البحر"),
        row("Łódź old town", "IMAGE"),
        row("100% organic lemons", "IMAGE"),
        row("1000 lemons", "IMAGE"),
        row("IMG_v2 export", "IMAGE"),
        row("IMGxv2 export", "IMAGE"),
        row("Aerial glacier — 4K"),
        row("<img src=x onerror=alert(1)>"),
        row('"quoted" & <b>tags</b>'),
        row("D:\\raw\\take 3"),
        row("D:/raw/take 4"),
    )
    response = editor_client.get(BROWSE, {"q": q})
    assert response.status_code == 200
    assert sorted(titles(response)) == sorted(
        name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
        for name in expected
    )


def test_search_marks_the_matched_words_escaped(editor_client):
    synced(row('Café <script>alert("x")</script> harbour'))
    html = editor_client.get(BROWSE, {"q": "cafe harb"}).content.decode()
    assert (
        "<mark>Café</mark> &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; <mark>harb</mark>our"
        in html
    )
    assert "<script>alert" not in html


def test_search_sees_a_rename_and_forgets_a_deletion(editor_client):
    # The sync renames with an upsert and deletes rows: the substring index follows both.
    old, gone = synced(row("Harbour at dawn"), row("Harbour at dusk"))
    CatalogueAsset.objects.filter(pk=old.pk).update(
        name="Lighthouse at dawn", search_name=fold("Lighthouse at dawn")
    )
    CatalogueAsset.objects.filter(pk=gone.pk).delete()
    assert titles(editor_client.get(BROWSE, {"q": "harbour"})) == []
    assert titles(editor_client.get(BROWSE, {"q": "lighthouse"})) == ["Lighthouse at dawn"]


# --- Ranking and sorts ---------------------------------------------------------------------


def test_best_match_puts_names_starting_with_a_word_first_then_newest(editor_client):
    synced(
        row("Aerial: harbour at dawn", age_days=1),
        row("Harbour cranes", age_days=5),
        row("Old harbour", age_days=2),
        row("Harbour at night", age_days=3),
    )
    assert titles(editor_client.get(BROWSE, {"q": "harbour"})) == [
        "Harbour at night",
        "Harbour cranes",
        "Aerial: harbour at dawn",
        "Old harbour",
    ]


def test_best_match_of_short_words_pages_through_starts_then_the_rest(editor_client):
    # Words of 1-2 characters take their own path on PostgreSQL (the starting names, then the
    # others, each newest first): page 2 begins inside the second half.
    synced(
        row("4K drone reel", age_days=3),
        row("4k timelapse", "IMAGE", age_days=7),
        *[row(f"Harbour clip {n:02} — 4K", age_days=n / 10) for n in range(21)],
        row("4K harbour, failed", status="FAILED"),
        row("Harbour clip 8k"),
    )
    first = editor_client.get(BROWSE, {"q": "4k"})
    html = first.content.decode()
    assert titles(first) == [
        "4K drone reel",
        "4k timelapse",
        *[f"Harbour clip {n:02} — 4K" for n in range(18)],
    ]
    assert (_count(html, "VIDEO"), _count(html, "IMAGE"), _count(html, "AUDIO")) == ("22", "1", "0")
    assert "Showing 1–20 of 23" in html
    second = editor_client.get(BROWSE, {"q": "4k", "page": 2})
    assert titles(second) == [f"Harbour clip {n:02} — 4K" for n in range(18, 21)]
    videos = editor_client.get(BROWSE, {"q": "4k", "type": "VIDEO", "page": 2})
    assert titles(videos) == [f"Harbour clip {n:02} — 4K" for n in range(19, 21)]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("_", ["_intro", "IMG_1"]),  # starts with a literal _, not with any character
        ("%", ["%done", "50% off"]),
        ("ha v", ["Vase by the harbour", "Harbour view", "Shaved ice"]),  # starts with either word
    ],
)
def test_best_match_of_short_words_takes_them_literally(editor_client, q, expected):
    synced(
        row("_intro", age_days=3),
        row("IMG_1", age_days=1),
        row("%done", age_days=4),
        row("50% off", age_days=2),
        row("Shaved ice", age_days=0),
        row("Harbour view", age_days=6),
        row("Vase by the harbour", age_days=5),
        row("Intro", age_days=0),
    )
    assert titles(editor_client.get(BROWSE, {"q": q})) == expected


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("newest", ["Émile at the café", "zebra crossing", "Ebb tide", "apple orchard"]),
        ("oldest", ["apple orchard", "Ebb tide", "zebra crossing", "Émile at the café"]),
        ("name", ["apple orchard", "Ebb tide", "Émile at the café", "zebra crossing"]),
    ],
)
def test_sorts_without_a_search(editor_client, sort, expected):
    synced(
        row("apple orchard", age_days=4),
        row("Ebb tide", age_days=3),
        row("zebra crossing", age_days=2),
        row("Émile at the café", age_days=1),
    )
    response = editor_client.get(BROWSE, {"sort": sort})
    assert response.status_code == 200
    assert titles(response) == expected


def test_name_sort_breaks_ties_by_id_so_pages_never_repeat(editor_client):
    rows = [row("Same name", id=f"00000000-0000-4000-8000-{n:012d}") for n in (9, 3, 7)]
    synced(*rows)
    html = editor_client.get(BROWSE, {"sort": "name"}).content.decode()
    ids = re.findall(r'data-asset-id="([^"]+)"', html)
    assert ids == sorted(ids)


def test_search_with_a_sort_sorts_the_matches(editor_client):
    synced(
        row("Harbour b", age_days=1),
        row("A harbour", age_days=2),
        row("Dune", age_days=3),
    )
    assert titles(editor_client.get(BROWSE, {"q": "harbour", "sort": "oldest"})) == [
        "A harbour",
        "Harbour b",
    ]


# --- Filters, paging, counts ---------------------------------------------------------------


def test_search_combines_with_type_status_and_paging(editor_client):
    synced(
        *[row(f"Harbour clip {n:02}", age_days=n) for n in range(25)],
        *[row(f"Harbour photo {n}", "IMAGE", age_days=n) for n in range(3)],
        row("Harbour clip that failed", status="FAILED"),
    )
    page2 = editor_client.get(BROWSE, {"q": "harbour", "type": "VIDEO", "page": 2})
    html = page2.content.decode()
    assert page2.status_code == 200
    assert titles(page2) == [f"Harbour clip {n:02}" for n in range(20, 25)]
    assert "Showing 21–25 of 25" in html
    failed = editor_client.get(BROWSE, {"q": "harbour", "status": "FAILED"})
    assert titles(failed) == ["Harbour clip that failed"]


def test_search_past_the_last_page_is_a_404_with_a_way_back(editor_client):
    synced(row("Harbour drone"))
    response = editor_client.get(BROWSE, {"q": "harbour", "page": 3})
    assert response.status_code == 404
    assert "There is no page 3" in response.content.decode()


def _count(html, asset_type):
    match = re.search(rf'id="type-count-{asset_type}"[^>]*>([^<]*)<', html)
    return match.group(1) if match else None


def test_type_counts_follow_the_status_and_search_not_the_ticked_types(editor_client):
    synced(
        *[row(f"Harbour clip {n}") for n in range(3)],
        row("Harbour photo", "IMAGE"),
        row("Forest photo", "IMAGE"),
        row("Harbour clip, failed", status="FAILED"),
    )
    html = editor_client.get(BROWSE, {"q": "harbour", "type": "IMAGE"}).content.decode()
    assert (_count(html, "VIDEO"), _count(html, "IMAGE"), _count(html, "AUDIO")) == ("3", "1", "0")
    assert "Showing 1–1 of 1" in html


def test_type_counts_use_thousands_separators(editor_client):
    synced(*seed_rows(3500))
    html = editor_client.get(BROWSE, {"sort": "newest"}).content.decode()
    expected = CatalogueAsset.objects.filter(status="READY", type="VIDEO").count()
    assert expected > 999
    assert _count(html, "VIDEO") == f"{expected:,}"


def test_fragment_swaps_the_counts_and_status_line_out_of_band(editor_client):
    synced(row("Harbour drone"), row("Harbour still", "IMAGE"), row("Forest", "IMAGE"))
    html = editor_client.get(BROWSE, {"q": "harbour"}, headers=HTMX).content.decode()
    assert re.search(r'id="type-count-IMAGE" hx-swap-oob="true">1<', html)
    assert re.search(r'id="catalogue-status" class="[^"]*" hx-swap-oob="true"', html)
    assert "<title>" not in html


# --- Page and fragment ---------------------------------------------------------------------


@pytest.mark.parametrize("htmx", [False, True])
def test_search_renders_page_or_fragment_and_says_where_results_come_from(editor_client, htmx):
    synced(row("Harbour drone — dusk"), seconds_ago=125)
    response = search(editor_client, "?q=harbour", htmx=htmx)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="results"' in html
    assert re.search(r"From the catalogue, synced <time [^>]*>2 min ago</time>", html)
    assert ("<title>" in html) is not htmx
    assert ('id="filters"' in html) is not htmx
    assert "HX-Request" in response["Vary"]
    assert "private" in response["Cache-Control"]


def test_search_fragment_pushes_the_canonical_url(editor_client):
    synced(row("Harbour drone"))
    response = search(editor_client, "?pageSize=20&q=++Harbour+++drone+&sort=&junk=1", htmx=True)
    assert response["HX-Push-Url"] == BROWSE + "?q=Harbour+drone"


def test_full_page_keeps_the_search_in_the_form(editor_client):
    synced(row("Harbour drone"))
    html = editor_client.get(BROWSE, {"q": 'harbour "dusk"', "sort": "name"}).content.decode()
    assert 'name="q" value="harbour &quot;dusk&quot;"' in html
    assert '<option value="name" selected>' in html
    assert "<title>Ready assets matching “harbour &quot;dusk&quot;” ·" in html


def test_search_status_line_on_the_page(editor_client):
    synced(*[row(f"Clip {n}") for n in range(3)], row("Track", "AUDIO", status="FAILED"))
    html = editor_client.get(BROWSE).content.decode()
    assert "Catalogue: 4 assets, synced 12 s ago" in html


# --- Validation ----------------------------------------------------------------------------


@pytest.mark.parametrize("htmx", [False, True])
def test_very_long_search_is_cut_with_a_notice(editor_client, htmx):
    synced(row("Harbour drone"))
    response = search(editor_client, "?q=harbour+" + "x" * 5000, htmx=htmx)
    html = response.content.decode()
    assert response.status_code == 200
    assert f"Searches are cut at {SEARCH_MAX_CHARS} characters" in html


def test_too_many_words_are_cut_with_a_notice(editor_client):
    synced(row("a b c d e f g h i j"))
    response = editor_client.get(BROWSE, {"q": "a b c d e f g h i j"})
    assert "Only the first 8 words are searched." in response.content.decode()
    assert titles(response) == ["a b c d e f g h i j"]


@pytest.mark.parametrize(
    ("querystring", "found"),
    [
        ("?q=harbour%00drone", ["Harbour drone"]),  # NUL: PostgreSQL would refuse it
        ("?q=%00", None),  # nothing left: plain browsing
        ("?q=harbour%1b%07", ["Harbour drone"]),
        ("?q=%ED%A0%80harbour", []),  # not UTF-8: decoded with a replacement character
    ],
)
def test_control_characters_and_broken_text_never_reach_the_database(
    editor_client, use_fake_api, querystring, found
):
    synced(row("Harbour drone"))
    response = editor_client.get(BROWSE + querystring)
    assert response.status_code == 200
    if found is not None:
        assert titles(response) == found


def test_unknown_sort_says_so_and_uses_the_default(editor_client, use_fake_api):
    synced(row("Harbour drone"))
    response = editor_client.get(BROWSE, {"sort": "popular"})
    assert response.status_code == 200
    assert "Sort must be one of newest, oldest, name" in response.content.decode()
    assert len(use_fake_api.requests) == 1  # no sort left: plain browsing, live


def test_blank_search_is_plain_browsing(editor_client, use_fake_api):
    synced(row("Harbour drone"))
    editor_client.get(BROWSE, {"q": "   "})
    assert len(use_fake_api.requests) == 1


# --- No catalogue yet ----------------------------------------------------------------------


@pytest.mark.parametrize("htmx", [False, True])
def test_search_before_the_first_pass_says_it_is_unavailable(editor_client, use_fake_api, htmx):
    response = search(editor_client, "?q=harbour", htmx=htmx)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Search is not available yet" in html
    assert "search is unavailable until the first pass finishes" in html
    assert use_fake_api.requests == []


def test_search_during_the_first_pass_shows_its_progress(editor_client):
    SyncState.objects.create(
        pk=1, pass_started_at=datetime.now(UTC), pass_seen=370, pass_expected=1000
    )
    CatalogueAsset.objects.bulk_create([row("Harbour drone")])
    html = editor_client.get(BROWSE, {"q": "harbour"}).content.decode()
    assert "The catalogue is syncing (37%)" in html
    assert "Harbour drone" not in html  # half a catalogue would miss what the editor wants


# --- Plain browsing stays the live proxy ---------------------------------------------------


def test_plain_browsing_asks_argil_as_before_and_reads_no_catalogue_rows(
    editor_client, use_fake_api
):
    synced(row("Harbour drone"))
    with CaptureQueriesContext(connection) as queries:
        response = editor_client.get(BROWSE + "?type=VIDEO&page=2")
    assert response.status_code == 200
    sent = use_fake_api.requests[-1]
    assert len(use_fake_api.requests) == 1
    assert sent.query == {"type": ["VIDEO"], "status": ["READY"], "page": ["2"], "pageSize": ["20"]}
    catalogue_reads = [q["sql"] for q in queries if "catalogueasset" in q["sql"]]
    # Only the counts per status and type (for the checkboxes) and the media facts' progress
    # (two counts, for the status line), each reused for a while.
    assert len(catalogue_reads) == 3
    assert "GROUP BY" in catalogue_reads[0]
    with CaptureQueriesContext(connection) as queries:
        editor_client.get(BROWSE + "?type=VIDEO&page=2")
    assert not [q for q in queries if "catalogueasset" in q["sql"]]


def test_plain_browsing_without_a_catalogue_shows_no_counts(editor_client, use_sandbox):
    html = editor_client.get(BROWSE).content.decode()
    assert _count(html, "VIDEO") == ""
    assert "Catalogue not synced yet" in html


# --- Argil down ----------------------------------------------------------------------------


def test_search_and_sort_keep_working_while_argil_is_down(editor_client, use_fake_api):
    use_fake_api.default(503, {"error": "down"})
    synced(row("Harbour drone", age_days=1), row("Harbour still", "IMAGE", age_days=2))
    searched = editor_client.get(BROWSE, {"q": "harbour"})
    sorted_ = editor_client.get(BROWSE, {"sort": "oldest"})
    assert searched.status_code == sorted_.status_code == 200
    assert titles(searched) == ["Harbour drone", "Harbour still"]
    assert titles(sorted_) == ["Harbour still", "Harbour drone"]
    assert use_fake_api.requests == []


@pytest.mark.parametrize("htmx", [False, True])
def test_preview_while_argil_is_down_shows_the_catalogue_copy_marked(
    editor_client, use_fake_api, htmx
):
    use_fake_api.default(503, {"error": "down"})
    (clip,) = synced(row("Harbour drone — dusk"), seconds_ago=300)
    url = reverse("assets_browser:asset_detail", args=[clip.id])
    response = editor_client.get(url, headers=HTMX if htmx else {})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Harbour drone — dusk" in html
    assert re.search(r"From the catalogue, synced <time [^>]*>5 min ago</time>", html)
    assert f"https://cdn.example.com/{clip.id}.webm" in html


def test_preview_of_an_asset_argil_says_is_gone_is_still_a_404(editor_client, use_fake_api):
    (clip,) = synced(row("Harbour drone — dusk"))
    use_fake_api.default(404, {"error": "not found"})
    url = reverse("assets_browser:asset_detail", args=[clip.id])
    assert editor_client.get(url).status_code == 404


def test_preview_while_argil_is_down_and_not_in_the_catalogue_is_the_error(
    editor_client, use_fake_api
):
    use_fake_api.default(503, {"error": "down"})
    synced(row("Something else"))
    url = reverse("assets_browser:asset_detail", args=["5b0c6f0e-2f64-4c1e-9a57-0f7a4c1f1a01"])
    response = editor_client.get(url)
    assert response.status_code == 502
    assert "From the catalogue" not in response.content.decode()
