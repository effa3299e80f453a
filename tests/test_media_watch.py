"""The sync worker reads media facts between its polls (`sync_assets --watch`, one process)."""

import threading

import pytest
from django.conf import settings

from argil_sandbox import SandboxConfig, start_sandbox
from assets_browser import media_facts
from assets_browser.api import ArgilClient
from assets_browser.catalogue_sync import LogProgress, ReadBudget, Syncer, SyncStopped
from assets_browser.models import CatalogueAsset

pytestmark = pytest.mark.django_db


class Messages(LogProgress):
    def __init__(self) -> None:
        super().__init__()
        self.said: list[str] = []

    def message(self, text: str) -> None:
        self.said.append(text)


def watch(idle_work, stop) -> Messages:
    said = Messages()
    config = SandboxConfig(library_size=30, seed=5)
    with (
        start_sandbox(api_key=settings.ARGIL_API_KEY, config=config) as argil,
        ArgilClient(base_url=argil.base_url, api_key=settings.ARGIL_API_KEY, timeout=5) as client,
    ):
        sync = Syncer(
            client,
            budget=ReadBudget(1000),
            stop=stop,
            progress=said,
            poll_seconds=0.2,
            idle_work=idle_work,
        )
        with pytest.raises(SyncStopped):
            sync.watch(full_pass_seconds=3600)
    return said


def test_watch_reads_the_media_facts_between_polls(settings):
    settings.ARGIL_MEDIA_ALLOW_PRIVATE = True  # the sandbox's files are on loopback
    stop = threading.Event()
    turns: list[int] = []

    def idle_work() -> int:
        turns.append(media_facts.probe_some())
        if not turns[-1]:
            stop.set()  # the backlog is empty
        return turns[-1]

    watch(idle_work, stop)

    progress = media_facts.progress()
    assert progress.total > 0
    assert progress.complete
    assert max(turns) <= media_facts.BATCH  # a few files per turn, however long the backlog
    clips = CatalogueAsset.objects.filter(type="VIDEO", status="READY")
    assert clips.exists()
    assert not clips.filter(duration_seconds=None).exists()
    assert not clips.filter(orientation="").exists()


def test_a_failing_turn_never_stops_the_sync():
    stop = threading.Event()
    calls: list[int] = []

    def idle_work() -> int:
        calls.append(1)
        if len(calls) == 2:
            stop.set()
        raise RuntimeError("the media host is on fire")

    said = watch(idle_work, stop)

    assert len(calls) == 2
    assert "between polls: RuntimeError; trying again later" in said.said
