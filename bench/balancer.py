"""The load test's balancer: Debian's nginx, configured here, on loopback (bench/loadtest.py).

    config = balancer.write_config(workdir, port=8080, backends=[8001, 8002])
    start_process("loadtest-balancer", balancer.command(workdir), ...)
    ...
    balancer.stats(workdir)   # counters read from nginx's access log

What the configuration asks of nginx (its passive health checks, as production would have):
- round robin to the gunicorns, each request on a new upstream connection (HTTP/1.0 and
  `Connection: close`, nginx's default), so a kept-alive socket can never be reused as it closes;
- a gunicorn that refuses the connection is skipped for DOWN_SECONDS (`max_fails=1
  fail_timeout`) and the request goes to the other: a *failover*. Nothing was sent, so this is
  safe for every method, POST included;
- a gunicorn that accepts the connection and closes it before any answer: a GET or HEAD goes to
  the other (a *retry*); anything else is answered 502 by nginx itself (`proxy_next_upstream
  error`, and `non_idempotent` left off: a POST is never sent twice);
- no answer within BACKEND_TIMEOUT: 504 from nginx, never sent again.
nginx's own 502/504 carry `X-Balancer-Error`, so the load test tells them from the dashboard's
(which carry a message for the editor). It sets `X-Forwarded-For` and `X-Forwarded-Proto`, as
a first proxy must (the dashboard runs with DJANGO_PROXY_COUNT=1).

Needs nginx (Debian: apt-get install nginx; .ci/run installs it). Its error log
(each refused or dropped connection, with the time) goes to stderr: bench/out/loadtest-balancer.log.
"""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

# A gunicorn that refused a connection is skipped this long, then tried again (passive checks).
DOWN_SECONDS = 1
# Connecting on loopback takes microseconds; a gunicorn whose listen queue is full is not ready.
CONNECT_TIMEOUT = 2
# Above the dashboard's own worst case (~28 s, assets_browser/api.py) and gunicorn's graceful
# timeout (35 s): the balancer never gives up on an answer the dashboard would still send.
BACKEND_TIMEOUT = 60
ACCESS_LOG = "access.jsonl"

CONFIG = """\
# Written by bench/balancer.py for one load-test run; loopback only.
worker_processes 1;
pid {work}/nginx.pid;
error_log stderr error;
{user}
events {{
    worker_connections 1024;
}}

http {{
    access_log off;
    client_body_temp_path {work}/client_body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    client_max_body_size 10m;
    keepalive_timeout 75s;

    # One line per request: every attempt's gunicorn, status and connect time ("-" when the
    # connection was refused), and whether nginx answered itself.
    log_format attempts escape=json '{{"method":"$request_method","uri":"$request_uri",'
        '"status":$status,"upstream":"$upstream_addr","upstream_status":"$upstream_status",'
        '"connect":"$upstream_connect_time","balancer_error":"$sent_http_x_balancer_error",'
        '"request_time":"$request_time","upstream_time":"$upstream_response_time",'
        '"msec":"$msec"}}';

    upstream dashboards {{
{servers}
    }}

    server {{
        listen 127.0.0.1:{port} backlog=256;
        access_log {work}/{access_log} attempts;

        location / {{
            proxy_pass http://dashboards;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto http;
            proxy_connect_timeout {connect_timeout}s;
            proxy_read_timeout {backend_timeout}s;
            proxy_send_timeout {backend_timeout}s;
            proxy_next_upstream error;
            proxy_next_upstream_tries 2;
            proxy_buffering on;
        }}

        error_page 502 @dropped;
        error_page 504 @timeout;
        location @dropped {{
            add_header X-Balancer-Error backend-dropped always;
            return 502 "no backend answered\\n";
        }}
        location @timeout {{
            add_header X-Balancer-Error backend-timeout always;
            return 504 "the backend did not answer in time\\n";
        }}
    }}
}}
"""


def nginx() -> str:
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if not found:
        raise RuntimeError(
            "make loadtest needs nginx as its balancer: apt-get install nginx (Debian/Ubuntu;"
            " .ci/run installs it), or brew install nginx (macOS)."
        )
    return found


def write_config(work: Path, *, port: int, backends: list[int]) -> Path:
    """nginx.conf in ``work`` (which also gets its pid file, temp files and access log)."""
    for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (work / sub).mkdir(parents=True, exist_ok=True)
    servers = "\n".join(
        f"        server 127.0.0.1:{p} max_fails=1 fail_timeout={DOWN_SECONDS}s;" for p in backends
    )
    config = work / "nginx.conf"
    config.write_text(
        CONFIG.format(
            work=work,
            # As root, nginx's workers would switch to "nobody", who cannot write in ``work``.
            user="user root;" if os.geteuid() == 0 else "",
            servers=servers,
            port=port,
            access_log=ACCESS_LOG,
            connect_timeout=CONNECT_TIMEOUT,
            backend_timeout=BACKEND_TIMEOUT,
        )
    )
    return config


def command(work: Path) -> list[str]:
    """Run nginx in the foreground (SIGTERM: fast stop), with everything in ``work``."""
    config = work / "nginx.conf"
    return [nginx(), "-p", str(work), "-c", str(config), "-e", "stderr", "-g", "daemon off;"]


def _attempts(value: str) -> list[str]:
    # Attempts are separated by ", "; " : " separates internal redirects (our error pages).
    return [part.strip() for part in value.replace(" : ", ", ").split(", ") if part.strip()]


def stats(work: Path) -> dict[str, Any]:
    """The counters the load test reports, from the access log nginx wrote."""
    counts: Counter[str] = Counter()
    answered: Counter[str] = Counter()
    healthz: list[float] = []  # nginx's seconds per /healthz: first byte read to last byte sent
    log = work / ACCESS_LOG
    lines = log.read_text().splitlines() if log.exists() else []
    for line in lines:
        entry = json.loads(line)
        counts["requests"] += 1
        if entry["uri"] == "/healthz" and entry.get("request_time"):
            healthz.append(float(entry["request_time"]))
        upstreams = _attempts(entry["upstream"])
        connects = _attempts(entry["connect"])
        for connect in connects[: len(upstreams) - 1]:
            # An attempt passed on: refused (never connected), or dropped after the connect.
            counts["failovers" if connect == "-" else "retries"] += 1
        error = entry["balancer_error"]
        if error == "backend-dropped":
            counts["dropped"] += 1
        elif error == "backend-timeout":
            counts["timeouts"] += 1
        elif upstreams:
            answered[upstreams[-1]] += 1
    return {
        "requests": counts["requests"],
        "failovers": counts["failovers"],
        "retries": counts["retries"],
        "dropped": counts["dropped"],
        "timeouts": counts["timeouts"],
        "backends": dict(sorted(answered.items())),
        "healthz": healthz,
    }
