"""Login throttling (django-axes): 5 wrong passwords lock one (username, address) pair out."""

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

LOGIN = reverse("login")
BROWSE = reverse("assets_browser:browse")
RIGHT = "cut-to-black-42"  # the editor fixture's password
WRONG = "cut-to-white-42"
OFFICE = "198.51.100.7"
CAFE = "203.0.113.50"

pytestmark = pytest.mark.django_db


def attempt(client, password, *, username="maya", address=OFFICE, forwarded_for=None):
    extra = {"REMOTE_ADDR": address}
    if forwarded_for is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def lock_out(client, **where):
    return [attempt(client, WRONG, **where) for _ in range(5)]


def is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session


# Lockout


def test_login_four_wrong_passwords_still_show_the_form(client, editor):
    responses = [attempt(client, WRONG) for _ in range(4)]
    assert [r.status_code for r in responses] == [200, 200, 200, 200]
    assert "did not match" in responses[-1].content.decode()


def test_login_fifth_wrong_password_locks_out_with_a_clear_page(client, editor):
    *_, fifth = lock_out(client)
    html = fifth.content.decode()
    assert fifth.status_code == 429
    assert fifth["Retry-After"] == "900"
    assert "<title>Log-in paused" in html
    assert "Log-in paused for 15 minutes" in html
    assert "5 wrong passwords" in html
    assert "<strong>maya</strong>" in html
    assert 'href="/login/"' in html


def test_login_lockout_escapes_the_username(client, editor):
    for _ in range(5):
        response = attempt(client, WRONG, username="<b>maya</b>")
    html = response.content.decode()
    assert response.status_code == 429
    assert "<b>maya</b>" not in html
    assert "&lt;b&gt;maya&lt;/b&gt;" in html


def test_login_right_password_refused_while_locked_out_until_reset(client, editor):
    lock_out(client)
    refused = attempt(client, RIGHT)
    assert refused.status_code == 429
    assert not is_logged_in(client)
    call_command("axes_reset_username", "maya")
    accepted = attempt(client, RIGHT)
    assert accepted.status_code == 302
    assert accepted["Location"] == BROWSE
    assert is_logged_in(client)


def test_login_lockout_ends_after_the_cool_off(client, editor):
    lock_out(client)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    response = attempt(client, RIGHT)
    assert response.status_code == 302
    assert is_logged_in(client)


def test_login_lockout_spares_another_address(client, editor):
    lock_out(client, address=OFFICE)
    response = attempt(client, RIGHT, address=CAFE)
    assert response.status_code == 302
    assert is_logged_in(client)


def test_login_lockout_spares_another_editor_at_the_same_address(client, editor, django_user_model):
    django_user_model.objects.create_user("jonas", password="jump-cut-7781")
    lock_out(client, username="maya")
    response = attempt(client, "jump-cut-7781", username="jonas")
    assert response.status_code == 302


def test_login_success_forgets_earlier_failures(client, editor):
    for _ in range(4):
        attempt(client, WRONG)
    assert attempt(client, RIGHT).status_code == 302
    client.logout()
    responses = [attempt(client, WRONG) for _ in range(4)]
    assert [r.status_code for r in responses] == [200, 200, 200, 200]


# Client addresses: REMOTE_ADDR alone, or X-Forwarded-For behind DJANGO_PROXY_COUNT proxies


def test_login_without_proxy_ignores_forwarded_for(client, editor):
    for number in range(5):  # a client that changes X-Forwarded-For on every try
        attempt(client, WRONG, forwarded_for=f"192.0.2.{number}")
    response = attempt(client, RIGHT, forwarded_for="192.0.2.99")
    assert response.status_code == 429


@pytest.fixture
def behind_one_proxy(settings):
    """What DJANGO_PROXY_COUNT=1 sets: one load balancer that appends to X-Forwarded-For."""
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    settings.AXES_IPWARE_PROXY_COUNT = 0
    return "10.0.0.2"  # the balancer: REMOTE_ADDR of every request


def test_login_behind_proxy_locks_the_forwarded_address_only(client, editor, behind_one_proxy):
    lock_out(client, address=behind_one_proxy, forwarded_for=OFFICE)
    locked = attempt(client, RIGHT, address=behind_one_proxy, forwarded_for=OFFICE)
    elsewhere = attempt(client, RIGHT, address=behind_one_proxy, forwarded_for=CAFE)
    assert locked.status_code == 429
    assert elsewhere.status_code == 302


def test_login_behind_proxy_ignores_what_the_client_forged(client, editor, behind_one_proxy):
    lock_out(client, address=behind_one_proxy, forwarded_for=OFFICE)
    # The client sent "X-Forwarded-For: 192.0.2.1"; the balancer appended the real address.
    response = attempt(
        client, RIGHT, address=behind_one_proxy, forwarded_for=f"192.0.2.1, {OFFICE}"
    )
    assert response.status_code == 429


def test_settings_read_the_proxy_count_from_the_environment():
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'tests.settings';"
        "from django.conf import settings;"
        "print(settings.AXES_IPWARE_META_PRECEDENCE_ORDER, settings.AXES_IPWARE_PROXY_COUNT)"
    )
    without_proxy_count = {k: v for k, v in os.environ.items() if k != "DJANGO_PROXY_COUNT"}
    outputs = [
        subprocess.run(
            [sys.executable, "-c", code],
            env={**without_proxy_count, **extra},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for extra in ({}, {"DJANGO_PROXY_COUNT": "1"}, {"DJANGO_PROXY_COUNT": "2"})
    ]
    assert outputs == [
        "('REMOTE_ADDR',) None",
        "('HTTP_X_FORWARDED_FOR', 'REMOTE_ADDR') 0",
        "('HTTP_X_FORWARDED_FOR', 'REMOTE_ADDR') 1",
    ]


# Across usernames: one address spraying passwords over many accounts


def test_login_spraying_many_usernames_from_one_address_is_stopped(client, django_user_model):
    # 30 editors; one of them chose a weak password the sprayer tries second.
    for number in range(30):
        password = "Winter2026!" if number == 29 else f"reel-{number}-cut-to-black"
        django_user_model.objects.create_user(f"editor{number:02}", password=password)
    statuses = [
        attempt(client, password, username=f"editor{number:02}").status_code
        for password in ("Summer2026!", "Winter2026!")
        for number in range(30)
    ]
    assert not is_logged_in(client)
    assert 302 not in statuses
    # 20 wrong passwords shown as such, then the pause for every account from this address.
    assert statuses == [200] * 20 + [429] * 40


def test_login_address_pause_has_its_own_page(client, django_user_model):
    for number in range(21):
        response = attempt(client, WRONG, username=f"guess{number}")
    html = response.content.decode()
    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    assert "Log-in paused for 15 minutes" in html
    assert "20 failed log-ins from this network" in html
    assert "guess20" not in html  # the pause is for every account here, not that one


def test_login_address_pause_spares_other_addresses(client, editor):
    for number in range(20):
        attempt(client, WRONG, username=f"guess{number}")
    assert attempt(client, RIGHT, address=OFFICE).status_code == 429
    response = attempt(client, RIGHT, address=CAFE)
    assert response.status_code == 302
    assert is_logged_in(client)


def test_login_address_pause_ends_after_the_cool_off(client, editor):
    for number in range(20):
        attempt(client, WRONG, username=f"guess{number}")
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert attempt(client, RIGHT).status_code == 302
