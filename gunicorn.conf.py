"""gunicorn settings for the dashboard: `gunicorn -c gunicorn.conf.py argil_dashboard.wsgi`.

`make serve` runs exactly that. Every number can be overridden from the environment (one
variable each, below); gunicorn's own command-line flags win over this file.

The dashboard is an I/O-bound proxy: a request spends almost all of its time waiting for Argil
(up to ~28 s in the worst case, see the time budget at the top of assets_browser/api.py) and very
little rendering. So:
- gthread workers: each process serves `threads` requests at once, each thread blocking on its
  own upstream call; a sync worker would hold a whole process per waiting request.
- processes for the CPU part (templates, JSON) the GIL keeps to one core per process.
- the processes share nothing in memory: sessions, boards and the login throttle are in the
  database, the upstream cache in Redis (REDIS_URL), so any process on any machine can serve any
  request behind a load balancer.
"""

import ipaddress
import multiprocessing
import os
import select
import signal
import sys


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)  # unset or empty (as in .env.example): default


# --- Where to listen -------------------------------------------------------------------------

# GUNICORN_BIND wins (e.g. "0.0.0.0:8000" or "unix:/run/argil.sock"); else PORT (the PaaS
# convention: listen on every interface); else loopback only, for a proxy on the same machine.
if os.environ.get("GUNICORN_BIND"):
    bind = [os.environ["GUNICORN_BIND"]]
elif os.environ.get("PORT"):
    bind = [f"0.0.0.0:{os.environ['PORT']}"]
else:
    bind = ["127.0.0.1:8000"]

# --- Processes and threads -------------------------------------------------------------------

worker_class = "gthread"
# 2 x cores + 1 (gunicorn's rule of thumb), capped at 8: past that, more processes only cost
# memory (~80 MB each) and database connections, since the waiting is done by threads.
workers = env_int("GUNICORN_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 8))
# Requests in flight per process. Waiting threads cost little (a stack each); with 2 cores that
# is 5 x 12 = 60 concurrent requests per machine, ~2 requests a second each even if every one
# hit the 28 s worst case. 12 rather than 8: under `make loadtest` (32 editors) 8 threads per
# process were all busy often enough that /healthz waited for one (p95 171 ms in the listen
# backlog; 44 ms with 12, docs/performance.md). Each thread keeps its own database connection
# (CONN_MAX_AGE) and its own upstream session: machines x workers x threads must stay below
# PostgreSQL's max_connections (100 by default; use pgbouncer or DJANGO_CONN_MAX_AGE=0 past that).
# settings.ARGIL_API_POOL_MAXSIZE reads the same variable, so the upstream pool is never smaller.
threads = env_int("GUNICORN_THREADS", 12)
# Connections one process holds at once: as many as its threads. gthread's default (1000) lets a
# process accept a request while all its threads are busy; it then waits in that process's queue
# although another process may have a free thread. At `threads`, a busy process stops accepting:
# the connection waits in the listen backlog the processes share and the first free thread in
# any process takes it (docs/performance.md: /healthz under `make loadtest`). No room is left
# for idle keep-alive connections, so keep-alive is off unless this is raised past `threads`.
worker_connections = env_int("GUNICORN_WORKER_CONNECTIONS", threads)

# How long a thread may keep the GIL while another waits for it (Python's default: 5 ms). A
# short request (/healthz, a cached page) waits for the GIL again after each I/O it does, behind
# the threads rendering pages; 1 ms hands it over sooner, at a small cost in throughput (more
# switches). Under `make loadtest`: /healthz p95 inside Django 120 -> 86 ms (docs/performance.md).
switch_interval_ms = float(os.environ.get("GUNICORN_SWITCH_INTERVAL_MS") or 1)

# --- Time limits -----------------------------------------------------------------------------

# For gthread this is a liveness check, not a request limit: the master restarts a process whose
# main loop stops answering for this long. It must still outlast the worst upstream call (~28 s)
# plus rendering, so a switch to sync workers could never kill a request the client would finish.
timeout = env_int("GUNICORN_TIMEOUT", 60)
# On restart or deploy (SIGTERM, max_requests), requests in flight get this long to finish: the
# worst upstream case plus rendering, so no editor sees a dropped connection.
graceful_timeout = env_int("GUNICORN_GRACEFUL_TIMEOUT", 35)
# Idle keep-alive connections from the load balancer. Set it above the balancer's own idle
# timeout (e.g. 65 behind an AWS ALB's 60), or the balancer may reuse a connection gunicorn is
# just closing and answer 502.
keepalive = env_int("GUNICORN_KEEPALIVE", 5) if worker_connections > threads else 0

# Recycle each process after ~2000 requests (a slow leak never grows for long); the jitter keeps
# the processes from all restarting at once.
max_requests = env_int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = env_int("GUNICORN_MAX_REQUESTS_JITTER", 200)

# The heartbeat file in memory: on a disk-backed /tmp (containers) its fchmod can stall a worker.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# --- Proxies ---------------------------------------------------------------------------------

# Peers whose X-Forwarded-Proto gunicorn believes (it then sets wsgi.url_scheme). The load
# balancer's address(es) or subnet, e.g. FORWARDED_ALLOW_IPS=10.0.0.0/8.
# A client-supplied X-Forwarded-Proto: https over plain HTTP is believed from these peers: a
# client inside them (on the same machine, with the default) passes as secure. Django decides
# https from the same header through SECURE_PROXY_SSL_HEADER (on with DJANGO_HTTPS), from
# whoever reaches gunicorn. So gunicorn must be reachable only through a proxy that overwrites
# the header on every request: bind to loopback or a private network. "*" (or 0.0.0.0/0) only
# where nothing but the balancer can reach gunicorn; `make serve` warns when gunicorn listens
# beyond loopback while trusting every peer (on_starting, below).
# gunicorn never rewrites REMOTE_ADDR from X-Forwarded-For: the login throttle reads that header
# itself, as DJANGO_PROXY_COUNT says (settings.py).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS") or "127.0.0.1,::1"


def forwarded_trust_warning(binds: list[str], allow_ips: str) -> str | None:
    """What is wrong when gunicorn listens beyond loopback and believes every peer's forwarded
    headers (anyone could claim https), else None."""
    public = [address for address in binds if not _is_loopback(address)]
    trusted = [item.strip() for item in allow_ips.split(",") if item.strip()]
    if not public or not any(_is_everyone(item) for item in trusted):
        return None
    return (
        f"gunicorn listens on {', '.join(public)} and FORWARDED_ALLOW_IPS={allow_ips!r} "
        "trusts X-Forwarded-Proto from every peer: any client that reaches this port can claim "
        "https over plain HTTP. Set FORWARDED_ALLOW_IPS to the load balancer's address or subnet, "
        "or bind to loopback or a private network only the balancer reaches."
    )


def _is_loopback(address: str) -> bool:
    if address.startswith(("unix:", "fd://")):
        return True  # a local socket: only this machine connects
    host = address.rsplit(":", 1)[0] if ":" in address else address
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name (or 0.0.0.0-like wildcard): assume reachable


def _is_everyone(item: str) -> bool:
    if item == "*":
        return True
    try:
        return ipaddress.ip_network(item, strict=False).prefixlen == 0
    except ValueError:
        return False


def on_starting(server) -> None:
    warning = forwarded_trust_warning(bind, forwarded_allow_ips)
    if warning:
        server.log.warning("WARNING: %s", warning)


# --- Logs ------------------------------------------------------------------------------------

# No access log: Django's RequestLogMiddleware writes one JSON line per request to stdout, with
# the user, upstream calls and cache hits an access log cannot know. gunicorn's own messages
# (start, worker restarts, errors) go to stderr.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL") or "info"

# Not used (no gunicornc); its fixed per-user default path would collide between two gunicorns
# on one machine.
control_socket_disable = True

# --- Graceful stop -----------------------------------------------------------------------------

# On SIGTERM (a deploy, a restart) gunicorn lets requests in flight finish, up to
# graceful_timeout. Its master closes the listening socket at once, but each gthread worker keeps
# its copy open until its own requests are done: meanwhile the kernel still completes new
# connections into the backlog, nobody accepts them, and they are reset when the worker exits.
# A balancer has sent the request by then, so it cannot tell "never read" from "half done" and
# answers a POST with 502 (nginx and AWS ALB both do; a known gunicorn limit). `make loadtest`
# showed it: POSTs dropped while one of two gunicorns restarted. So as soon as the stop begins,
# each worker takes the connections already waiting in the backlog (they are served like any
# request in flight) and closes its copy: once every copy is closed, new connections are refused
# and the balancer sends them to another process, which is safe for every method.


def post_worker_init(worker):
    sys.setswitchinterval(switch_interval_ms / 1000)
    if worker.__class__.__name__ != "ThreadWorker" or not hasattr(worker, "method_queue"):
        return  # not the gthread worker this was written for (gunicorn 27): keep its behaviour
    handle_exit = worker.handle_exit

    def stop_listening() -> None:
        # On the worker's main thread (its event loop), never inside the signal handler.
        worker.set_accept_enabled(False)
        for listener in worker.sockets:
            try:
                while select.select([listener], [], [], 0)[0]:
                    worker.accept(listener)  # queued for a thread, counted as in flight
            except OSError:
                pass  # e.g. out of file descriptors: close anyway
            listener.close()
        worker.log.info("Stopped listening; finishing %s connection(s) in flight", worker.nr_conns)

    def handle_exit_and_stop_listening(sig, frame) -> None:
        stopping = worker.alive
        handle_exit(sig, frame)
        if stopping:
            worker.method_queue.defer(stop_listening)

    signal.signal(signal.SIGTERM, handle_exit_and_stop_listening)
