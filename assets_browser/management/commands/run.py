"""`manage.py run`: what `make run` starts.

With ARGIL_API_KEY set, this is runserver against the real API. Without it, it first starts the
built-in sandbox (`python -m argil_sandbox`, a stand-in of the Argil Assets API with a sample
library) as its own process on loopback, points the dashboard at it with a throwaway key, and
makes sure a demo editor can log in. Beside the dashboard it runs the catalogue sync
(`manage.py sync_assets --watch`, which search and sort read from) unless `--no-sync`.
Ctrl-C or SIGTERM stops every process it started.
"""

import contextlib
import os
import secrets
import signal
import subprocess
import sys
import threading
from typing import TextIO

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo-editor"  # a local sample library only; printed on the console and login page
SANDBOX_BANNER = "Argil sandbox: "  # the first line `python -m argil_sandbox` prints


class Command(BaseCommand):
    help = "Serve the dashboard on 127.0.0.1:8000; with no ARGIL_API_KEY, against the sandbox."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument(
            "--sandbox-port", type=int, default=int(os.environ.get("ARGIL_SANDBOX_PORT", "8001"))
        )
        parser.add_argument(
            "--no-sync", action="store_true", help="do not run the catalogue sync beside it"
        )

    def handle(self, *args, addrport: str, sandbox_port: int, no_sync: bool, **options):
        # SIGTERM ends this like Ctrl-C, so the `finally` blocks stop the children.
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        env = dict(os.environ)
        if settings.ARGIL_API_KEY:
            self.stdout.write(f"Using the Argil API at {settings.ARGIL_API_BASE_URL}.")
            return self._serve(addrport, env, sync=not no_sync)
        key = secrets.token_urlsafe(24)
        sandbox, base_url = self._start_sandbox(sandbox_port, env | {"ARGIL_API_KEY": key})
        try:
            env |= {"ARGIL_API_KEY": key, "ARGIL_API_BASE_URL": base_url, "ARGIL_SANDBOX": "1"}
            # The sandbox serves its media on loopback: let the media prober read them there.
            env["ARGIL_MEDIA_ALLOW_PRIVATE"] = "1"
            self._ensure_demo_editor()
            self.stdout.write(
                self.style.WARNING(
                    "demo mode: built-in sample library; set ARGIL_API_KEY to browse your own."
                )
            )
            self.stdout.write(f"  sandbox API: {base_url}")
            self.stdout.write(
                f"  open http://{addrport}/ and log in as {DEMO_USERNAME!r}"
                f" with password {DEMO_PASSWORD!r}"
            )
            return self._serve(addrport, env, sync=not no_sync)
        finally:
            _stop(sandbox)

    def _start_sandbox(self, port: int, env: dict[str, str]) -> tuple[subprocess.Popen, str]:
        """Start `python -m argil_sandbox` and wait for the base URL it prints once listening."""
        command = [
            sys.executable,
            "-m",
            "argil_sandbox",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ]
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, text=True, start_new_session=True
        )
        assert process.stdout is not None
        first_line = process.stdout.readline()  # blocks until listening, or EOF if it failed
        if not first_line.startswith(SANDBOX_BANNER):
            _stop(process)
            raise CommandError(f"the sandbox did not start on 127.0.0.1:{port} (see above)")
        # Its later lines (e.g. "Stopping the sandbox.") go on to our console.
        threading.Thread(target=_echo, args=(process.stdout,), daemon=True).start()
        return process, first_line.removeprefix(SANDBOX_BANNER).strip()

    def _serve(self, addrport: str, env: dict[str, str], *, sync: bool) -> None:
        # runserver runs as a child so it sees the sandbox's settings from its environment, and so
        # its autoreloader restarts only the dashboard, never the sandbox. The sync worker is a
        # child too (its own process group), with plain log lines: a progress bar redrawn with
        # \r would garble runserver's output on the shared console.
        manage = os.path.join(settings.BASE_DIR, "manage.py")
        worker = None
        if sync:
            self.stdout.write("  catalogue sync: watching (manage.py sync_assets --watch)")
            worker = subprocess.Popen(
                [sys.executable, manage, "sync_assets", "--watch", "--plain"],
                env=env,
                start_new_session=True,
            )
        try:
            server = subprocess.Popen(
                [sys.executable, manage, "runserver", addrport], env=env, start_new_session=True
            )
            try:
                with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C stops all; no traceback
                    server.wait()
            finally:
                _stop(server)
        finally:
            if worker is not None:
                _stop(worker)

    def _ensure_demo_editor(self) -> None:
        users = get_user_model()
        if not users.objects.filter(username=DEMO_USERNAME).exists():
            users.objects.create_user(DEMO_USERNAME, password=DEMO_PASSWORD)
            self.stdout.write(f"  created the demo editor account {DEMO_USERNAME!r}")


def _echo(lines: TextIO) -> None:
    for line in lines:
        sys.stdout.write(line)


def _stop(process: subprocess.Popen, grace_seconds: float = 10) -> None:
    """SIGTERM to the child's whole process group (runserver's autoreloader runs the server in a
    grandchild), then SIGKILL if it has not ended within the grace period."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(grace_seconds)
            return
        except subprocess.TimeoutExpired:
            continue
