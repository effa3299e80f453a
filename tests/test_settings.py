"""Environment settings: a boolean with a typo stops the start with a message saying what to do."""

import re
import runpy
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from argil_dashboard import settings as settings_module
from argil_dashboard.settings import env_bool

SETTINGS_FILE = Path(settings_module.__file__)
# Every boolean the settings read, found in the source so a new one is covered as it is added.
BOOLEAN_VARIABLES = sorted(set(re.findall(r'env_bool\("(\w+)"', SETTINGS_FILE.read_text())))


def test_the_settings_read_booleans():
    assert {"DJANGO_DEBUG", "DJANGO_HTTPS"} <= set(BOOLEAN_VARIABLES)


@pytest.mark.parametrize("value", ["1", "true", "TRUE", " yes ", "on"])
def test_env_bool_reads_on(monkeypatch, value):
    monkeypatch.setenv("ARGIL_TEST_FLAG", value)
    assert env_bool("ARGIL_TEST_FLAG", False) is True


@pytest.mark.parametrize("value", ["0", "false", "False", "no", "off"])
def test_env_bool_reads_off(monkeypatch, value):
    monkeypatch.setenv("ARGIL_TEST_FLAG", value)
    assert env_bool("ARGIL_TEST_FLAG", True) is False


@pytest.mark.parametrize("value", [None, "", "  "])
def test_env_bool_unset_or_blank_is_the_default(monkeypatch, value):
    if value is None:
        monkeypatch.delenv("ARGIL_TEST_FLAG", raising=False)
    else:
        monkeypatch.setenv("ARGIL_TEST_FLAG", value)
    assert env_bool("ARGIL_TEST_FLAG", True) is True
    assert env_bool("ARGIL_TEST_FLAG", False) is False


@pytest.mark.parametrize("variable", BOOLEAN_VARIABLES)
@pytest.mark.parametrize("typo", ["ture", "flase", "2", "enabled"])
def test_a_boolean_typo_stops_the_settings_with_the_name_and_the_accepted_values(
    monkeypatch, variable, typo
):
    monkeypatch.setenv("DJANGO_SECRET_KEY", "tests-only-not-a-secret")
    monkeypatch.setenv(variable, typo)
    # The settings file run afresh, as a starting process would; Django's loaded settings stay.
    with pytest.raises(ImproperlyConfigured) as caught:
        runpy.run_path(str(SETTINGS_FILE))
    message = str(caught.value)
    assert f"{variable}={typo!r}" in message
    assert "1, on, true, yes" in message
    assert "0, false, no, off" in message
