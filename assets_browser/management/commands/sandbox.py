"""`manage.py sandbox`: the Argil API stand-in in the foreground, for the dashboard or a load test.

    python manage.py sandbox --port 8001 --latency-ms 80 --library-size 240

The same as `python -m argil_sandbox`: manage.py hands `sandbox` straight to it, before loading
the dashboard's settings (so it needs no DJANGO_SECRET_KEY or DJANGO_DEBUG); this command is
what `call_command("sandbox")` runs (as its own process: the dashboard imports
nothing from the sandbox). Point the dashboard at the printed base URL with the same key
(ARGIL_API_KEY).
"""

import os
import sys

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the Argil API sandbox (a stand-in of the v1 Assets API) until Ctrl-C."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, required=True, help="0 picks a free port")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--latency-ms", type=int, default=0, help="delay on every /v1 call")
        parser.add_argument("--library-size", type=int, default=240, help="seed assets")
        parser.add_argument(
            "--processing-seconds", type=float, default=4.0, help="PROCESSING time of uploads"
        )
        parser.add_argument("--seed", type=int, default=7, help="seed of the sample library")

    def handle(self, *args, **options):
        argv = [sys.executable, "-m", "argil_sandbox"]
        for name in ("port", "host", "latency_ms", "library_size", "processing_seconds", "seed"):
            argv += [f"--{name.replace('_', '-')}", str(options[name])]
        sys.stdout.flush()
        os.execv(sys.executable, argv)  # the key travels in the environment, never in argv
