"""When Argil hangs: the circuit breaker, the per-process bound on upstream calls, and single
flight that shares a failure. Every upstream call is counted on the loopback fake.

The fake hangs with ``delay=30`` (cut short when the test ends); the client's read timeout is
0.5 s here (``use_fake_api``), so a hung call fails in half a second.
"""

import json
import threading
import time

import pytest
from django.core.cache import caches
from django.urls import reverse

from assets_browser import breaker, services, upstream_cache, upstream_slots
from assets_browser.api import ArgilAPIError, ArgilUnavailable, AssetType
from assets_browser.forms import BrowseQuery
from tests.boards_data import make_board
from tests.testdata import asset, asset_id, totals

pytestmark = pytest.mark.django_db

BROWSE = reverse("assets_browser:browse")
HUNG = {"delay": 30}
VIDEOS = BrowseQuery(types=(AssetType.VIDEO,))
IMAGES = BrowseQuery(types=(AssetType.IMAGE,))
AUDIO = BrowseQuery(types=(AssetType.AUDIO,))


def harbour():
    return asset(asset_id(1), "Harbour at dawn, fishing boats leaving")


def wait_for(condition, timeout=10.0):
    """Until ``condition()`` holds (a handful of milliseconds in practice)."""
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "condition never held"
        time.sleep(0.005)


def in_threads(count, target):
    """Run ``target`` in ``count`` threads at once; their results or errors, in any order."""
    start = threading.Barrier(count)
    outcomes = []

    def run():
        start.wait()
        try:
            outcomes.append(target())
        except Exception as exc:  # returned to the test, which asserts on it
            outcomes.append(exc)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    return threads, outcomes


def join(threads):
    for thread in threads:
        thread.join()


def expire_open_period():
    """What ARGIL_BREAKER_OPEN_SECONDS of time does: the breaker goes half-open."""
    open_key = f"argil:{services._scope()}:breaker:open"
    assert caches["default"].get(open_key) is not None
    caches["default"].delete(open_key)


def fail(query):
    with pytest.raises(ArgilUnavailable) as info:
        services.list_assets(query)
    return info.value.reason


def trip(fake):
    """Three calls in a row time out on a hung Argil (breaker.TRIP_AFTER)."""
    fake.default(200, [], headers=totals(0), **HUNG)
    for page in range(2, 2 + breaker.TRIP_AFTER):
        assert fail(BrowseQuery(types=(AssetType.AUDIO,), page=page)) == "timeout"
    assert len(fake.requests) == breaker.TRIP_AFTER
    return breaker.TRIP_AFTER


# Breaker


def test_after_timeouts_in_a_row_further_calls_fail_fast(editor_client, use_fake_api):
    calls = trip(use_fake_api)
    with pytest.raises(ArgilUnavailable) as info:
        services.list_assets(VIDEOS)
    assert info.value.reason == "circuit_open"
    with pytest.raises(ArgilUnavailable):
        services.get_asset(harbour()["id"])
    assert len(use_fake_api.requests) == calls  # nothing more reached the hung Argil
    response = editor_client.get(BROWSE, {"type": "IMAGE"})
    assert response.status_code == 503
    assert "Argil is not answering right now" in response.content.decode()
    assert response["Retry-After"] == "5"


def test_cached_and_stale_pages_keep_answering_while_open(editor_client, use_fake_api):
    use_fake_api.default(200, [harbour()], headers=totals())
    assert editor_client.get(BROWSE, {"type": "VIDEO"}).status_code == 200
    use_fake_api.reset()
    trip(use_fake_api)
    fresh = editor_client.get(BROWSE, {"type": "VIDEO"})
    assert fresh.status_code == 200
    assert "Harbour at dawn" in fresh.content.decode()
    services.invalidate_asset_lists()  # the copy is now stale, and Argil is known down
    stale = editor_client.get(BROWSE, {"type": "VIDEO"})
    assert stale.status_code == 200
    assert "Argil is not answering right now" in stale.content.decode()  # the stale notice
    assert editor_client.get(reverse("assets_browser:healthz")).status_code == 200
    assert len(use_fake_api.requests) == breaker.TRIP_AFTER  # since the reset


def test_one_hung_call_among_answers_does_not_open_it(use_fake_api):
    use_fake_api.default(200, [], headers=totals(0), **HUNG)
    for page in range(2, 1 + breaker.TRIP_AFTER):  # one short of opening
        assert fail(BrowseQuery(page=page)) == "timeout"
    use_fake_api.reset()
    use_fake_api.default(200, [harbour()], headers=totals())
    services.list_assets(VIDEOS)  # an answer: the count starts again
    use_fake_api.reset()
    use_fake_api.default(200, [], headers=totals(0), **HUNG)
    assert fail(IMAGES) == "timeout"
    assert not breaker.is_open(services._scope())


def test_a_half_open_probe_notices_recovery(use_fake_api):
    trip(use_fake_api)
    expire_open_period()
    use_fake_api.reset()
    use_fake_api.default(200, [harbour()], headers=totals())
    assert services.list_assets(VIDEOS).page.items[0].name.startswith("Harbour at dawn")
    assert services.list_assets(IMAGES).page.total == 1  # closed again: calls go through
    assert len(use_fake_api.requests) == 2


def test_a_failed_probe_opens_the_breaker_again(use_fake_api):
    calls = trip(use_fake_api)
    expire_open_period()
    assert fail(VIDEOS) == "timeout"  # the probe
    assert fail(IMAGES) == "circuit_open"
    assert len(use_fake_api.requests) == calls + 1


def test_one_probe_at_a_time(use_fake_api):
    calls = trip(use_fake_api)
    expire_open_period()
    threads, _outcomes = in_threads(1, lambda: services.list_assets(VIDEOS))  # the probe
    wait_for(lambda: len(use_fake_api.requests) == calls + 1)  # waiting on the hung Argil
    assert fail(IMAGES) == "circuit_open"
    join(threads)
    assert len(use_fake_api.requests) == calls + 1


def test_a_hung_probe_does_not_hold_the_breaker_half_open(use_fake_api, settings):
    """A probe that met one of the calls a healthy Argil leaves hanging: after PROBE_PATIENCE
    another call probes, Argil's answer closes the breaker, and the hung probe's failure later
    does not open it again."""
    calls = trip(use_fake_api)
    expire_open_period()
    settings.ARGIL_API_TIMEOUT = 20  # the probe hangs until Argil hangs up, below
    hung_probe = in_threads(1, lambda: services.list_assets(VIDEOS))
    wait_for(lambda: len(use_fake_api.requests) == calls + 1)
    assert fail(IMAGES) == "circuit_open"  # within PROBE_PATIENCE of the probe
    caches["default"].delete(f"argil:{services._scope()}:breaker:probe")  # PROBE_PATIENCE on
    use_fake_api.answer(f"/v1/assets/{harbour()['id']}", 200, harbour())
    assert services.get_asset(harbour()["id"]).name.startswith("Harbour at dawn")  # a 2nd probe
    assert len(use_fake_api.requests) == calls + 2
    use_fake_api.reset()  # Argil hangs up on the first probe: it fails
    join(hung_probe[0])
    assert [o.reason for o in hung_probe[1]] == ["connection"]
    assert not breaker.is_open(services._scope())


def test_an_answer_from_argil_does_not_trip_it(use_fake_api):
    use_fake_api.enqueue(404, {"error": "not found"})
    use_fake_api.enqueue(500, {"message": "a bug upstream"})
    with pytest.raises(ArgilAPIError):
        services.get_asset(harbour()["id"])
    with pytest.raises(ArgilAPIError):
        services.list_assets(VIDEOS)
    assert not breaker.is_open(services._scope())


# The per-process bound on upstream calls


def test_calls_beyond_the_bound_fail_fast_as_busy(editor_client, use_fake_api, settings):
    settings.ARGIL_API_MAX_INFLIGHT = 2
    settings.ARGIL_API_TIMEOUT = 20  # the two calls hang for the whole test
    use_fake_api.default(200, [], headers=totals(0), **HUNG)
    first = in_threads(1, lambda: services.list_assets(VIDEOS))
    second = in_threads(1, lambda: services.list_assets(IMAGES))
    wait_for(lambda: len(use_fake_api.requests) == 2)
    with pytest.raises(ArgilUnavailable) as info:
        services.list_assets(AUDIO)
    assert info.value.reason == "busy"
    response = editor_client.get(BROWSE, {"status": "FAILED"})
    assert response.status_code == 503
    assert "Argil is busy" in response.content.decode()
    assert len(use_fake_api.requests) == 2
    use_fake_api.reset()  # Argil "answers" (hangs up): the two calls end
    join(first[0] + second[0])


def test_a_burst_of_healthy_calls_waits_for_a_slot(use_fake_api, settings):
    settings.ARGIL_API_MAX_INFLIGHT = 1
    use_fake_api.default(200, [harbour()], headers=totals(), delay=0.1)
    pages = iter(range(2, 5))
    lock = threading.Lock()

    def browse():
        with lock:
            page = next(pages)
        return services.list_assets(BrowseQuery(page=page))

    threads, outcomes = in_threads(3, browse)
    join(threads)
    assert [type(o).__name__ for o in outcomes] == ["Listing"] * 3
    assert len(use_fake_api.requests) == 3


# Single flight under a hang


def test_identical_cold_views_share_one_hung_call_and_its_failure(use_fake_api, settings):
    # A read timeout long enough that a waiter giving up after one call's connect + read
    # timeout (instead of the caller's whole budget) would ask Argil itself.
    settings.ARGIL_API_TIMEOUT = 3.5
    settings.ARGIL_API_MAX_INFLIGHT = 16  # a slot for each waiter (see the next test)
    use_fake_api.default(200, [harbour()], headers=totals(), **HUNG)
    threads, outcomes = in_threads(14, lambda: services.list_assets(VIDEOS))
    join(threads)
    assert [type(o).__name__ for o in outcomes] == ["ArgilUnavailable"] * 14
    assert {o.reason for o in outcomes} == {"timeout"}
    assert len(use_fake_api.requests) == 1


def test_waiters_for_a_hung_call_hold_slots_like_callers(use_fake_api, settings):
    """A thread waiting for another's call holds a thread as a caller does: past the slots,
    another view fails as busy at once instead of taking the last threads (/healthz's)."""
    settings.ARGIL_API_MAX_INFLIGHT = 2
    settings.ARGIL_API_TIMEOUT = 20  # the call hangs for the whole test
    use_fake_api.default(200, [harbour()], headers=totals(), **HUNG)
    caller_and_waiter = in_threads(2, lambda: services.list_assets(VIDEOS))
    slots = upstream_slots._slots_by_limit[2]
    wait_for(lambda: len(use_fake_api.requests) == 1 and len(slots.taken) == 2)
    wait_for(lambda: time.monotonic() - max(slots.taken.values()) > upstream_slots.STUCK_AFTER)
    started = time.monotonic()
    assert fail(VIDEOS) == "busy"  # a third waiter for the same call
    assert fail(IMAGES) == "busy"  # a call of its own
    assert time.monotonic() - started < upstream_slots.SLOT_WAIT  # neither waited for a slot
    assert len(use_fake_api.requests) == 1
    use_fake_api.reset()  # Argil "answers" (hangs up): the call and its waiter end
    join(caller_and_waiter[0])


def test_a_waiter_in_another_process_shares_the_callers_failure(use_fake_api):
    """The caller runs as another process would: its own _Call, outside this process's flights
    (only the shared cache connects them)."""
    use_fake_api.default(200, [], headers=totals(0), **HUNG)
    client, scope = services.argil_client(), services._scope()
    key = upstream_cache.list_key(scope, types=["VIDEO"], status="READY", page=1, page_size=20)
    generation = upstream_cache.list_generation(scope)
    other = upstream_cache._Call(
        scope,
        key,
        lambda: client.fetch_asset_list(types=["VIDEO"]),
        ttls=(30, 5),
        generation=generation,
        stale=None,
        wait=services._wait(),
    )
    threads, _outcomes = in_threads(1, other.lead)
    wait_for(lambda: len(use_fake_api.requests) == 1)  # it holds the lock, waiting on Argil
    with pytest.raises(ArgilUnavailable) as info:
        services.list_assets(VIDEOS)
    join(threads)
    assert info.value.reason == "timeout"
    assert len(use_fake_api.requests) == 1


def test_an_export_on_a_slow_argil_never_runs_out_of_its_own_slots(
    editor_client, editor, use_fake_api, settings
):
    """Argil answers, slowly (each call longer than STUCK_AFTER and SLOT_WAIT): an export of
    more picks than the process has slots asks within them, so it finishes instead of finding
    every slot held by its own asks and failing as busy."""
    assert max(upstream_slots.STUCK_AFTER, upstream_slots.SLOT_WAIT) < 0.7
    settings.ARGIL_API_TIMEOUT = 5  # slow, not hung
    settings.ARGIL_API_MAX_INFLIGHT = 6
    ids = [asset_id(n) for n in range(8)]  # more asks than the process has slots
    board = make_board(editor, picks=[(i, "VIDEO", "") for i in ids])
    for each in ids:
        use_fake_api.answer(f"/v1/assets/{each}", 200, asset(each), delay=0.7)
    export = reverse("assets_browser:board_export", kwargs={"board_id": board.pk})
    response = editor_client.get(export, {"format": "json"})
    assert response.status_code == 200, response.content
    assert len(json.loads(response.content)["moments"]) == 8
    assert len(use_fake_api.requests) == 8
