"""`manage.py sandbox`: the Argil API stand-in in the foreground, for the dashboard or a load test.

    python manage.py sandbox --port 8001 --latency-ms 80 --library-size 240

Point the dashboard at the printed base URL with the same key (ARGIL_API_KEY). Faults can be
injected while it runs: POST /__sandbox__/faults (see assets_browser/sandbox/app.py).
"""

import os
import threading

from django.core.management.base import BaseCommand, CommandError

from assets_browser.sandbox import SandboxConfig, start_sandbox

DEFAULT_KEY = "sandbox-key"


class Command(BaseCommand):
    help = "Serve the Argil API sandbox (a stand-in of the v1 Assets API) until Ctrl-C."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, required=True, help="0 picks a free port")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument(
            "--api-key",
            help=f"the key clients must send; default: $ARGIL_API_KEY, else {DEFAULT_KEY!r}."
            " Prefer the environment: a command line is visible to other users in ps.",
        )
        parser.add_argument("--latency-ms", type=int, default=0, help="delay on every /v1 call")
        parser.add_argument("--library-size", type=int, default=240, help="seed assets")
        parser.add_argument(
            "--processing-seconds", type=float, default=4.0, help="PROCESSING time of uploads"
        )
        parser.add_argument("--seed", type=int, default=7, help="seed of the sample library")

    def handle(self, *args, **options):
        api_key, key_source = self._api_key(options["api_key"])
        try:
            config = SandboxConfig(
                latency_ms=options["latency_ms"],
                library_size=options["library_size"],
                processing_seconds=options["processing_seconds"],
                seed=options["seed"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        try:
            sandbox = start_sandbox(
                host=options["host"], port=options["port"], api_key=api_key, config=config
            )
        except OSError as exc:
            where = f"{options['host']}:{options['port']}"
            raise CommandError(f"cannot listen on {where}: {exc}") from exc
        with sandbox:
            self.stdout.write(f"Argil sandbox: {sandbox.base_url}")
            self.stdout.write(f"  {config.library_size} assets (seed {config.seed}); {key_source}")
            self.stdout.write("  media under /media/; faults and stats under /__sandbox__/")
            self.stdout.write("Quit with CONTROL-C.")
            try:
                threading.Event().wait()  # the server runs on its own thread
            except KeyboardInterrupt:
                self.stdout.write("Stopping the sandbox.")

    @staticmethod
    def _api_key(given: str | None) -> tuple[str, str]:
        """The key and a description of where it came from; the key itself is never printed."""
        if given:
            return given, "API key: the one given with --api-key"
        if os.environ.get("ARGIL_API_KEY"):
            return os.environ["ARGIL_API_KEY"], "API key: $ARGIL_API_KEY"
        return DEFAULT_KEY, f"API key: the default {DEFAULT_KEY!r} (set ARGIL_API_KEY to change it)"
