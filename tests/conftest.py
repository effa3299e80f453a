"""Shared fixtures: real loopback servers for the upstream, editors, and the key-leak guard."""

import logging

import pytest
from django.conf import settings as django_settings

from argil_dashboard.settings import content_security_policy
from argil_sandbox import SandboxConfig, start_sandbox
from tests import key_leak_guard

pytest_plugins = ["tests.fake_api"]


@pytest.fixture(scope="session")
def sandbox():
    """The built-in stand-in of the Argil API, on loopback, for the whole session."""
    config = SandboxConfig(processing_seconds=1.0)
    with start_sandbox(api_key=django_settings.ARGIL_API_KEY, config=config) as running:
        yield running


@pytest.fixture
def use_sandbox(settings, sandbox):
    settings.ARGIL_API_BASE_URL = sandbox.base_url
    settings.SECURE_CSP = content_security_policy(sandbox.base_url)
    return sandbox


@pytest.fixture
def use_fake_api(settings, fake_api):
    settings.ARGIL_API_BASE_URL = fake_api.url
    settings.ARGIL_API_TIMEOUT = 0.5
    return fake_api


@pytest.fixture
def editor(django_user_model):
    return django_user_model.objects.create_user("maya", password="cut-to-black-42")


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture(autouse=True)
def _cache_cleared():
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _key_never_leaks(caplog):
    """Every test fails if any response or log line it produced carries the API key."""
    key_leak_guard.leaks.clear()
    caplog.set_level(logging.DEBUG)
    yield
    key = django_settings.ARGIL_API_KEY
    assert not key_leak_guard.leaks, key_leak_guard.leaks
    assert not [r for r in caplog.records if key and key in r.getMessage()]
