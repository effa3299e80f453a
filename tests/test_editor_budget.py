"""Each editor's budget of calls to Argil, and what one misbehaving editor can cost the workspace.

Every upstream call is counted on the programmable fake (a real loopback server). The scenarios
are the abuse cases: status polls of many unknown ids, previews of random ids, repeated exports,
bursts of add-by-URL. Each is bounded by caching (404s, settled answers) and by the budget.
"""

import threading
import uuid

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from assets_browser import boards, editor_budget, services, upstream_cache
from assets_browser.models import Board, Pick
from tests.testdata import HTMX

pytestmark = pytest.mark.django_db

STATUS = reverse("assets_browser:asset_status")
CREATE = reverse("assets_browser:asset_create")
SLOW_DOWN = "Slow down"


def detail_url(asset_id: str) -> str:
    return reverse("assets_browser:asset_detail", kwargs={"asset_id": asset_id})


def asset(asset_id: str, status: str = "READY", type: str = "VIDEO") -> dict:
    return {
        "id": asset_id,
        "name": f"Harbour cranes at dawn ({asset_id[:4]})",
        "type": type,
        "status": status,
        "fileUrl": f"https://cdn.example.com/{asset_id}.webm",
        "thumbnailUrl": f"https://cdn.example.com/{asset_id}.jpg",
        "createdAt": "2026-10-30T09:15:00Z",
    }


def calls(fake, *, method: str = "GET", single: bool | None = None) -> int:
    """Upstream calls so far; ``single``: only GET /assets/<id> (True) or lists (False)."""
    found = [r for r in fake.requests if r.method == method]
    if single is not None:
        found = [r for r in found if r.path.startswith("/v1/assets/") == single]
    return len(found)


def within_budget(count: int, limit: int) -> bool:
    """``count`` calls let through for a budget of ``limit``: exactly that many, or one more when
    the test ran across the edge of a minute (the window slides: the earlier minute's calls
    weigh a little less each second)."""
    return limit <= count <= limit + 1


@pytest.fixture
def reads_per_minute(settings):
    settings.ARGIL_EDITOR_READS_PER_MINUTE = 20
    return 20


# The budget itself


def test_budget_concurrent_calls_never_pass_the_limit(editor, reads_per_minute):
    start = threading.Barrier(50)
    outcomes: list[bool] = []

    def call() -> None:
        start.wait()
        with editor_budget.as_editor(editor.pk):
            try:
                editor_budget.charge("reads")
            except editor_budget.EditorBudgetSpent:
                outcomes.append(False)
            else:
                outcomes.append(True)

    threads = [threading.Thread(target=call) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert within_budget(outcomes.count(True), reads_per_minute)


def test_budget_refusal_says_how_long_to_wait(editor, reads_per_minute):
    with editor_budget.as_editor(editor.pk):
        for _ in range(reads_per_minute):
            editor_budget.charge("reads")
        with pytest.raises(editor_budget.EditorBudgetSpent) as refused:
            editor_budget.charge("reads")
        editor_budget.charge("writes")  # a separate budget
    assert refused.value.kind == "reads"
    assert 1 <= refused.value.retry_after <= 2 * editor_budget.WINDOW


def test_budget_is_not_counted_outside_an_editor_request(reads_per_minute):
    for _ in range(reads_per_minute * 2):
        editor_budget.charge("reads")  # a management command, a worker: nothing to refuse


def test_budget_settings_defaults_are_generous(settings):
    from argil_dashboard import settings as project_settings

    assert project_settings.ARGIL_EDITOR_READS_PER_MINUTE == 120
    assert project_settings.ARGIL_EDITOR_WRITES_PER_MINUTE == 10


# Cache hits are free


def test_budget_cached_pages_are_free(editor_client, use_fake_api, reads_per_minute):
    use_fake_api.default(200, [asset(str(uuid.uuid4()))], headers={"X-Total-Count": "1"})
    statuses = {editor_client.get("/", headers=HTMX).status_code for _ in range(60)}
    assert statuses == {200}
    assert calls(use_fake_api) == 1


# Previews of random ids: 404s kept briefly, and the budget


def test_budget_previews_of_random_ids_stop_at_the_budget(
    editor_client, use_fake_api, reads_per_minute
):
    use_fake_api.default(404, {"error": "Asset not found"})
    responses = [editor_client.get(detail_url(str(uuid.uuid4())), headers=HTMX) for _ in range(30)]
    let_through = calls(use_fake_api)
    assert within_budget(let_through, reads_per_minute)  # was 30: one call each, no limit
    assert [r.status_code for r in responses] == [404] * let_through + [429] * (30 - let_through)
    refused = responses[-1]
    html = refused.content.decode()
    assert 'id="preview-title"' in html  # inside the dialog's swap target, as every problem is
    assert SLOW_DOWN in html
    assert f"Try again in {refused['Retry-After']} seconds" in html
    assert 1 <= int(refused["Retry-After"]) <= 120


def test_budget_the_same_unknown_id_costs_one_call(editor_client, use_fake_api):
    use_fake_api.default(404, {"error": "Asset not found"})
    unknown = str(uuid.uuid4())
    statuses = {editor_client.get(detail_url(unknown), headers=HTMX).status_code for _ in range(5)}
    assert statuses == {404}
    assert calls(use_fake_api) == 1


def test_budget_one_editor_spent_leaves_others_working(
    editor_client, use_fake_api, reads_per_minute, django_user_model
):
    use_fake_api.default(404, {"error": "Asset not found"})
    for _ in range(reads_per_minute + 1):
        editor_client.get(detail_url(str(uuid.uuid4())), headers=HTMX)
    colleague = Client()
    colleague.force_login(django_user_model.objects.create_user("jonas", password="x-cut-77!"))
    ready = str(uuid.uuid4())
    use_fake_api.answer(f"/v1/assets/{ready}", 200, asset(ready))
    assert colleague.get(detail_url(ready), headers=HTMX).status_code == 200
    assert editor_client.get(detail_url(ready), headers=HTMX).status_code == 200  # cached: free


# Status polls of many unknown ids


def test_budget_status_polls_of_unknown_ids_cost_a_few_calls(editor_client, use_fake_api):
    unknown = [str(uuid.uuid4()) for _ in range(100)]
    use_fake_api.default(404, {"error": "Asset not found"})
    use_fake_api.enqueue(200, [], headers={"X-Total-Count": "0"})  # the PROCESSING list
    for _ in range(3):
        assert editor_client.get(STATUS, {"id": unknown}).status_code == 200
    # Was 33 (1 + 10 a poll): the PROCESSING list is shared for a few seconds, the lookups are
    # capped, and ids found unknown are not asked about again for a minute.
    assert calls(use_fake_api, single=True) == services.STATUS_LOOKUPS_PER_POLL
    assert calls(use_fake_api, single=False) <= 3


def test_budget_status_polls_stop_at_the_budget(editor_client, use_fake_api, reads_per_minute):
    use_fake_api.default(404, {"error": "Asset not found"})
    use_fake_api.answer("/v1/assets", 200, [], headers={"X-Total-Count": "0"})
    responses = [
        editor_client.get(STATUS, {"id": [str(uuid.uuid4()) for _ in range(100)]})
        for _ in range(10)
    ]
    assert calls(use_fake_api) <= reads_per_minute + 1  # see within_budget
    assert responses[-1].status_code == 429
    assert 1 <= int(responses[-1]["Retry-After"]) <= 120


# Exports reuse answers from the last minute


def make_full_board(owner, picks: int) -> tuple[Board, list[str]]:
    board = Board.objects.create(owner=owner, name="Harbour film")
    ids = [str(uuid.uuid4()) for _ in range(picks)]
    Pick.objects.bulk_create(
        Pick(board=board, asset_id=i, asset_type="VIDEO", name="", position=n)
        for n, i in enumerate(ids)
    )
    boards.set_current(owner, board)
    return board, ids


def test_budget_full_board_exports_and_again_within_a_minute_for_free(
    editor_client, editor, use_fake_api
):
    board, ids = make_full_board(editor, boards.MAX_PICKS)
    for asset_id in ids:
        use_fake_api.answer(f"/v1/assets/{asset_id}", 200, asset(asset_id))
    export = reverse("assets_browser:board_export", kwargs={"board_id": board.pk})
    first = editor_client.get(export, {"format": "json"})
    assert first.status_code == 200  # 200 reads: more than a minute's 120, but it may finish
    assert first["X-Export-Excluded"] == "0"
    assert calls(use_fake_api) == boards.MAX_PICKS
    for asset_id in ids:  # half a minute later (previews reuse an answer for 10 s only)
        key = upstream_cache.asset_key(services._scope(), asset_id)
        entry = cache.get(key)
        entry["fetched_at"] -= 30
        cache.set(key, entry)
    again = editor_client.get(export, {"format": "csv"})
    assert again.status_code == 200
    assert calls(use_fake_api) == boards.MAX_PICKS  # was 2 x 199: the answers are reused
    # The export's debt is paid off before this editor's next uncached read.
    refused = editor_client.get(detail_url(str(uuid.uuid4())), headers=HTMX)
    assert refused.status_code == 429


def test_budget_export_refused_when_already_spent(
    editor_client, editor, use_fake_api, reads_per_minute
):
    board, _ = make_full_board(editor, 5)
    with editor_budget.as_editor(editor.pk):
        for _ in range(reads_per_minute):
            editor_budget.charge("reads")
    export = reverse("assets_browser:board_export", kwargs={"board_id": board.pk})
    response = editor_client.get(export, headers=HTMX)
    assert response.status_code == 429
    assert "Nothing was exported: slow down" in response.content.decode()
    assert "Retry-After" in response
    assert calls(use_fake_api) == 0


# Add B-roll by URL: the writes budget


def test_budget_add_by_url_bursts_stop_at_the_writes_budget(editor_client, use_fake_api):
    use_fake_api.default(201, asset(str(uuid.uuid4()), status="PROCESSING"))
    form = {"name": "Rooftop timelapse", "type": "VIDEO", "url": "https://files.example.com/a.mp4"}
    responses = [editor_client.post(CREATE, form, headers=HTMX) for _ in range(40)]
    let_through = calls(use_fake_api, method="POST")
    assert within_budget(let_through, 10)  # was 40
    assert [r.status_code for r in responses] == [200] * let_through + [429] * (40 - let_through)
    html = responses[-1].content.decode()
    assert '<form id="add-broll"' in html  # the form's own swap target
    assert "You have added a lot of B-roll in the last minute" in html
    assert "Retry-After" in responses[-1]


def test_budget_browse_spent_shows_slow_down_in_the_results(
    editor_client, use_fake_api, reads_per_minute
):
    use_fake_api.default(200, [], headers={"X-Total-Count": "0"})
    responses = [editor_client.get("/", {"page": page}, headers=HTMX) for page in range(1, 31)]
    assert within_budget(calls(use_fake_api), reads_per_minute)
    refused = responses[-1]
    html = refused.content.decode()
    assert refused.status_code == 429
    assert '<section id="results"' in html
    assert SLOW_DOWN in html
    assert int(refused["Retry-After"]) >= 1
