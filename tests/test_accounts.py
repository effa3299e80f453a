"""Creating editor accounts: common or weak passwords are refused, also without a prompt."""

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("password", ["password123", "qwertyuiop", "12345678", "maya"])
def test_createsuperuser_noinput_refuses_a_weak_password(monkeypatch, django_user_model, password):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", password)
    with pytest.raises(CommandError, match="DJANGO_SUPERUSER_PASSWORD"):
        call_command("createsuperuser", "--noinput", username="maya", email="maya@example.com")
    assert not django_user_model.objects.exists()


def test_createsuperuser_noinput_takes_a_strong_password(monkeypatch, django_user_model):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "lisbon-rooftops-at-dusk-7")
    call_command("createsuperuser", "--noinput", username="maya", email="maya@example.com")
    assert django_user_model.objects.get(username="maya").check_password(
        "lisbon-rooftops-at-dusk-7"
    )


def test_password_validators_are_on_in_the_settings_tests_use(settings):
    names = {v["NAME"].rsplit(".", 1)[-1] for v in settings.AUTH_PASSWORD_VALIDATORS}
    assert "CommonPasswordValidator" in names
    assert "MinimumLengthValidator" in names
