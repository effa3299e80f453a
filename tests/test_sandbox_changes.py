"""Contract tests for the sandbox's test controls: library changes at runtime, changes while a
client pages (hooks), the per-minute limit with 429, and call counts per time window.

Each test starts its own small sandbox: these controls change the library for good.
"""

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from argil_sandbox import RunningSandbox, SandboxConfig, start_sandbox

KEY = "sandbox-changes-test-key"
TIMEOUT = 5


@pytest.fixture
def argil() -> Iterator[RunningSandbox]:
    with start_sandbox(api_key=KEY, config=SandboxConfig(library_size=30)) as running:
        yield running


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def control(http, argil, method: str, path: str, body: Any = None) -> requests.Response:
    return http.request(
        method,
        f"{argil.origin}/__sandbox__/{path}",
        json=body,
        headers={"x-api-key": KEY},
        timeout=TIMEOUT,
    )


def listing(http, argil, status: str = "READY", page: int = 1, size: int = 100) -> list[dict]:
    response = http.get(
        f"{argil.base_url}/assets",
        params={"status": status, "page": page, "pageSize": size},
        headers={"x-api-key": KEY},
        timeout=TIMEOUT,
    )
    assert response.status_code == 200
    return response.json()


def test_controls_need_the_key(argil, http):
    response = http.post(f"{argil.origin}/__sandbox__/assets", json={"count": 1}, timeout=TIMEOUT)

    assert response.status_code == 401


def test_inserted_assets_top_the_list(argil, http):
    response = control(http, argil, "POST", "assets", {"count": 2, "type": "IMAGE"})

    assert response.status_code == 201
    ids = response.json()["ids"]
    first = listing(http, argil)[:2]
    assert [a["id"] for a in first] == ids[::-1]  # the last inserted is the newest
    assert {a["type"] for a in first} == {"IMAGE"}


def test_rename_settle_refile_and_delete_one_asset(argil, http):
    asset_id = control(http, argil, "POST", "assets", {"status": "PROCESSING"}).json()["ids"][0]

    renamed = control(http, argil, "POST", f"assets/{asset_id}", {"name": "Harbour drone"})
    settled = control(http, argil, "POST", f"assets/{asset_id}", {"status": "READY"})
    refiled = control(http, argil, "POST", f"assets/{asset_id}", {"file": "clip-03.webm"})

    assert renamed.json()["name"] == "Harbour drone"
    assert settled.json()["status"] == "READY"
    assert refiled.json()["fileUrl"].endswith("/media/clip-03.webm")
    assert listing(http, argil)[0]["id"] == asset_id
    assert asset_id not in {a["id"] for a in listing(http, argil, "PROCESSING")}
    assert control(http, argil, "DELETE", f"assets/{asset_id}").status_code == 204
    assert asset_id not in {a["id"] for a in listing(http, argil)}
    assert control(http, argil, "DELETE", f"assets/{asset_id}").status_code == 404


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("assets", {"count": 0}),
        ("assets", {"count": True}),
        ("assets", {"type": "GIF"}),
        ("assets", ["count"]),
        ("assets/00000000-0000-4000-8000-000000000000", {"colour": "red"}),
        ("hooks", {"after_list_calls": 0, "insert": 1}),
        ("hooks", {"after_list_calls": 2}),
        ("hooks", {"after_list_calls": 2, "insert": -1}),
        ("hooks", {"after_list_calls": 2, "insert": 1, "when": "later"}),
    ],
)
def test_bad_control_bodies_are_400(argil, http, path, body):
    response = control(http, argil, "POST", path, body)

    assert response.status_code == 400
    assert response.json()["code"] == 400


def test_a_hook_changes_the_library_after_the_kth_list_call(argil, http):
    hook = {"after_list_calls": 2, "insert": 3, "delete_newest": 1}
    assert control(http, argil, "POST", "hooks", hook).status_code == 200
    before = [a["id"] for a in listing(http, argil, size=10)]  # list call 1

    second = [a["id"] for a in listing(http, argil, size=10)]  # call 2: the hook runs after it
    third = listing(http, argil, size=10)

    assert second == before
    assert [a["name"] for a in third[:3]] == [f"Mid-crawl upload {n}" for n in (3, 2, 1)]
    assert before[0] not in {a["id"] for a in third}  # the newest was deleted
    assert [a["id"] for a in third[3:]] == before[1:8]


def test_the_per_minute_limit_answers_429_with_retry_after(argil, http):
    faults = {"rate_limit_per_minute": 2, "rate_window_seconds": 30}
    assert control(http, argil, "POST", "faults", faults).json()["rate_limit_per_minute"] == 2
    url, headers = f"{argil.base_url}/assets", {"x-api-key": KEY}

    answers = [http.get(url, headers=headers, timeout=TIMEOUT) for _ in range(3)]

    assert [r.status_code for r in answers] == [200, 200, 429]
    assert 1 <= int(answers[2].headers["Retry-After"]) <= 30
    assert answers[2].json()["code"] == 429
    control(http, argil, "POST", "faults", {"rate_limit_per_minute": 0})
    assert http.get(url, headers=headers, timeout=TIMEOUT).status_code == 200


def test_stats_count_the_most_calls_in_a_window(argil, http):
    control(http, argil, "POST", "stats/reset")
    for _ in range(4):
        listing(http, argil, size=1)

    stats = http.get(
        f"{argil.origin}/__sandbox__/stats",
        params={"window": "60"},
        headers={"x-api-key": KEY},
        timeout=TIMEOUT,
    ).json()

    assert stats["total"] == 4
    assert stats["max_in_window"] == 4
    bad = http.get(
        f"{argil.origin}/__sandbox__/stats",
        params={"window": "nan"},
        headers={"x-api-key": KEY},
        timeout=TIMEOUT,
    )
    assert bad.status_code == 400
