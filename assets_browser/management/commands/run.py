"""`manage.py run`: what `make run` starts.

With ARGIL_API_KEY set, this is runserver against the real API. Without it, it first starts the
built-in sandbox (a stand-in of the Argil Assets API with a sample library) on loopback, points the
dashboard at it with a throwaway key, and makes sure a demo editor can log in.
"""

import contextlib
import os
import secrets
import subprocess
import sys

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from assets_browser.sandbox import start_sandbox

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo-editor"  # a local sample library only; printed on the console and login page


class Command(BaseCommand):
    help = "Serve the dashboard on 127.0.0.1:8000; with no ARGIL_API_KEY, against the sandbox."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument(
            "--sandbox-port", type=int, default=int(os.environ.get("ARGIL_SANDBOX_PORT", "8001"))
        )

    def handle(self, *args, addrport: str, sandbox_port: int, **options):
        env = dict(os.environ)
        if settings.ARGIL_API_KEY:
            self.stdout.write(f"Using the Argil API at {settings.ARGIL_API_BASE_URL}.")
            return self._serve(addrport, env)
        key = secrets.token_urlsafe(24)
        with start_sandbox(host="127.0.0.1", port=sandbox_port, api_key=key) as sandbox:
            env |= {
                "ARGIL_API_KEY": key,
                "ARGIL_API_BASE_URL": sandbox.base_url,
                "ARGIL_SANDBOX": "1",
            }
            self._ensure_demo_editor()
            self.stdout.write(
                self.style.WARNING(
                    "demo mode: built-in sample library; set ARGIL_API_KEY to browse your own."
                )
            )
            self.stdout.write(f"  sandbox API: {sandbox.base_url}")
            self.stdout.write(
                f"  open http://{addrport}/ and log in as {DEMO_USERNAME!r}"
                f" with password {DEMO_PASSWORD!r}"
            )
            return self._serve(addrport, env)

    def _serve(self, addrport: str, env: dict[str, str]) -> None:
        # runserver runs as a child so it sees the sandbox's settings from its environment, and so
        # its autoreloader restarts only the dashboard, never the sandbox.
        manage = os.path.join(settings.BASE_DIR, "manage.py")
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C stops both; no traceback
            subprocess.run([sys.executable, manage, "runserver", addrport], env=env, check=False)

    def _ensure_demo_editor(self) -> None:
        users = get_user_model()
        if not users.objects.filter(username=DEMO_USERNAME).exists():
            users.objects.create_user(DEMO_USERNAME, password=DEMO_PASSWORD)
            self.stdout.write(f"  created the demo editor account {DEMO_USERNAME!r}")
