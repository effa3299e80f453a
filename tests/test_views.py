"""Browse view: page and fragment, validation, upstream states, safety; real loopback servers."""

import json

import pytest
from django.urls import reverse

from tests.testdata import HTMX, asset, totals

BROWSE = reverse("assets_browser:browse")

pytestmark = pytest.mark.django_db


# Full page and fragment


@pytest.mark.parametrize("htmx", [False, True])
def test_browse_renders_page_or_fragment(editor_client, use_sandbox, htmx):
    response = editor_client.get(BROWSE, headers=HTMX if htmx else {})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="results"' in html
    assert "Showing 1–20 of" in html
    assert html.count('class="card ') == 20
    assert ("<title>" in html) is not htmx
    assert ('id="filters"' in html) is not htmx


def test_browse_history_restore_gets_full_page(editor_client, use_sandbox):
    response = editor_client.get(BROWSE, headers={**HTMX, "HX-History-Restore-Request": "true"})
    assert "<title>" in response.content.decode()


def test_browse_varies_on_htmx_headers_and_is_private(editor_client, use_sandbox):
    response = editor_client.get(BROWSE)
    assert "HX-Request" in response["Vary"]
    assert "private" in response["Cache-Control"]


def test_browse_forwards_the_canonical_query(editor_client, use_fake_api):
    use_fake_api.enqueue(200, [asset()], headers=totals(total=41, page=2, page_size=20, pages=3))
    response = editor_client.get(BROWSE + "?type=VIDEO&type=IMAGE&status=READY&page=2&junk=1")
    sent = use_fake_api.requests[-1]
    assert response.status_code == 200
    assert sent.path.endswith("/assets")
    assert sent.query == {
        "type": ["IMAGE", "VIDEO"],
        "status": ["READY"],
        "page": ["2"],
        "pageSize": ["20"],
    }
    assert "junk" not in sent.query


# Validation: nothing invalid is forwarded, never a 500


@pytest.mark.parametrize(
    ("querystring", "forwarded", "notice"),
    [
        ("?type=SPREADSHEET", {"status": ["READY"]}, "Unknown asset types were ignored."),
        ("?type=VIDEO&type=<script>", {"type": ["VIDEO"]}, "Unknown asset types were ignored."),
        ("?status=DELETED", {"status": ["READY"]}, "Unknown status"),
        ("?status=READY&status=FAILED", {"status": ["READY"]}, "Unknown status"),
        ("?page=0", {"page": ["1"]}, "Page must be a whole number"),
        ("?page=-3", {"page": ["1"]}, "Page must be a whole number"),
        ("?page=two", {"page": ["1"]}, "Page must be a whole number"),
        ("?page=99999999999999999999", {"page": ["100000"]}, "Pages stop at 100,000."),
        ("?pageSize=37", {"pageSize": ["20"]}, "Page size must be one of 20, 50, 100."),
        ("?pageSize=1000000", {"pageSize": ["20"]}, "Page size must be one of"),
        ("?pageSize=%00", {"pageSize": ["20"]}, "Page size must be one of"),
    ],
)
def test_browse_corrects_bad_parameters(
    editor_client, use_fake_api, querystring, forwarded, notice
):
    use_fake_api.enqueue(200, [asset()], headers=totals())
    response = editor_client.get(BROWSE + querystring)
    sent = use_fake_api.requests[-1].query
    assert response.status_code == 200
    assert notice in response.content.decode()
    for name, values in forwarded.items():
        assert sent[name] == values
    for value in sent.get("type", []):
        assert value in {"AUDIO", "IMAGE", "VIDEO"}


def test_browse_page_past_the_last_links_to_the_last(editor_client, use_sandbox):
    response = editor_client.get(BROWSE + "?page=500")
    html = response.content.decode()
    assert response.status_code == 404
    assert "There is no page 500" in html
    assert "Go to the last page" in html


def test_browse_empty_result_offers_to_clear_filters(editor_client, use_fake_api):
    use_fake_api.enqueue(200, [], headers=totals(total=0, pages=0))
    response = editor_client.get(BROWSE + "?type=AUDIO&status=FAILED", headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "No failed audio" in html
    assert "Clear filters" in html


# Upstream states: rendered inside #results, with a status htmx is told to swap


@pytest.mark.parametrize(
    ("status", "body", "headers", "expected_status", "message"),
    [
        (401, {"code": 401, "message": "bad key"}, {}, 502, "check ARGIL_API_KEY"),
        (403, {"error": "forbidden"}, {}, 502, "check ARGIL_API_KEY"),
        (429, {"error": "slow down"}, {"Retry-After": "3600"}, 503, "Try again in 60 seconds"),
        (500, {"message": "boom"}, {}, 502, "could not be reached"),
        (200, {"not": "a list"}, {}, 502, "could not read"),
    ],
)
def test_browse_upstream_failure_states(
    editor_client, use_fake_api, status, body, headers, expected_status, message
):
    use_fake_api.default(status, body, headers=headers)
    response = editor_client.get(BROWSE, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == expected_status
    assert 'id="results"' in html
    assert message in html
    assert "Traceback" not in html
    assert "boom" not in html  # the upstream's own words never reach the page


def test_browse_upstream_timeout_offers_retry(editor_client, use_fake_api):
    use_fake_api.default(200, [asset()], headers=totals(), delay=3)
    response = editor_client.get(BROWSE + "?type=VIDEO", headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 504
    assert "did not answer in time" in html
    assert 'hx-get="?type=VIDEO"' in html


def test_browse_rate_limit_sets_retry_after(editor_client, use_fake_api):
    use_fake_api.default(429, {"error": "slow down"}, headers={"Retry-After": "45"})
    response = editor_client.get(BROWSE)
    assert response.status_code == 503
    assert response["Retry-After"] == "45"


def test_htmx_config_swaps_error_responses(editor_client, use_sandbox):
    html = editor_client.get(BROWSE).content.decode()
    start = html.index('name="htmx-config" content=\'') + len('name="htmx-config" content=\'')
    config = json.loads(html[start : html.index("'", start)])
    assert config["allowEval"] is False
    assert config["includeIndicatorStyles"] is False
    # Settling would copy style attributes, which style-src 'self' forbids (a CSP report).
    assert "style" not in config["attributesToSettle"]
    assert config["historyRestoreAsHxRequest"] is False
    assert {"code": "[45]..", "swap": True} in config["responseHandling"]


# Safety


XSS_NAME = '<img src=x onerror=alert(1)>"quoted" & <b>bold</b>'


@pytest.mark.parametrize(
    "bad_url",
    [
        "javascript:alert(1)",
        "data:image/svg+xml,<svg onload=alert(1)>",
        "/relative/x.jpg",
        "//evil",
    ],
)
def test_browse_escapes_names_and_drops_unsafe_urls(editor_client, use_fake_api, bad_url):
    use_fake_api.enqueue(
        200, [asset(name=XSS_NAME, thumbnailUrl=bad_url, fileUrl=bad_url)], headers=totals()
    )
    html = editor_client.get(BROWSE).content.decode()
    assert "<img src=x" not in html
    escaped = "&lt;img src=x onerror=alert(1)&gt;&quot;quoted&quot; &amp; &lt;b&gt;bold&lt;/b&gt;"
    assert escaped in html
    assert bad_url not in html
    assert 'class="glyph"' in html


def test_browse_null_and_empty_names_say_untitled(editor_client, use_fake_api):
    items = [asset(name=None, id="5b0c6f0e-2f64-4c1e-9a57-0f7a4c1f1a02"), asset(name="")]
    use_fake_api.enqueue(200, items, headers=totals(total=2))
    html = editor_client.get(BROWSE).content.decode()
    assert html.count(">Untitled</a></h2>") == 2
    assert html.count('alt="Untitled video thumbnail"') == 2


def test_browse_sends_strict_security_headers(editor_client, use_sandbox):
    response = editor_client.get(BROWSE)
    csp = response["Content-Security-Policy"]
    script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
    assert "'self'" in script_src
    assert "unsafe-inline" not in script_src
    assert "unsafe-eval" not in csp
    assert "style-src 'self'" in csp
    assert use_sandbox.origin in csp  # demo thumbnails come from the sandbox's origin
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_scripts_or_styles(editor_client, use_sandbox):
    html = editor_client.get(BROWSE).content.decode()
    assert "<script>" not in html
    assert " style=" not in html
    assert "<style" not in html
    assert " on" + "click=" not in html
