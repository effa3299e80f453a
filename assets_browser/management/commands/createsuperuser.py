"""Django's createsuperuser, except that --noinput checks DJANGO_SUPERUSER_PASSWORD too.

Django validates the password (AUTH_PASSWORD_VALIDATORS: common, too short, all digits, like the
username) only when it prompts for it; `createsuperuser --noinput` with DJANGO_SUPERUSER_PASSWORD,
the way README.md creates editor accounts, would take "password123". Our app comes before
django.contrib.auth in INSTALLED_APPS so this command replaces Django's.
"""

import os

from django.contrib.auth.management.commands import createsuperuser
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import CommandError


class Command(createsuperuser.Command):
    def handle(self, *args, **options):
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD")
        if not options["interactive"] and password is not None:
            username = options.get("username") or os.environ.get("DJANGO_SUPERUSER_USERNAME", "")
            email = options.get("email") or os.environ.get("DJANGO_SUPERUSER_EMAIL", "")
            try:
                # As Django's prompt does: against a user with the given name and email.
                validate_password(password, User(username=username, email=email))
            except ValidationError as exc:
                raise CommandError(
                    "DJANGO_SUPERUSER_PASSWORD is refused: " + " ".join(exc.messages)
                ) from exc
        return super().handle(*args, **options)
