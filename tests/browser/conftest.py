"""Browser tests: Playwright driving Debian's Chromium against the live server and the sandbox.

A missing browser is a failure, not a skip: CI installs it (.ci/run).
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Page

# Playwright's sync API runs an event loop in the test thread; the ORM calls our fixtures make
# would otherwise raise SynchronousOnlyOperation. Tests only, never in production.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install chromium"
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        # --no-sandbox: CI runs as root. The rest keep Chromium off the closed network.
        "args": [
            "--no-sandbox",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-gpu",
        ],
    }


@pytest.fixture
def app_url(live_server, use_sandbox) -> str:
    return live_server.url


# Chromium logs every 4xx/5xx answer as a console error; error states answer so on purpose, and a
# broken static file or thumbnail is caught by the failed-resource check below instead.
EXPECTED_CONSOLE_NOISE = "Failed to load resource: the server responded with a status of"
PAGE_RESOURCES = {"script", "stylesheet", "image", "media", "font"}


@pytest.fixture
def console_errors(page: Page) -> Iterator[list[str]]:
    """Console errors, CSP violations and broken page resources fail the test: under a strict
    CSP they are silent to the editor."""
    errors: list[str] = []

    def on_console(msg):
        if msg.type == "error" and EXPECTED_CONSOLE_NOISE not in msg.text:
            errors.append(msg.text)

    def on_response(response):
        kind = response.request.resource_type
        if kind in PAGE_RESOURCES and response.status >= 400:
            errors.append(f"{kind} {response.url} answered {response.status}")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("response", on_response)
    yield errors
    assert not errors, errors


@pytest.fixture
def logged_in_page(page: Page, app_url, client, editor, console_errors) -> Page:
    """A page whose context carries a logged-in editor's session cookie."""
    client.force_login(editor)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": app_url}]
    )
    return page
