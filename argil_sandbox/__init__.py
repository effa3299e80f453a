"""A stand-in for the Argil v1 Assets API, on loopback, with a deterministic library.

It lets the dashboard run on a fresh machine with no key and no network, and lets tests and
benchmarks talk to a real HTTP server. It imports nothing from the dashboard (a test holds that);
the dashboard starts it as a process: `python -m argil_sandbox --port 8001`. See app.py for the
routes and the choices it makes where Argil's docs are silent, library.py for the seed library,
make_media.py for the sample files, server.py for the HTTP server.
"""

from .app import SandboxApp, SandboxConfig, make_app
from .server import RunningSandbox, start_sandbox

__all__ = ["RunningSandbox", "SandboxApp", "SandboxConfig", "make_app", "start_sandbox"]
