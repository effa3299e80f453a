"""Settings for the Argil asset browser: one environment variable per line, safe defaults.

Every variable is listed, with its meaning, in README.md and .env.example. A boolean takes
1/true/yes/on or 0/false/no/off; anything else stops the start (ImproperlyConfigured).
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})


def env_bool(name: str, default: bool) -> bool:
    # A typo (DJANGO_HTTPS=ture) must stop the start, not silently mean off.
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"{name}={os.environ[name]!r} is not a boolean: use one of "
        f"{', '.join(sorted(TRUE_WORDS))} for on, {', '.join(sorted(FALSE_WORDS))} for off, "
        "or leave it unset for the default."
    )


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def media_origins(value: str) -> list[str]:
    """ARGIL_MEDIA_HOSTS: comma-separated origins (scheme://host[:port]), nothing looser."""
    origins = []
    for item in (part.strip() for part in value.split(",")):
        parts = urlsplit(item)
        if not item:
            continue
        if (
            parts.scheme not in ("https", "http")
            or not parts.hostname
            or parts.path not in ("", "/")
        ):
            raise ImproperlyConfigured(
                f"ARGIL_MEDIA_HOSTS holds {item!r}: give origins where Argil's thumbnails and "
                "files are served from, comma-separated, e.g. https://cdn.argil.ai"
            )
        origins.append(origin_of(item))
    return origins


# Django core
DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or ("insecure-dev-only-key" if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "Set DJANGO_SECRET_KEY (for example: export DJANGO_SECRET_KEY=$(python -c "
        "'import secrets; print(secrets.token_urlsafe(50))')), or DJANGO_DEBUG=1 for local work."
    )
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "http://127.0.0.1,http://localhost")
DATABASES = {"default": dj_database_url.config(default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("DJANGO_CONN_MAX_AGE", "60"))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # For a threaded server: readers never wait for the writer (WAL); a writer takes the lock when
    # its transaction starts (IMMEDIATE) and waits up to 20 s for it, instead of failing with
    # "database is locked" when two transactions that read first both try to write.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": float(os.environ.get("DJANGO_SQLITE_BUSY_TIMEOUT", "20")),
    }
REDIS_URL = os.environ.get("REDIS_URL", "")

# Argil API
ARGIL_API_KEY = os.environ.get("ARGIL_API_KEY", "")
ARGIL_API_BASE_URL = os.environ.get("ARGIL_API_BASE_URL", "https://api.argil.ai/v1")
ARGIL_API_TIMEOUT = float(os.environ.get("ARGIL_API_TIMEOUT", "5"))
ARGIL_CACHE_TTL = int(os.environ.get("ARGIL_CACHE_TTL", "30"))
# gunicorn's threads per process (gunicorn.conf.py reads the same variable, with the same default).
_THREADS = int(os.environ.get("GUNICORN_THREADS") or "12")
# Connections per requests.Session: >= gunicorn's threads, so a session shared between threads
# never waits for or drops a connection.
ARGIL_API_POOL_MAXSIZE = max(16, _THREADS)
# The catalogue sync's reads of Argil in any 60 s (of the workspace's 600); editors keep the rest.
ARGIL_SYNC_READS_PER_MINUTE = int(os.environ.get("ARGIL_SYNC_READS_PER_MINUTE", "240"))
# Each editor's calls to Argil a minute (assets_browser/editor_budget.py); cached answers are free.
# The workspace has 600 reads and 60 writes a minute at Argil for all editors together.
ARGIL_EDITOR_READS_PER_MINUTE = int(os.environ.get("ARGIL_EDITOR_READS_PER_MINUTE", "120"))
ARGIL_EDITOR_WRITES_PER_MINUTE = int(os.environ.get("ARGIL_EDITOR_WRITES_PER_MINUTE", "10"))
# Origins Argil's thumbnailUrl and fileUrl point at, comma-separated (e.g. https://cdn.argil.ai):
# the only hosts, with the API's own, that pages may load images and media from (the CSP's
# img-src, media-src). Unset, Argil's media is blocked and `manage.py check` says so.
ARGIL_MEDIA_HOSTS = media_origins(os.environ.get("ARGIL_MEDIA_HOSTS", ""))
# Threads of one process that wait on Argil at once (calling it, or waiting for another's identical
# call): below gunicorn's threads, so a hung Argil always leaves threads for /healthz and cached
# pages (the rest fail fast as "busy").
ARGIL_API_MAX_INFLIGHT = int(os.environ.get("ARGIL_API_MAX_INFLIGHT") or max(1, _THREADS - 2))
# After three calls in a row timed out or could not connect, every call fails at once for this
# long; then one probe at a time asks Argil whether it is back.
ARGIL_BREAKER_OPEN_SECONDS = int(os.environ.get("ARGIL_BREAKER_OPEN_SECONDS") or "5")
# Set by `manage.py run` when it serves the built-in sandbox instead of the real API.
ARGIL_SANDBOX = env_bool("ARGIL_SANDBOX", False)
# The media prober may read files from loopback and private hosts (`make run`: the sandbox).
ARGIL_MEDIA_ALLOW_PRIVATE = env_bool("ARGIL_MEDIA_ALLOW_PRIVATE", False)

INSTALLED_APPS = [
    # Our app first: its createsuperuser (password checks also with --noinput) replaces Django's.
    "assets_browser",
    # Django
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # Third-party apps
    "django_htmx",
    "django_http_compression",
    "axes",
]

MIDDLEWARE = [
    # First: its one log line per request times the whole stack and sees every response.
    "assets_browser.request_log.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # zstd, else brotli, else gzip, as the browser accepts: zstd is smaller than gzip and
    # about 8x quicker to make (docs/performance.md); a random-length header mitigates BREACH.
    "django_http_compression.middleware.HttpCompressionMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "assets_browser.editor_budget.EditorBudgetMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "assets_browser.middleware.HtmxAwareLoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Last, as axes asks: turns a locked-out login attempt into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "argil_dashboard.urls"
WSGI_APPLICATION = "argil_dashboard.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "assets_browser.context_processors.dashboard",
            ],
        },
    },
]

if REDIS_URL:
    CACHES = {
        "default": {
            # Django's, reusing its redis-py client (assets_browser/redis_cache.py says why).
            "BACKEND": "assets_browser.redis_cache.RedisCache",
            "LOCATION": REDIS_URL,
            # redis-py waits 5 s by default. A cache read must cost far less than the Argil call
            # it saves; past this, assets_browser/upstream_cache.py treats Redis as down and
            # asks Argil.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Axes first: it refuses a locked-out (username, address), or address, before any password is
# checked (assets_browser/lockout.py).
AUTHENTICATION_BACKENDS = [
    "assets_browser.lockout.AddressAwareAxesBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "assets_browser:browse"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# collectstatic's output; a relative DJANGO_STATIC_ROOT is taken from the project directory.
STATIC_ROOT = BASE_DIR / (os.environ.get("DJANGO_STATIC_ROOT") or "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "argil_dashboard.staticfiles.StaticFilesStorage"},
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Security. DJANGO_HTTPS says the site is reached over HTTPS (directly or through a
# TLS-terminating proxy that sets X-Forwarded-Proto); it defaults to on outside DEBUG.
HTTPS = env_bool("DJANGO_HTTPS", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_SSL_REDIRECT = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000" if HTTPS else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 12  # one working day
SECURE_REFERRER_POLICY = "same-origin"  # thumbnail hosts must not see our filtered URLs
X_FRAME_OPTIONS = "DENY"

# Login throttling (django-axes): 5 failed passwords for one username from one address lock that
# pair out for 15 minutes (answer 429, the lockout page); other addresses and users are unaffected.
# The lockout lives in the database, so every process on every machine enforces it.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# And every account from one address after this many failures there, whatever the usernames: a
# password spray (common passwords over many accounts) never fails 5 times for one account. High
# enough that an office behind one address rarely reaches it by typos alone.
LOGIN_ADDRESS_FAILURE_LIMIT = 20
AXES_RESET_ON_SUCCESS = True  # a successful login forgets the earlier failures
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_CALLABLE = "assets_browser.lockout.lockout_response"
# The client's address. DJANGO_PROXY_COUNT is how many proxies (load balancer, CDN) stand in front
# of gunicorn, each appending the address it saw to X-Forwarded-For. 0 (the default): no proxy,
# REMOTE_ADDR is the client and X-Forwarded-For is ignored (a client could forge it). N >= 1: the
# client is the N-th X-Forwarded-For entry from the right (ipware counts the proxies listed after
# the client, hence N - 1); whatever a client put further left is ignored.
PROXY_COUNT = int(os.environ.get("DJANGO_PROXY_COUNT") or "0")
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if PROXY_COUNT else ("REMOTE_ADDR",)
)
AXES_IPWARE_PROXY_COUNT = PROXY_COUNT - 1 if PROXY_COUNT else None
IPWARE_STRICT = False  # a longer (client-forged) chain still yields the entry counted from right


def content_security_policy(
    upstream_base_url: str, media_hosts: list[str] | tuple[str, ...] = ()
) -> dict[str, list[str]]:
    """Scripts and styles only from us; thumbnails and media straight from the URLs the API
    returns, but only from Argil's media hosts (ARGIL_MEDIA_HOSTS) and the upstream's own
    origin (the sandbox serves its media itself, over plain http)."""
    media = [CSP.SELF, *media_hosts, origin_of(upstream_base_url)]
    return {
        "default-src": [CSP.SELF],
        "script-src": [CSP.SELF, CSP.NONCE],
        "style-src": [CSP.SELF],
        "img-src": media,
        "media-src": media,
        "connect-src": [CSP.SELF],
        "object-src": [CSP.NONE],
        "base-uri": [CSP.NONE],
        "form-action": [CSP.SELF],
        "frame-ancestors": [CSP.NONE],
    }


SECURE_CSP = content_security_policy(ARGIL_API_BASE_URL, ARGIL_MEDIA_HOSTS)

# /healthz reuses its reading of the catalogue this long per process, reading it again in the
# background, so a probe never waits on the database or the cache (assets_browser/health.py).
HEALTHZ_REUSE_SECONDS = 5.0

# JSON lines on stdout (one per request from RequestLogMiddleware, see request_log.py);
# DJANGO_LOG_FORMAT=plain for people reading a terminal (make run sets it).
LOG_FORMAT = os.environ.get("DJANGO_LOG_FORMAT", "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "assets_browser.request_log.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    # The API key, in any form, is taken out of every record a handler writes.
    "filters": {"redact_key": {"()": "assets_browser.request_log.RedactKeyFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "plain" if LOG_FORMAT == "plain" else "json",
            "filters": ["redact_key"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # Replaces Django's default "django" logger, which would print every line twice.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # urllib3 at DEBUG prints full URLs; keep it quiet whatever the root level.
        "urllib3": {"level": "WARNING"},
    },
}
