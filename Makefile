# Two commands set everything up: `make run` and `make test` (`make test-fast` while working).
# See README.md and docs/testing.md.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# pytest-xdist workers: each has its own test database, sandbox and live server on port 0.
WORKERS ?= 2
# Without the browser, the tests mostly wait (subprocesses, deadlines, loopback servers): on 2
# cores, 4 workers ran them in 64-74 s against 103-110 s with 2.
FAST_WORKERS ?= 4
RUNTIME := $(VENV)/.runtime-installed
TESTDEPS := $(VENV)/.test-installed

.PHONY: run test test-fast checks test-services lint serve worker bench bench-sync bench-search bench-media loadtest check-python clean

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null || { \
	  echo "Python 3.12 or newer is needed; '$(PYTHON)' is $$($(PYTHON) --version 2>&1)."; \
	  echo "Install it (pyenv install 3.12, which .python-version selects here, or apt-get install python3.12)"; \
	  echo "or point make at one: make run PYTHON=python3.12"; exit 1; }

$(RUNTIME): requirements.txt | check-python
	@[ -x $(PY) ] && $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' || { rm -rf $(VENV); $(PYTHON) -m venv $(VENV); }
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(TESTDEPS): requirements-test.txt $(RUNTIME)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-test.txt
	@touch $@

# Local server on http://$(ADDR) (DEBUG on unless DJANGO_DEBUG says otherwise); against the
# built-in sandbox when ARGIL_API_KEY is unset. Another address: make run ADDR=0.0.0.0:8080.
ADDR ?= 127.0.0.1:8000
run: export DJANGO_DEBUG ?= 1
run: export DJANGO_LOG_FORMAT ?= plain
run: $(RUNTIME)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py run $(ADDR)

# Production: gunicorn (gunicorn.conf.py) with DEBUG off, whatever the environment says.
# Needs DJANGO_SECRET_KEY and ARGIL_API_KEY; behind no TLS proxy (a local try), DJANGO_HTTPS=0.
serve: export DJANGO_DEBUG = 0
serve: $(RUNTIME)
	@[ -n "$$DJANGO_SECRET_KEY" ] || { $(PY) manage.py check 2>&1 | tail -n 1; exit 1; }
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	exec $(VENV)/bin/gunicorn -c gunicorn.conf.py argil_dashboard.wsgi

# Production: the catalogue sync (search and sort read from it), one per deployment or more:
# exactly one syncs at a time (a lease in the database), the others wait to take over. Same
# environment as `make serve`; run after `make serve` has migrated. SIGTERM stops it cleanly.
worker: export DJANGO_DEBUG = 0
worker: $(RUNTIME)
	@[ -n "$$DJANGO_SECRET_KEY" ] || { $(PY) manage.py check 2>&1 | tail -n 1; exit 1; }
	@$(PY) manage.py migrate --check >/dev/null 2>&1 || { \
	  echo "worker: the database is not migrated; run make serve (or manage.py migrate) first"; exit 1; }
	exec $(PY) manage.py sync_assets --watch

# Lint, format and types: what every commit must pass before any test runs.
checks: $(TESTDEPS)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

# While working: the checks and every test but the browser ones, in parallel (~1 minute).
test-fast: checks
	$(PY) -m pytest -q -n $(FAST_WORKERS) --ignore=tests/browser

# The whole suite, as CI runs it: the checks, unit, view, contract and browser tests (browser:
# Debian's Chromium), in parallel.
test: checks
	$(PY) -m pytest -n $(WORKERS)

# The database- and cache-dependent suite (everything but the browser tests) again against
# PostgreSQL and Redis, e.g. DATABASE_URL=postgres://argil:...@127.0.0.1:5432/argil
# REDIS_URL=redis://127.0.0.1:6379/15 (pytest creates and drops test_<name>; the cache is
# cleared between tests, so give it a Redis database of its own). .ci/run starts both.
test-services: $(TESTDEPS)
	@case "$$DATABASE_URL" in postgres://*|postgresql://*) ;; *) \
	  echo "test-services: set DATABASE_URL=postgres://..."; exit 1;; esac
	@case "$$REDIS_URL" in redis://*|rediss://*) ;; *) \
	  echo "test-services: set REDIS_URL=redis://..."; exit 1;; esac
	$(PY) -m pytest -q -n $(WORKERS) tests --ignore=tests/browser

# Speed: the sandbox, a throwaway redis-server and gunicorn on loopback; prints a table, writes
# bench/RESULTS.md (a sample run), fails when a target is missed. Needs redis-server (apt-get
# install redis-server; .ci/run installs it). About a minute; stops all it started.
bench: $(RUNTIME)
	$(PY) bench/run.py

# The catalogue sync at a 100,000-asset sandbox library: first pass (time, calls, peak RSS),
# freshness of a new upload under --watch, steady-state calls a minute; appends to bench/SYNC.md.
# About 4 minutes (a minute of it counting calls while nothing changes); stops all it started.
bench-sync: $(RUNTIME)
	$(PY) bench/sync.py

# Search: a 100,000-asset catalogue (SQLite, or PostgreSQL with DATABASE_URL=postgres://...)
# searched and sorted through the browse view; prints a table, writes bench/SEARCH.md. Apart
# from `bench`: filling the catalogue alone takes 30 s to 2 min on a busy 2-core machine.
bench-search: $(RUNTIME)
	$(PY) bench/search.py

# The media prober: files/s against the sandbox with 80 ms media latency, bytes read per file,
# and the time a 100,000-asset backlog takes (computed from the rate). About 90 s; writes
# bench/MEDIA.md.
bench-media: $(RUNTIME)
	$(PY) bench/media.py

# Load and faults: PostgreSQL and Redis (.ci/services), the sandbox with injected faults, two
# gunicorns behind nginx (bench/balancer.py writes its config), 32 editors for 60 s, one outage
# and one restart; prints a table, writes bench/LOADTEST.md (a sample run), fails on a 500, a
# dropped connection or a lost pick. ~2 min. Needs postgresql, redis-server and nginx.
loadtest: $(RUNTIME)
	$(PY) bench/loadtest.py

lint: $(TESTDEPS)
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
