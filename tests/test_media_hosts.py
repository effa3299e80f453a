"""Thumbnails and media only from Argil's media hosts (ARGIL_MEDIA_HOSTS) in the CSP."""

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.checks import run_checks
from django.urls import reverse

from argil_dashboard.settings import content_security_policy

BASE_DIR = Path(__file__).resolve().parent.parent
BROWSE = reverse("assets_browser:browse")


def directive(csp: str, name: str) -> list[str]:
    found = next(d for d in csp.split(";") if d.strip().startswith(name + " "))
    return found.split()[1:]


def settings_in_subprocess(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ARGIL_")}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup();" + code],
        cwd=BASE_DIR,
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DJANGO_LOG_LEVEL": "ERROR",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.django_db
def test_csp_allows_media_only_from_the_configured_hosts(editor_client, use_fake_api, settings):
    settings.SECURE_CSP = content_security_policy(use_fake_api.url, ["https://cdn.argil.ai"])
    csp = editor_client.get(BROWSE)["Content-Security-Policy"]
    for name in ("img-src", "media-src"):
        assert directive(csp, name) == ["'self'", "https://cdn.argil.ai", use_fake_api.origin]


def test_csp_media_hosts_come_from_the_environment():
    code = "from django.conf import settings; print(' '.join(settings.SECURE_CSP['img-src']))"
    result = settings_in_subprocess(
        code,
        ARGIL_API_BASE_URL="https://api.argil.ai/v1",
        ARGIL_MEDIA_HOSTS="https://cdn.argil.ai, https://media.argil.ai:8443/",
    )
    assert result.stdout.strip().splitlines()[-1] == (
        "'self' https://cdn.argil.ai https://media.argil.ai:8443 https://api.argil.ai"
    )


def test_csp_without_media_hosts_allows_no_other_host():
    code = "from django.conf import settings; print(' '.join(settings.SECURE_CSP['media-src']))"
    result = settings_in_subprocess(code, ARGIL_API_BASE_URL="https://api.argil.ai/v1")
    assert result.stdout.strip().splitlines()[-1] == "'self' https://api.argil.ai"  # no https:


@pytest.mark.parametrize("value", ["*", "https:", "cdn.argil.ai", "https://cdn.argil.ai/media/"])
def test_media_hosts_refuse_anything_but_origins(value):
    result = settings_in_subprocess("", ARGIL_MEDIA_HOSTS=value)
    assert result.returncode != 0
    assert "ImproperlyConfigured: ARGIL_MEDIA_HOSTS holds" in result.stderr
    assert "e.g. https://cdn.argil.ai" in result.stderr


def test_check_warns_when_a_real_key_has_no_media_hosts(settings):
    settings.ARGIL_SANDBOX = False
    settings.ARGIL_MEDIA_HOSTS = []
    assert [m.id for m in run_checks()] == ["assets_browser.W001"]
    settings.ARGIL_MEDIA_HOSTS = ["https://cdn.argil.ai"]
    assert run_checks() == []
    settings.ARGIL_MEDIA_HOSTS = []
    settings.ARGIL_SANDBOX = True  # demo mode: the sandbox serves its own media
    assert run_checks() == []


@pytest.mark.django_db
def test_media_from_an_unlisted_host_is_named_in_the_log(editor_client, use_fake_api, caplog):
    item = {
        "id": "5b0c6f0e-2f64-4c1e-9a57-0f7a4c1f1a01",
        "name": "Drone flyover, Lisbon rooftops at dusk",
        "type": "VIDEO",
        "status": "READY",
        "fileUrl": "https://d111abcdef8.cloudfront.net/lisbon.webm",
        "thumbnailUrl": "https://d111abcdef8.cloudfront.net/lisbon.jpg",
        "createdAt": "2026-10-30T09:15:00Z",
    }
    use_fake_api.default(200, [item], headers={"X-Total-Count": "1"})
    with caplog.at_level(logging.WARNING, logger="assets_browser.services"):
        editor_client.get(BROWSE)
    named = [r.getMessage() for r in caplog.records if "ARGIL_MEDIA_HOSTS" in r.getMessage()]
    assert named == [
        "Argil sent media from https://d111abcdef8.cloudfront.net, which ARGIL_MEDIA_HOSTS does "
        "not list: the browser will block it (Content-Security-Policy). Add it if it is Argil's."
    ]
