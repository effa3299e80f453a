# Two commands set everything up: `make run` and `make test`. See README.md.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
RUNTIME := $(VENV)/.runtime-installed
TESTDEPS := $(VENV)/.test-installed

.PHONY: run test lint serve bench check-python clean

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

# Local server on http://127.0.0.1:8000 (DEBUG on unless DJANGO_DEBUG says otherwise);
# against the built-in sandbox when ARGIL_API_KEY is unset.
run: export DJANGO_DEBUG ?= 1
run: $(RUNTIME)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py run

# The whole suite: lint, unit, view, contract and browser tests (browser: Debian's Chromium).
test: $(TESTDEPS)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m pytest

lint: $(TESTDEPS)
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
