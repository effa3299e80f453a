"""One JSON log line per request, and WARNING lines for upstream failures; real loopback servers."""

import json
import logging

import pytest
from django.urls import reverse

from assets_browser import request_log
from assets_browser.api import ArgilClient, UpstreamCall
from assets_browser.request_log import JsonFormatter
from tests.testdata import asset, totals

BROWSE = reverse("assets_browser:browse")

pytestmark = pytest.mark.django_db


def request_lines(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "assets_browser.requests"]


def upstream_warnings(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "assets_browser.services"]


# The request line


def test_request_log_browse_line_has_its_fields(editor_client, editor, use_fake_api, caplog):
    use_fake_api.enqueue(200, [asset()], headers={**totals(), "X-Request-Id": "req_7Hq2"})
    response = editor_client.get(BROWSE + "?type=VIDEO&status=READY")
    [line] = request_lines(caplog)
    fields = line.fields
    assert response.status_code == 200
    assert line.levelname == "INFO"
    assert line.getMessage().startswith("GET /?type=VIDEO&status=READY 200 ")
    assert fields["method"] == "GET"
    assert fields["path"] == "/?type=VIDEO&status=READY"
    assert fields["status"] == 200
    assert fields["duration_ms"] > 0
    assert fields["user_id"] == editor.pk
    assert fields["upstream_calls"] == 1
    assert 0 < fields["upstream_ms"] <= fields["duration_ms"]
    assert fields["upstream_statuses"] == [200]
    assert fields["upstream_request_ids"] == ["req_7Hq2"]
    assert (fields["cache_hits"], fields["cache_misses"]) == (0, 1)


def test_request_log_counts_a_cache_hit_without_upstream_call(editor_client, use_fake_api, caplog):
    use_fake_api.enqueue(200, [asset()], headers=totals())
    editor_client.get(BROWSE)
    editor_client.get(BROWSE)
    first, second = (line.fields for line in request_lines(caplog))
    assert len(use_fake_api.requests) == 1
    assert (first["upstream_calls"], first["cache_hits"], first["cache_misses"]) == (1, 0, 1)
    assert (second["upstream_calls"], second["cache_hits"], second["cache_misses"]) == (0, 1, 0)
    assert second["upstream_ms"] == 0


def test_request_log_counts_the_calls_an_export_makes_at_once(
    editor_client, editor, use_fake_api, caplog
):
    """The export asks about its picks on worker threads; their calls are this request's."""
    from assets_browser import boards
    from assets_browser.models import Board, Pick

    board = Board.objects.create(owner=editor, name="Launch")
    ids = [f"5b0c6f0e-2f64-4c1e-9a57-0f7a4c1f1a0{n}" for n in range(3)]
    for position, asset_id in enumerate(ids):
        Pick.objects.create(board=board, asset_id=asset_id, asset_type="VIDEO", position=position)
        use_fake_api.answer(f"/v1/assets/{asset_id}", 200, asset(asset_id))
    boards.set_current(editor, board)
    url = reverse("assets_browser:board_export", kwargs={"board_id": board.pk})
    assert editor_client.get(url + "?format=json").status_code == 200
    [line] = request_lines(caplog)
    assert line.fields["upstream_calls"] == 3
    assert line.fields["upstream_statuses"] == [200, 200, 200]


def test_request_log_is_one_json_line_without_cookies(editor_client, use_fake_api, caplog):
    use_fake_api.enqueue(200, [asset()], headers=totals())
    editor_client.get(BROWSE + "?type=IMAGE", headers={"User-Agent": "EditorBrowser/1.0"})
    [line] = request_lines(caplog)
    text = JsonFormatter().format(line)
    data = json.loads(text)
    session_cookie = editor_client.cookies["sessionid"].value
    assert "\n" not in text
    assert data["level"] == "INFO"
    assert data["logger"] == "assets_browser.requests"
    assert data["path"] == "/?type=IMAGE"
    assert data["status"] == 200
    assert session_cookie not in text
    assert "EditorBrowser" not in text


def test_request_log_anonymous_redirect_has_no_user(client, caplog):
    response = client.get(BROWSE)
    [line] = request_lines(caplog)
    assert response.status_code == 302
    assert line.fields["status"] == 302
    assert line.fields["user_id"] is None
    assert line.fields["upstream_calls"] == 0


def test_request_log_upstream_failure_is_a_warning_line(editor_client, use_fake_api, caplog):
    use_fake_api.enqueue(503, {"message": "maintenance"}, headers={"X-Request-Id": "req_503a"})
    use_fake_api.default(503, {"message": "maintenance"}, headers={"X-Request-Id": "req_503b"})
    response = editor_client.get(BROWSE)
    [line] = request_lines(caplog)
    assert response.status_code == 502
    assert line.levelname == "WARNING"
    assert line.fields["status"] == 502
    assert line.fields["upstream_calls"] == 1  # one call, retried inside: 3 attempts
    assert line.fields["upstream_statuses"] == [503]


# Upstream failures


def test_upstream_error_is_logged_with_status_and_request_id(
    editor_client, use_fake_api, caplog, settings
):
    use_fake_api.enqueue(401, {"error": "invalid api key"}, headers={"X-Request-Id": "req_K3y"})
    editor_client.get(BROWSE + "?type=VIDEO")
    [warning] = upstream_warnings(caplog)
    text = JsonFormatter().format(warning)
    assert warning.levelname == "WARNING"
    assert warning.fields["upstream_status"] == 401
    assert warning.fields["upstream_request_id"] == "req_K3y"
    assert warning.fields["upstream_path"] == "/assets"
    assert warning.fields["error"] == "ArgilAuthError"
    assert "req_K3y" in warning.getMessage()
    assert use_fake_api.url not in text  # no upstream URL (nor query) on the line
    assert "type=VIDEO" not in text
    assert settings.ARGIL_API_KEY not in text


def test_upstream_timeout_is_logged_without_status(editor_client, use_fake_api, caplog):
    # The read timeout is 0.5 s here; a read timeout is not retried (Argil is stuck).
    use_fake_api.default(200, [], headers=totals(), delay=2)
    response = editor_client.get(BROWSE)
    [warning] = upstream_warnings(caplog)
    [line] = request_lines(caplog)
    assert response.status_code == 504
    assert warning.fields["upstream_status"] is None
    assert warning.fields["reason"] == "timeout"
    assert warning.fields["upstream_request_id"] is None
    assert line.fields["upstream_statuses"] == [None]
    assert line.fields["upstream_ms"] >= 500


# The collector and the client hook on their own


def test_record_functions_outside_a_request_do_nothing():
    # A client used outside a request (a management command, the export's threads without a
    # copied context) must not fail for want of a request to count on.
    request_log.record_upstream(0.2, 200, "req_1")
    request_log.record_cache(hit=True)


def test_client_hook_sees_every_call(fake_api):
    calls: list[UpstreamCall] = []
    fake_api.enqueue(200, asset(), headers={"X-Request-Id": "req_one"})
    fake_api.enqueue(404, {"message": "not found"}, headers={"X-Request-Id": "req_two"})
    with ArgilClient(base_url=fake_api.url, api_key="sk-hook", on_call=calls.append) as client:
        client.get_asset("5b0c6f0e-2f64-4c1e-9a57-0f7a4c1f1a01")
        with pytest.raises(Exception, match="not found"):
            client.get_asset("5b0c6f0e-2f64-4c1e-9a57-0f7a4c1f1a02")
    assert [(c.method, c.status, c.request_id) for c in calls] == [
        ("GET", 200, "req_one"),
        ("GET", 404, "req_two"),
    ]
    assert calls[0].path == "/assets/5b0c6f0e-2f64-4c1e-9a57-0f7a4c1f1a01"
    assert calls[0].error is None
    assert type(calls[1].error).__name__ == "ArgilNotFound"
