"""Boards for tests: one with picks (made as the views make them), the launch board's four picks,
Argil's answers for them, a board's order, and its export URL."""

from django.urls import reverse

from assets_browser import boards
from assets_browser.models import Board, Pick
from tests.testdata import HARBOUR, LISBON, SYNTH, TAIPEI, asset


def make_board(owner, name="Spring launch B-roll", *, current=True, picks=()):
    board = Board.objects.create(owner=owner, name=name)
    for position, (asset_id, asset_type, pick_name) in enumerate(picks):
        Pick.objects.create(
            board=board,
            asset_id=asset_id,
            asset_type=asset_type,
            name=pick_name,
            thumbnail_url=f"https://cdn.example.com/{asset_id[:8]}.jpg",
            position=position,
        )
    if current:
        boards.set_current(owner, board)
    return board


LAUNCH_PICKS = (
    (LISBON, "VIDEO", "Drone flyover, Lisbon rooftops at dusk"),
    (HARBOUR, "IMAGE", "Harbour cranes at dawn"),
    (TAIPEI, "VIDEO", "Night market, Taipei"),
    (SYNTH, "AUDIO", "Warm synth bed, 92 bpm"),
)


def order(board):
    return list(board.picks.values_list("asset_id", flat=True))


def answer_launch_assets(fake_api, picks=LAUNCH_PICKS, **overrides):
    """Argil's answers to the export's re-check, one GET per pick (asked several at once)."""
    for asset_id, asset_type, name in picks:
        answer = overrides.get(asset_id, (200, asset(asset_id, name, type=asset_type)))
        fake_api.answer(f"/v1/assets/{asset_id}", *answer)


def export_url(board, fmt=""):
    url = reverse("assets_browser:board_export", kwargs={"board_id": board.pk})
    return f"{url}?format={fmt}" if fmt else url
