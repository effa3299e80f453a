"""Production settings for real: check --deploy, collectstatic, gunicorn + WhiteNoise, make serve.

Each test runs the project as it is deployed, in subprocesses with a production environment
(DEBUG off, a strong secret, HTTPS behind a proxy) rather than the test settings.
"""

import gzip
import json
import os
import re
import runpy
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import brotli
import pytest
import requests
from django.conf import settings

BASE_DIR = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"
HOST = "assets.example.com"
HTTPS = {"Host": HOST, "X-Forwarded-Proto": "https"}  # what the TLS-terminating proxy adds
STARTUP_SECONDS = 30
ONE_YEAR = 365 * 24 * 3600


def production_env(root: Path, **extra: str) -> dict[str, str]:
    """The environment a deployment has: nothing from the test run's DJANGO_*/GUNICORN_*."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "GUNICORN_", "ARGIL_"))
        and key not in {"PORT", "FORWARDED_ALLOW_IPS", "DATABASE_URL", "REDIS_URL"}
    }
    return {
        **env,
        "DJANGO_SETTINGS_MODULE": "argil_dashboard.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_HTTPS": "1",
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DJANGO_CSRF_TRUSTED_ORIGINS": f"https://{HOST}",
        "DJANGO_STATIC_ROOT": str(root / "staticfiles"),
        "DATABASE_URL": f"sqlite:///{root / 'db.sqlite3'}",
        "ARGIL_API_KEY": settings.ARGIL_API_KEY,
        "ARGIL_API_BASE_URL": "https://api.argil.ai/v1",
        "ARGIL_MEDIA_HOSTS": "https://cdn.argil.ai",
        **extra,
    }


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Settings checks


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_warns_without_media_hosts(tmp_path):
    env = production_env(tmp_path)
    del env["ARGIL_MEDIA_HOSTS"]
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 1
    assert "assets_browser.W001" in result.stderr
    assert "ARGIL_MEDIA_HOSTS=https://cdn.argil.ai" in result.stderr


def test_check_deploy_fails_with_debug_on(tmp_path):
    env = production_env(tmp_path, DJANGO_DEBUG="1")
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 1
    assert "security.W018" in result.stderr  # DEBUG in deployment


def test_make_serve_refuses_to_start_without_a_secret_key(tmp_path):
    env = production_env(tmp_path)
    del env["DJANGO_SECRET_KEY"]
    env["DJANGO_DEBUG"] = "1"  # make serve turns debug off whatever the environment says
    result = subprocess.run(
        # -o: take the installed virtualenv as up to date (no pip run inside a test).
        ["make", "--no-print-directory", "-o", ".venv/.runtime-installed", "serve"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured: Set DJANGO_SECRET_KEY (for example" in result.stdout
    assert "migrate" not in result.stdout  # refused before touching the database


# gunicorn.conf.py


@pytest.mark.parametrize(
    ("environment", "bind"),
    [
        ({}, ["127.0.0.1:8000"]),
        ({"PORT": "9000"}, ["0.0.0.0:9000"]),
        ({"PORT": "9000", "GUNICORN_BIND": "unix:/run/argil.sock"}, ["unix:/run/argil.sock"]),
    ],
)
def test_gunicorn_conf_binds_from_the_environment(monkeypatch, environment, bind):
    for name in ("PORT", "GUNICORN_BIND"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    conf = runpy.run_path(str(BASE_DIR / "gunicorn.conf.py"))
    assert conf["bind"] == bind


def test_gunicorn_conf_suits_an_io_bound_proxy():
    conf = runpy.run_path(str(BASE_DIR / "gunicorn.conf.py"))
    assert conf["worker_class"] == "gthread"
    assert 3 <= conf["workers"] <= 8
    assert conf["threads"] >= 4
    assert conf["timeout"] > 28  # the upstream worst case (assets_browser/api.py)
    assert conf["graceful_timeout"] > 28
    assert conf["max_requests"] > 0
    assert conf["max_requests_jitter"] > 0
    assert conf["accesslog"] is None


@pytest.mark.parametrize("threads", [None, "32"])
def test_upstream_pool_is_never_smaller_than_gunicorn_threads(threads):
    env = {key: value for key, value in os.environ.items() if key != "GUNICORN_THREADS"}
    if threads:
        env["GUNICORN_THREADS"] = threads
    code = (
        "import django, runpy; django.setup();"
        "from assets_browser import services;"
        "conf = runpy.run_path('gunicorn.conf.py');"
        "print(conf['threads'], services.argil_client()._pool_maxsize)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env={**env, "DJANGO_SETTINGS_MODULE": "tests.settings", "DJANGO_LOG_LEVEL": "ERROR"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    gunicorn_threads, pool_maxsize = map(int, result.stdout.split()[-2:])
    assert gunicorn_threads == int(threads or 12)
    assert pool_maxsize >= gunicorn_threads


# collectstatic, then gunicorn serving the collected files through WhiteNoise


@dataclass
class Served:
    url: str
    static_root: Path
    collectstatic: subprocess.CompletedProcess[str]
    stdout: Path
    stderr: Path

    def get(self, path: str, **headers: str) -> requests.Response:
        with requests.Session() as session:
            session.trust_env = False
            return session.get(
                self.url + path,
                headers={**HTTPS, **headers},
                allow_redirects=False,
                timeout=10,
            )

    def manifest(self) -> dict[str, str]:
        return json.loads((self.static_root / "staticfiles.json").read_text())["paths"]


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("production")
    port = free_port()
    env = production_env(
        root, GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS="1", GUNICORN_THREADS="2"
    )
    collected = manage("collectstatic", "--noinput", env=env)
    assert collected.returncode == 0, collected.stderr
    stdout, stderr = root / "gunicorn.stdout", root / "gunicorn.stderr"
    with stdout.open("w") as out, stderr.open("w") as err:
        process = subprocess.Popen(
            [str(GUNICORN), "-c", "gunicorn.conf.py", "argil_dashboard.wsgi"],
            cwd=BASE_DIR,
            env=env,
            stdout=out,
            stderr=err,
        )
    server = Served(f"http://127.0.0.1:{port}", root / "staticfiles", collected, stdout, stderr)
    try:
        _wait_until_up(server, process)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=60)


def _wait_until_up(server: Served, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, server.stderr.read_text()
        try:
            if server.get("/healthz").status_code == 200:
                return
        except requests.ConnectionError:
            time.sleep(0.1)  # a subprocess starting up, not a browser: poll its socket
    pytest.fail(f"gunicorn did not answer in {STARTUP_SECONDS} s: {server.stderr.read_text()}")


@pytest.mark.slow  # collectstatic and a gunicorn, once for the module
def test_collectstatic_writes_a_manifest_of_hashed_compressed_files(served):
    hashed = served.manifest()["assets_browser/css/base.css"]
    assert served.collectstatic.returncode == 0
    assert hashed != "assets_browser/css/base.css"
    assert re.fullmatch(r"assets_browser/css/base\.[0-9a-f]{12}\.css", hashed)
    assert (served.static_root / hashed).is_file()
    assert (served.static_root / f"{hashed}.gz").is_file()
    assert (served.static_root / f"{hashed}.br").is_file()


@pytest.mark.slow  # collectstatic and a gunicorn, once for the module
def test_collectstatic_points_module_imports_at_the_hashed_modules(served):
    manifest = served.manifest()
    main = (served.static_root / manifest["assets_browser/js/main.js"]).read_text()
    imported = re.findall(r'import"(\./[^"]+)";', main)
    assert "./status.js" not in main
    assert len(imported) >= 10
    for path in imported:  # each a hashed file that collectstatic wrote, beside main.js
        assert re.fullmatch(r"\./[a-z-]+\.[0-9a-f]{12}\.js", path)
        assert (served.static_root / "assets_browser/js" / path).is_file()


@pytest.mark.slow  # collectstatic and a gunicorn, once for the module
@pytest.mark.parametrize(
    ("encoding", "suffix", "decompress"),
    [("gzip", "gz", gzip.decompress), ("br", "br", brotli.decompress)],
)
def test_whitenoise_serves_hashed_file_compressed_and_cached_forever(
    served, encoding, suffix, decompress
):
    hashed = served.manifest()["assets_browser/js/main.js"]
    response = served.get(f"/static/{hashed}", **{"Accept-Encoding": encoding})
    original = (served.static_root / hashed).read_bytes()
    compressed = (served.static_root / f"{hashed}.{suffix}").read_bytes()
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == encoding
    assert int(response.headers["Content-Length"]) == len(compressed) < len(original)
    assert decompress(compressed) == original
    assert response.content == original  # requests decoded it back
    assert "Accept-Encoding" in response.headers["Vary"]
    assert f"max-age={10 * ONE_YEAR}" in response.headers["Cache-Control"]
    assert "immutable" in response.headers["Cache-Control"]
    assert response.headers["Content-Type"].startswith("text/javascript")


@pytest.mark.slow  # collectstatic and a gunicorn, once for the module
def test_whitenoise_unhashed_name_is_not_cached_forever(served):
    response = served.get("/static/assets_browser/js/main.js", **{"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert "immutable" not in response.headers["Cache-Control"]


@pytest.mark.slow  # collectstatic and a gunicorn, once for the module
def test_production_page_links_hashed_static_and_sends_hsts(served):
    response = served.get("/login/")
    html = response.text
    assert response.status_code == 200
    for name in ("themes", "base", "forms", "layout", "cards", "dialogs", "tray"):
        assert f"/static/{served.manifest()[f'assets_browser/css/{name}.css']}" in html
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "Secure" in response.headers["Set-Cookie"]


@pytest.mark.slow  # collectstatic and a gunicorn, once for the module
def test_production_plain_http_is_redirected_to_https(served):
    response = served.get("/login/", **{"X-Forwarded-Proto": "http"})
    assert response.status_code == 301
    assert response.headers["Location"] == f"https://{HOST}/login/"


@pytest.mark.slow  # collectstatic and a gunicorn, once for the module
def test_production_has_debug_off(served):
    response = served.get("/no-such-page")
    assert response.status_code == 404
    assert "URLconf" not in response.text  # Django's technical 404 page shows only in DEBUG


@pytest.mark.slow  # collectstatic and a gunicorn, once for the module
def test_gunicorn_logs_one_json_line_per_request_and_no_access_log(served):
    served.get("/login/?next=/%3Ftype%3DVIDEO")
    lines = [json.loads(line) for line in served.stdout.read_text().splitlines()]
    [request] = [
        line
        for line in lines
        if line.get("logger") == "assets_browser.requests"
        and line["path"] == "/login/?next=/%3Ftype%3DVIDEO"
    ]
    gunicorn_log = served.stderr.read_text()
    assert request["method"] == "GET"
    assert request["status"] == 200
    assert request["user_id"] is None
    assert request["duration_ms"] > 0
    assert request["upstream_calls"] == 0
    assert "Using worker: gthread" in gunicorn_log
    assert '"GET /login/' not in gunicorn_log  # gunicorn's access log is off
    assert settings.ARGIL_API_KEY not in served.stdout.read_text() + gunicorn_log


@pytest.mark.parametrize(
    ("binds", "allow_ips", "warns"),
    [
        (["0.0.0.0:8000"], "*", True),
        (["0.0.0.0:8000"], "10.0.0.2, 0.0.0.0/0", True),
        (["[::]:8000"], "::/0", True),
        (["app.internal:8000"], "*", True),
        (["0.0.0.0:8000"], "10.0.0.0/8", False),  # only the balancer's subnet is believed
        (["127.0.0.1:8000"], "*", False),  # loopback: a proxy on this machine
        (["[::1]:8000", "localhost:8001"], "*", False),
        (["unix:/run/argil.sock"], "*", False),
    ],
)
def test_gunicorn_conf_warns_when_public_and_trusting_every_peer(binds, allow_ips, warns):
    conf = runpy.run_path(str(BASE_DIR / "gunicorn.conf.py"))
    warning = conf["forwarded_trust_warning"](binds, allow_ips)
    assert (warning is not None) == warns
    if warns:
        assert "FORWARDED_ALLOW_IPS" in warning
        assert "X-Forwarded-Proto" in warning


def test_gunicorn_starting_logs_the_forwarded_trust_warning(monkeypatch):
    monkeypatch.setenv("GUNICORN_BIND", "0.0.0.0:8000")
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "*")
    conf = runpy.run_path(str(BASE_DIR / "gunicorn.conf.py"))
    logged = []

    class Log:  # what gunicorn's Arbiter hands its hooks: server.log
        def warning(self, message, *args):
            logged.append(message % args)

    class Server:
        log = Log()

    conf["on_starting"](Server())
    assert len(logged) == 1
    assert "trusts X-Forwarded-Proto from every peer" in logged[0]
