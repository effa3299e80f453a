"""/healthz reads the catalogue off the probe's path: a probe reuses the last reading and a
stale one is read again by one background thread, so no probe waits on the database or cache."""

import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assets_browser.health import catalogue_health
from assets_browser.models import SyncState

pytestmark = pytest.mark.django_db(transaction=True)  # the refresher reads on its own connection


@pytest.fixture(autouse=True)
def reused(settings):
    settings.HEALTHZ_REUSE_SECONDS = 5
    catalogue_health.forget()
    yield
    catalogue_health.forget()


def synced(seconds_ago: int) -> None:
    SyncState.objects.update_or_create(
        pk=1,
        defaults={
            "last_synced_at": timezone.now() - timedelta(seconds=seconds_ago),
            "last_full_pass_at": timezone.now(),
        },
    )


def probe(client) -> tuple[dict, int]:
    with CaptureQueriesContext(connection) as queries:
        body = client.get("/healthz").json()
    return body["catalogue"], len(queries)


def test_healthz_first_probe_reads_the_catalogue(client):
    synced(seconds_ago=12)
    catalogue, queries = probe(client)
    assert catalogue["full_pass_done"] is True
    assert 12 <= catalogue["age_seconds"] <= 60
    assert queries > 0


def test_healthz_next_probes_reuse_it_without_a_query(client):
    probe(client)  # never synced
    synced(seconds_ago=12)
    catalogue, queries = probe(client)
    assert catalogue["full_pass_done"] is False
    assert queries == 0


def test_healthz_stale_reading_answered_at_once_and_read_again_in_the_background(client):
    probe(client)
    synced(seconds_ago=12)
    catalogue_health._read_at = time.monotonic() - 6  # past the reuse

    catalogue, queries = probe(client)
    assert catalogue["full_pass_done"] is False  # the old reading, answered at once
    assert queries == 0

    # The refresher may already be done (it clears itself), so wait for its reading, not for
    # the thread: no probe below queries, so the new reading can only come from it.
    deadline = time.monotonic() + 10
    while (reading := probe(client))[0]["full_pass_done"] is False:
        assert reading[1] == 0
        assert time.monotonic() < deadline, "the catalogue was never read again"
        time.sleep(0.005)
    catalogue, queries = reading
    assert 12 <= catalogue["age_seconds"] <= 60
    assert queries == 0


def test_healthz_reading_zero_seconds_reads_every_probe(client, settings):
    settings.HEALTHZ_REUSE_SECONDS = 0
    probe(client)
    synced(seconds_ago=12)
    catalogue, queries = probe(client)
    assert catalogue["full_pass_done"] is True
    assert queries > 0
