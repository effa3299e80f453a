"""What /healthz says of the catalogue, read off the probe's path.

A balancer probes every process every second or more often, and the answer must come in
milliseconds even when every other thread is busy rendering. Reading the database and the cache
on each probe put two round trips on its path, each waiting for a busy CPU (the other process
must run) and then for the GIL again: under `make loadtest` that was most of the probe's time
(docs/performance.md). So each process keeps the last reading for HEALTHZ_REUSE_SECONDS; a probe
that finds it older returns it at once and starts one background thread to read it again. Only
the first probe in a process reads synchronously. The catalogue's age is still counted from the
sync's clock at answer time, so it never looks younger than it is.
"""

import threading
import time
from dataclasses import asdict
from typing import Any

from django.conf import settings
from django.core.cache import close_caches
from django.db import DatabaseError, connections

from . import catalogue_search, media_facts

_UNREAD = object()


class CatalogueHealth:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reading: Any = _UNREAD
        self._read_at = 0.0
        self.refresher: threading.Thread | None = None  # the one reading now, if any

    def get(self) -> dict | None:
        reuse = settings.HEALTHZ_REUSE_SECONDS
        if reuse <= 0:
            return _answer(_read())
        with self._lock:
            reading = self._reading
            stale = time.monotonic() - self._read_at >= reuse
            refresh = reading is not _UNREAD and stale and self.refresher is None
            if refresh:
                self.refresher = threading.Thread(
                    target=self._refresh, name="healthz-refresh", daemon=True
                )
                self.refresher.start()
        if reading is _UNREAD:
            reading = self._store(_read())
        return _answer(reading)

    def _refresh(self) -> None:
        try:
            self._store(_read())
        finally:
            connections.close_all()  # this thread's own database connection
            close_caches()  # and its cache client
            with self._lock:
                self.refresher = None

    def _store(self, reading: Any) -> Any:
        with self._lock:
            self._reading, self._read_at = reading, time.monotonic()
        return reading

    def forget(self) -> None:
        with self._lock:
            self._reading, self._read_at = _UNREAD, 0.0


def _read() -> tuple[catalogue_search.CatalogueState, media_facts.MediaProgress] | None:
    try:
        return catalogue_search.catalogue_state(), media_facts.cached_progress()
    except DatabaseError:
        return None  # the answer is still 200: the proxy works without the catalogue


def _answer(reading: Any) -> dict | None:
    if reading is None:
        return None
    state, progress = reading
    return {
        "assets": state.total,
        "age_seconds": state.age_seconds,
        "full_pass_done": state.is_ready,
        "syncing": state.is_syncing,
        "percent": state.progress_percent if state.is_syncing else None,
        # Files whose length and shape are read, of the READY ones (counted every 30 s).
        "media_facts": asdict(progress),
    }


catalogue_health = CatalogueHealth()
