"""Base settings. Every knob comes from a ``MADOGUCHI_*`` environment variable.

Defaults give a working single-process install on an embedded SQLite file, so a
city's IT staff can try the system without provisioning anything.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"MADOGUCHI_{name}", default)


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = env(name)
    return int(value) if value not in (None, "") else default


DEMO = env_bool("DEMO")
DEBUG = env_bool("DEBUG")

SECRET_KEY = env("SECRET_KEY") or ""
if not SECRET_KEY:
    if DEMO or DEBUG:
        SECRET_KEY = "madoguchi-demo-only-secret-key-not-for-production"  # noqa: S105
    else:
        raise ImproperlyConfigured(
            "MADOGUCHI_SECRET_KEY が設定されていません。本番では十分に長いランダムな値を設定してください。"
            " (Set MADOGUCHI_SECRET_KEY, or run `madoguchi demo` for a demo.)"
        )

ALLOWED_HOSTS = [h.strip() for h in (env("ALLOWED_HOSTS") or "127.0.0.1,localhost").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in (env("CSRF_TRUSTED_ORIGINS") or "").split(",") if o.strip()]

# all: one process serves everything (demo); internal: staff screens and the
# queue (LGWAN side); public: anonymous queue state for the internet side.
ROLE = env("ROLE", "all")
if ROLE not in {"all", "internal", "public"}:
    raise ImproperlyConfigured("MADOGUCHI_ROLE must be all, internal or public")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",  # serves the API docs' Swagger UI from local static files, not a CDN
    "madoguchi.core",
    "madoguchi.live",
    "madoguchi.queueing",
    "madoguchi.notices",
    "madoguchi.zones",
    "madoguchi.opendata",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "madoguchi.core.i18n.LanguageMiddleware",
    "madoguchi.core.middleware.RequestGuardMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "madoguchi.urls"
# A failed CSRF check is a page of the site in the visitor's language, not Django's English.
CSRF_FAILURE_VIEW = "madoguchi.core.errorpages.csrf_failure"
ASGI_APPLICATION = "madoguchi.asgi.application"

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
                "madoguchi.core.context.madoguchi",
            ],
        },
    },
]


def _database_from_env() -> dict:
    url = env("DATABASE_URL")
    if url:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
        if config["ENGINE"] == "django.db.backends.postgresql" and env_bool("DB_POOL", True):
            # Under ASGI every request runs in its own thread, so a persistent
            # connection is never reused: without a pool each request opens a
            # new PostgreSQL session (measured in docs/benchmarks.md).
            config["CONN_MAX_AGE"] = 0
            config["CONN_HEALTH_CHECKS"] = False
            config.setdefault("OPTIONS", {})["pool"] = {
                "min_size": env_int("DB_POOL_MIN_SIZE", 2),
                "max_size": env_int("DB_POOL_MAX_SIZE", 16),
                "timeout": 10,
            }
    else:
        path = env("SQLITE_PATH") or str(Path.cwd() / "madoguchi.sqlite3")
        config = {"ENGINE": "django.db.backends.sqlite3", "NAME": path}
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # IMMEDIATE transactions take SQLite's write lock at BEGIN, so two
        # kiosks serialise instead of failing with "database is locked"
        # half-way through; WAL lets the board read while a write commits.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    return config


DATABASES = {"default": _database_from_env()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = ["madoguchi.core.auth.DemoAwareModelBackend"]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

LANGUAGE_CODE = "ja"
# Citizen pages speak these (each named in itself, for the switcher); staff screens stay
# Japanese (madoguchi.core.i18n). Catalogues: src/madoguchi/locale/<lang>/LC_MESSAGES.
LANGUAGES = [
    ("ja", "日本語"),
    ("en", "English"),
    ("zh-hans", "简体中文"),
    ("ko", "한국어"),
    ("vi", "Tiếng Việt"),
    ("pt-br", "Português"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Tokyo"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env("STATIC_ROOT") or None  # set for collectstatic behind a web server
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

REDIS_URL = env("REDIS_URL") or ""
# Public base URL for links printed on tickets (QR codes). Empty: use the
# host the kiosk reached.
PUBLIC_URL = (env("PUBLIC_URL") or "").rstrip("/")
# Two network zones: the internal side signs its pushes to PUBLIC_URL with
# this shared key; the public side refuses anything else.
ZONE_SECRET = env("ZONE_SECRET") or ""
ZONE_HEARTBEAT_SECONDS = env_int("ZONE_HEARTBEAT_SECONDS", 15)
ZONE_STALE_SECONDS = env_int("ZONE_STALE_SECONDS", 60)
ZONE_MAX_SKEW_SECONDS = env_int("ZONE_MAX_SKEW_SECONDS", 120)
if ROLE == "public" and not ZONE_SECRET:
    raise ImproperlyConfigured(
        "MADOGUCHI_ROLE=public には MADOGUCHI_ZONE_SECRET（内部側と同じ共有鍵）が必要です。")
if ROLE == "internal" and PUBLIC_URL and not ZONE_SECRET:
    raise ImproperlyConfigured(
        "MADOGUCHI_PUBLIC_URL に連携するには MADOGUCHI_ZONE_SECRET（公開側と同じ共有鍵）が必要です。")
RECALL_LIMIT = env_int("RECALL_LIMIT", 3)
# How long a process trusts a bearer token it has resolved (changes made in the same
# process apply at once; a token revoked elsewhere stops working within this time).
TOKEN_CACHE_SECONDS = env_int("TOKEN_CACHE_SECONDS", 10)
# How many past live events each office keeps for Last-Event-ID replay.
LIVE_REPLAY = env_int("LIVE_REPLAY", 200)
LIVE_HEARTBEAT_SECONDS = env_int("LIVE_HEARTBEAT_SECONDS", 15)
# A busy office gets at most one board snapshot per this many seconds (the
# first change after a quiet spell goes out at once).
LIVE_MIN_INTERVAL_SECONDS = float(env("LIVE_MIN_INTERVAL_SECONDS") or 0.1)
# Compute board snapshots in the committing thread instead of the publisher thread.
LIVE_INLINE = env_bool("LIVE_INLINE")

# Turn notices (Web Push and email). VAPID: without a configured key, one is
# generated once and kept in the database (never in code).
VAPID_PRIVATE_KEY = env("VAPID_PRIVATE_KEY") or ""
VAPID_SUBJECT = env("VAPID_SUBJECT") or "mailto:madoguchi@localhost"
# Push endpoints are browsers' push services; the server POSTs to them, so only
# these hosts (and their subdomains) are accepted, over HTTPS.
NOTICES_PUSH_HOSTS = [h.strip() for h in (env("PUSH_HOSTS") or (
    "fcm.googleapis.com,push.services.mozilla.com,web.push.apple.com,notify.windows.com"
)).split(",") if h.strip()]
NOTICES_PUSH_ALLOW_HTTP = False
# "thread": the web process drains the outbox in a daemon thread; "off": run
# `madoguchi manage notices_worker` separately.
NOTICES_WORKER = env("NOTICES_WORKER", "thread")
NOTICES_MAX_ATTEMPTS = env_int("NOTICES_MAX_ATTEMPTS", 3)
NOTICES_RETRY_SECONDS = env_int("NOTICES_RETRY_SECONDS", 10)
NOTICES_MAX_SUBSCRIPTIONS = env_int("NOTICES_MAX_SUBSCRIPTIONS", 5)
# Email: SMTP when MADOGUCHI_EMAIL_HOST is set; the console in a demo.
EMAIL_HOST = env("EMAIL_HOST") or ""
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env("EMAIL_USER") or ""
EMAIL_HOST_PASSWORD = env("EMAIL_PASSWORD") or ""
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", EMAIL_PORT == 465)
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", not EMAIL_USE_SSL)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env("EMAIL_FROM") or "madoguchi@localhost"
EMAIL_BACKEND = env("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend")
# Offer email notices only when mail can really leave (or in a demo).
NOTICES_EMAIL_ENABLED = bool(EMAIL_HOST or env("EMAIL_BACKEND") or DEMO or DEBUG)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
