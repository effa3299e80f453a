"""Login is required everywhere but login and /healthz: the proxy is no open door to the key."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.testdata import HTMX, LISBON

pytestmark = pytest.mark.django_db

PUBLIC = {"login", "assets_browser:healthz"}
SAMPLE_ARGS = {"asset_id": LISBON, "board_id": 1, "pick_id": 1}


def named_urls(resolver=None, namespace=""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin":
                continue  # the admin guards itself (staff only)
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from named_urls(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            args = {name: SAMPLE_ARGS[name] for name in entry.pattern.regex.groupindex}
            yield f"{namespace}{entry.name}", args


PROTECTED = [(name, args) for name, args in named_urls() if name not in PUBLIC]


def test_every_view_is_covered():
    assert len(PROTECTED) >= 1


@pytest.mark.parametrize(("name", "kwargs"), PROTECTED, ids=[n for n, _ in PROTECTED])
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_requests_go_to_login(client, name, kwargs, method):
    url = reverse(name, kwargs=kwargs)
    response = getattr(client, method)(url)
    if name == "logout":
        assert response.status_code in {302, 405}
        return
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


def test_htmx_request_from_expired_session_redirects_the_whole_page(client):
    response = client.get(
        reverse("assets_browser:browse") + "?type=VIDEO",
        headers={**HTMX, "HX-Current-URL": "http://testserver/?type=VIDEO"},
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/login/?next=/%3Ftype%3DVIDEO"


def test_healthz_answers_without_login_and_never_shows_the_key(client, settings):
    response = client.get(reverse("assets_browser:healthz"))
    assert response.status_code == 200
    assert response.json()["upstream_configured"] is True
    assert settings.ARGIL_API_KEY not in response.content.decode()


def test_login_then_browse(client, editor, use_sandbox):
    response = client.post(
        reverse("login"), {"username": "maya", "password": "cut-to-black-42"}, follow=True
    )
    assert response.status_code == 200
    assert "Showing 1–20 of" in response.content.decode()


def test_logout_is_a_csrf_protected_post(editor, use_sandbox):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(editor)
    assert strict.post(reverse("logout")).status_code == 403
    assert strict.get(reverse("logout")).status_code == 405
