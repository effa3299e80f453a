"""The part of Argil's POST /videos body a board's export fills, as the tests check it."""

import re


def assert_post_videos_body(payload) -> None:
    """The shape of the part of a POST /videos body the export fills: moments (each an avatarId,
    exactly one of transcript or audioUrl, an UPLOAD broll) and an optional backgroundMusic."""
    assert set(payload) <= {"moments", "backgroundMusic"}
    assert isinstance(payload["moments"], list)
    for moment in payload["moments"]:
        assert set(moment) == {"transcript", "avatarId", "broll"}
        assert isinstance(moment["avatarId"], str)
        assert isinstance(moment["transcript"], str)  # one of transcript / audioUrl
        assert moment["broll"]["type"] == "UPLOAD"
        assert set(moment["broll"]) == {"type", "assetId"}
        assert re.fullmatch(r"[0-9a-f-]{36}", moment["broll"]["assetId"])
    if "backgroundMusic" in payload:
        music = payload["backgroundMusic"]
        assert set(music) == {"assetId", "volume"}
        assert 0 <= music["volume"] <= 1
