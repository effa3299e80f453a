"""Concurrent writers on the configured database: 30 picks at once onto a nearly full board.

Runs against whatever DATABASE_URL says: the default file-based SQLite (tests/settings.py keeps
the test database in a file, as a server has it, not in shared memory) and PostgreSQL under
`make test-services`. Every answer must be the pick or the board's "full" refusal, never a 500
("database is locked"), and the board must end exactly full.
"""

import threading
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from assets_browser import boards
from assets_browser.models import Board, Pick
from tests.testdata import HTMX

CLICKS = 30
ALREADY_ON_BOARD = boards.MAX_PICKS - 10


def ready_asset(asset_id: str) -> dict:
    return {
        "id": asset_id,
        "name": f"Timelapse, harbour at dusk ({asset_id[:4]})",
        "type": "VIDEO",
        "status": "READY",
        "fileUrl": f"https://cdn.example.com/{asset_id}.webm",
        "thumbnailUrl": f"https://cdn.example.com/{asset_id}.jpg",
        "createdAt": "2026-10-30T09:15:00Z",
    }


@pytest.mark.django_db(transaction=True)  # the threads' own connections must see the board
def test_thirty_concurrent_picks_onto_a_nearly_full_board_never_answer_500(
    editor, use_fake_api, settings
):
    # What is under test is the database under 30 writers; the fake answers at once. Its 0.5 s
    # read timeout (use_fake_api) and a gunicorn process's few upstream slots would instead
    # turn a slow thread on a loaded machine into a 503 (seen once on a fresh-clone run).
    settings.ARGIL_API_TIMEOUT = 5
    settings.ARGIL_API_MAX_INFLIGHT = CLICKS
    board = Board.objects.create(owner=editor, name="Harbour film")
    Pick.objects.bulk_create(
        Pick(board=board, asset_id=str(uuid.uuid4()), asset_type="IMAGE", name="", position=n)
        for n in range(ALREADY_ON_BOARD)
    )
    boards.set_current(editor, board)
    new_ids = [str(uuid.uuid4()) for _ in range(CLICKS)]
    for asset_id in new_ids:
        use_fake_api.answer(f"/v1/assets/{asset_id}", 200, ready_asset(asset_id))
    clients = []
    for _ in range(CLICKS):
        client = Client(raise_request_exception=False)  # a 500 is an answer to count here
        client.force_login(editor)
        clients.append(client)
    start = threading.Barrier(CLICKS)
    statuses: list[int] = []

    def click(client: Client, asset_id: str) -> None:
        try:
            start.wait()
            url = reverse("assets_browser:pick_toggle", kwargs={"asset_id": asset_id})
            statuses.append(client.post(url, {"action": "add"}, headers=HTMX).status_code)
        finally:
            connection.close()  # this thread's own connection

    pairs = zip(clients, new_ids, strict=True)
    threads = [threading.Thread(target=click, args=pair) for pair in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [200] * 10 + [409] * 20
    assert board.picks.count() == boards.MAX_PICKS
