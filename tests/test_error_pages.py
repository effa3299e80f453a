"""With DEBUG off, errors are plain-language pages: no traceback, no settings, never the key."""

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_unknown_url_gets_a_friendly_404(editor_client):
    response = editor_client.get("/no/such/page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in html
    assert "Back to the library" in html


def test_stale_csrf_token_explains_what_to_do(editor):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(editor)
    response = strict.post(reverse("assets_browser:board_create"), {"name": "Spring launch"})
    assert response.status_code == 403
    assert "This page is out of date" in response.content.decode()


def test_server_error_page_stands_alone(settings):
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "Something went wrong on our side" in html
    assert "Traceback" not in html


def test_bad_host_gets_the_400_page_not_a_crash(client):
    response = client.get("/", headers={"host": "evil.example.com"})
    assert response.status_code == 400
    assert "could not be understood" in response.content.decode()
