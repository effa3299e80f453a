"""The API key never reaches a log line: the filter installed on the handlers in settings.LOGGING
scrubs it from the message, the structured fields and tracebacks, in any of its encodings."""

import base64
import io
import json
import logging
from urllib.parse import quote

import pytest
from django.conf import settings
from django.urls import reverse

from tests.testdata import LISBON, asset

pytestmark = pytest.mark.django_db


@pytest.fixture
def console():
    """What the configured console handler writes, as text."""
    handler = logging.getHandlerByName("console")
    assert handler is not None
    stream = io.StringIO()
    old = handler.setStream(stream)
    yield stream
    handler.setStream(old)


def key_forms():
    key = settings.ARGIL_API_KEY
    return [key, key.upper(), base64.b64encode(key.encode()).decode(), quote(key, safe="")]


@pytest.mark.parametrize("form", range(4))
def test_the_key_is_scrubbed_from_messages_fields_and_tracebacks(console, form):
    leaked = key_forms()[form]
    log = logging.getLogger("assets_browser.anything")
    try:
        raise ValueError(f"upstream said {leaked}")
    except ValueError:
        log.exception("Argil echoed %s", leaked, extra={"fields": {"request_id": [leaked]}})
    written = console.getvalue()
    assert "[redacted]" in written
    for shape in key_forms():
        assert shape not in written


def test_a_request_id_that_echoes_the_key_never_reaches_the_request_log(
    editor_client, use_fake_api, console
):
    key = settings.ARGIL_API_KEY
    use_fake_api.default(200, asset(LISBON), headers={"X-Request-Id": key})
    url = reverse("assets_browser:asset_detail", kwargs={"asset_id": LISBON})
    assert editor_client.get(url).status_code == 200
    assert key not in console.getvalue()
    line = json.loads(console.getvalue().strip().splitlines()[-1])
    assert line["upstream_request_ids"] == []


def test_ordinary_lines_are_left_alone(console):
    logging.getLogger("assets_browser.anything").warning("%d assets in %s", 3, "Lisbon")
    assert "3 assets in Lisbon" in console.getvalue()
