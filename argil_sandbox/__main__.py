"""`python -m argil_sandbox`: the Argil API stand-in in the foreground, until Ctrl-C or SIGTERM.

    python -m argil_sandbox --port 8001 --latency-ms 80 --library-size 240

The key clients must send comes from $ARGIL_API_KEY (never from the command line, which other
users can read in ps). The first line printed is the base URL, for whoever started the process.
Faults can be injected while it runs: POST /__sandbox__/faults (see app.py).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading

from .app import SandboxConfig
from .server import start_sandbox

DEFAULT_KEY = "sandbox-key"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m argil_sandbox", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--port", type=int, default=8001, help="0 picks a free port")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--latency-ms", type=int, default=0, help="delay on every /v1 call")
    parser.add_argument(
        "--media-latency-ms", type=int, default=0, help="delay on every /media request"
    )
    parser.add_argument("--library-size", type=int, default=240, help="seed assets")
    parser.add_argument(
        "--processing-seconds", type=float, default=4.0, help="PROCESSING time of uploads"
    )
    parser.add_argument("--seed", type=int, default=7, help="seed of the sample library")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    api_key = os.environ.get("ARGIL_API_KEY") or DEFAULT_KEY
    try:
        config = SandboxConfig(
            latency_ms=args.latency_ms,
            media_latency_ms=args.media_latency_ms,
            library_size=args.library_size,
            processing_seconds=args.processing_seconds,
            seed=args.seed,
        )
    except ValueError as exc:
        print(f"argil_sandbox: {exc}", file=sys.stderr)
        return 2
    try:
        sandbox = start_sandbox(host=args.host, port=args.port, api_key=api_key, config=config)
    except OSError as exc:
        print(f"argil_sandbox: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    # SIGTERM ends it like Ctrl-C: the `with` block stops the server and closes the socket.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    with sandbox:
        key_source = "$ARGIL_API_KEY" if os.environ.get("ARGIL_API_KEY") else repr(DEFAULT_KEY)
        print(f"Argil sandbox: {sandbox.base_url}", flush=True)
        print(f"  {config.library_size} assets (seed {config.seed}); API key: {key_source}")
        print("  media under /media/; faults and stats under /__sandbox__/")
        print("Quit with CONTROL-C.", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()  # the server runs on its own threads
        print("Stopping the sandbox.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
