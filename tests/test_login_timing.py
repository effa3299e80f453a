"""A wrong password costs the same work for an existing username as for an unknown one.

A difference in time tells an attacker which usernames exist. Timing in a test would be flaky, so
this counts the work instead: the password hasher's iterations (a counting PBKDF2, the same code
as production's with a small work factor) and the database queries, through the real login view
with django-axes and the address throttle. bench/login_timing.py measures the time itself.
"""

import re

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

LOGIN = reverse("login")
RIGHT = "cut-to-black-42"
WRONG = "wrong-guess-1"
SAVEPOINT = re.compile(r'"s\d+_x\d+"')  # numbered per savepoint

pytestmark = pytest.mark.django_db


class CountingHasher(PBKDF2PasswordHasher):
    """PBKDF2 that records every run's iterations (the work a login spends on the password)."""

    algorithm = "counting_pbkdf2"
    iterations = 1000
    runs: list[int] = []

    def encode(self, password, salt, iterations=None):
        self.runs.append(iterations or self.iterations)
        return super().encode(password, salt, iterations)


@pytest.fixture(autouse=True)
def counting_hasher(settings):
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    CountingHasher.runs.clear()
    return CountingHasher


def work(client, username: str, address: str) -> tuple[int, list[str]]:
    """The hasher's iterations and the queries (SQL with the values left out) of one wrong
    password, and the status the form answered."""
    CountingHasher.runs.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            LOGIN, {"username": username, "password": WRONG}, REMOTE_ADDR=address
        )
    assert response.status_code == 200, response.status_code
    assert "did not match" in response.content.decode()
    shapes = [
        SAVEPOINT.sub("sp", query["sql"].split(" WHERE ")[0].split(" VALUES ")[0])
        for query in queries
    ]
    return sum(CountingHasher.runs), shapes


def user_with_hash(django_user_model, encoded: str, **fields):
    return django_user_model.objects.create(username="maya", password=encoded, **fields)


def assert_same_work(client):
    existing = work(client, "maya", "198.51.100.7")
    unknown = work(client, "nobody-here", "198.51.100.8")
    assert existing[0] == unknown[0] == CountingHasher.iterations
    assert existing[1] == unknown[1]


def test_login_wrong_password_same_work_as_unknown_user(client, django_user_model):
    django_user_model.objects.create_user("maya", password=RIGHT)
    assert_same_work(client)


def test_login_wrong_password_same_work_with_a_hash_due_for_upgrade(client, django_user_model):
    # Stored under a smaller work factor (an older release's): upgraded at the next right
    # password; until then a wrong one must still cost the current work factor.
    user_with_hash(
        django_user_model, CountingHasher().encode(RIGHT, "saltsaltsalt", iterations=400)
    )
    assert_same_work(client)


def test_login_wrong_password_same_work_without_a_usable_password(client, django_user_model):
    user_with_hash(django_user_model, make_password(None))
    assert_same_work(client)


def test_login_wrong_password_same_work_for_an_inactive_user(client, django_user_model):
    django_user_model.objects.create_user("maya", password=RIGHT, is_active=False)
    assert_same_work(client)


def test_login_lockout_same_for_existing_and_unknown_user(client, django_user_model):
    django_user_model.objects.create_user("maya", password=RIGHT)
    answers = {}
    for username, address in (("maya", "198.51.100.7"), ("nobody-here", "198.51.100.8")):
        CountingHasher.runs.clear()
        statuses = [
            client.post(
                LOGIN, {"username": username, "password": WRONG}, REMOTE_ADDR=address
            ).status_code
            for _ in range(6)
        ]
        answers[username] = statuses, sum(CountingHasher.runs)
    # The fifth wrong password is checked, then locks out; the sixth is refused unchecked.
    assert answers["maya"] == answers["nobody-here"] == ([200] * 4 + [429] * 2, 5000)
