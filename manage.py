#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    if sys.argv[1:2] == ["sandbox"]:
        # The sandbox is its own program and needs none of the dashboard's settings: it runs
        # without DJANGO_SECRET_KEY or DJANGO_DEBUG (a load test's upstream, a second machine).
        from argil_sandbox.__main__ import main as sandbox

        sys.exit(sandbox(sys.argv[2:]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "argil_dashboard.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
