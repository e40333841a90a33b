"""Base settings. Every knob comes from a ``MADOGUCHI_*`` environment variable.

Defaults give a working single-process install on an embedded SQLite file, so a
city's IT staff can try the system without provisioning anything.
"""

import datetime
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
    "axes",  # log-in lock-out (madoguchi.core.throttle)
    "ninja",  # serves the API docs' Swagger UI from local static files, not a CDN
    "madoguchi.core",
    "madoguchi.live",
    "madoguchi.queueing",
    "madoguchi.notices",
    "madoguchi.zones",
    "madoguchi.opendata",
    "madoguchi.handover",
    "madoguchi.procedures",
    "madoguchi.cases",  # internal side only: its screens and API are not routed when ROLE=public
    "madoguchi.forms",  # internal side only for printing (personal data)
    "madoguchi.reservations",
    "madoguchi.forecasting",  # wait estimates, 混雑予想 (issue 12)
    "madoguchi.dx",  # internal side only: printers' page counters, KPIs (issue 13)
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
    "madoguchi.core.permissions.PermissionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last: answers a locked-out log-in
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

# django-axes first: it refuses a locked-out log-in before any password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend",
                           "madoguchi.core.auth.DemoAwareModelBackend"]
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
# The internal side pulls bookings from the public side this often (zones/pull.py).
ZONE_PULL_SECONDS = env_int("ZONE_PULL_SECONDS", 5)
# Each pull starts this far before its cursor: a booking committed late is still fetched.
ZONE_PULL_LOOKBACK_SECONDS = env_int("ZONE_PULL_LOOKBACK_SECONDS", 120)
if ROLE == "public" and not ZONE_SECRET:
    raise ImproperlyConfigured(
        "MADOGUCHI_ROLE=public には MADOGUCHI_ZONE_SECRET（内部側と同じ共有鍵）が必要です。")
if ROLE == "internal" and PUBLIC_URL and not ZONE_SECRET:
    raise ImproperlyConfigured(
        "MADOGUCHI_PUBLIC_URL に連携するには MADOGUCHI_ZONE_SECRET（公開側と同じ共有鍵）が必要です。")
RECALL_LIMIT = env_int("RECALL_LIMIT", 3)
# One-stop cases (来庁案件) are deleted this many days after they were closed (`madoguchi purge`).
CASE_RETENTION_DAYS = env_int("CASE_RETENTION_DAYS", 90)
# A case's form data (names, addresses, birth dates from the hand-over or the interview) is deleted
# this many days after it was stored, even while the case stays open (`madoguchi purge`).
FORM_RETENTION_DAYS = env_int("FORM_RETENTION_DAYS", 30)
# Check-in of a booking at the kiosk (reservations.services.reservation_check_in): from this many
# minutes before the booked time to this many after it the visitor gets a fast-lane ticket;
# later, an ordinary one (and the booking counts as a no-show).
RESERVATION_CHECKIN_EARLY_MINUTES = env_int("RESERVATION_CHECKIN_EARLY_MINUTES", 30)
RESERVATION_CHECKIN_LATE_MINUTES = env_int("RESERVATION_CHECKIN_LATE_MINUTES", 15)
# Reservations (madoguchi.reservations): the key of the card-pickup notices' keyed hashes
# (both sides; unset: derived from MADOGUCHI_ZONE_SECRET, else MADOGUCHI_SECRET_KEY).
CARD_HASH_KEY = env("CARD_HASH_KEY") or ""
# A booking's e-mail address, card hash and change/cancel token are cleared this many days after
# the visit (`madoguchi purge`); its code, type, time and status stay for the counts.
RESERVATION_RETENTION_DAYS = env_int("RESERVATION_RETENTION_DAYS", 30)
# ALTCHA proof of work on bookings (reservations/altcha.py): a phone tries on average half of
# ALTCHA_MAX_NUMBER hashes of ALTCHA_COST rounds each; a challenge is good for this long.
ALTCHA_HMAC_KEY = env("ALTCHA_HMAC_KEY") or ""
ALTCHA_MAX_NUMBER = env_int("ALTCHA_MAX_NUMBER", 50_000)
ALTCHA_COST = env_int("ALTCHA_COST", 1)
ALTCHA_EXPIRES_SECONDS = env_int("ALTCHA_EXPIRES_SECONDS", 600)
# A city's own form templates (YAML, and blank PDFs beside them): docs/forms.md. Same code as a
# built-in template replaces it.
FORM_TEMPLATES_DIR = env("FORM_TEMPLATES_DIR") or ""

# Hand-over QR (madoguchi.handover, docs/handover.md). Office private keys are stored encrypted
# with a key derived from MADOGUCHI_HANDOVER_KEY, or from MADOGUCHI_SECRET_KEY when it is unset
# (then changing the secret key makes the stored private keys unreadable: set a dedicated one).
HANDOVER_KEY = env("HANDOVER_KEY") or ""
# A rotated-out key keeps decrypting this many days (hand-overs made just before a rotation).
HANDOVER_KEY_GRACE_DAYS = env_int("HANDOVER_KEY_GRACE_DAYS", 30)
# The longest a hand-over may live (its own expires_at is set by the citizen's browser).
HANDOVER_TTL_DAYS = env_int("HANDOVER_TTL_DAYS", 7)

# Throttling (madoguchi.core.throttle; docs/operations.ja.md「アクセスの制限」). Rates are
# django-ratelimit rates, "count/period" with period s, m, h or e.g. 10m; empty turns one off.
# A busy kiosk issues one ticket every few seconds at most; one address may be a whole city
# NAT or phone carrier, so address limits stay generous.
THROTTLE_ENABLED = env_bool("THROTTLE", True)
THROTTLE = {
    "issue": {"device": env("THROTTLE_ISSUE_DEVICE", "20/m"),
              "address": env("THROTTLE_ISSUE_ADDRESS", "120/m")},
    "notices": {"device": env("THROTTLE_NOTICES_TICKET", "10/10m"),
                "address": env("THROTTLE_NOTICES_ADDRESS", "60/m")},
    # Bookings (POST …/reservations) per client address: a family books a few visits, a
    # reseller's script hundreds (an address may stand for many phones behind a carrier's NAT).
    "reserve": {"address": env("THROTTLE_RESERVE_ADDRESS", "20/h")},
    # Looking up or cancelling a booking by a code that does not exist, per client address:
    # a citizen mistypes a few times, a script guessing codes thousands (only misses count).
    "reservation_lookup": {"address": env("THROTTLE_RESERVATION_MISSES_ADDRESS", "30/h")},
}
SSE_MAX_STREAMS_PER_ADDRESS = env_int("SSE_MAX_STREAMS_PER_ADDRESS", 200)
SSE_RETRY_AFTER_SECONDS = env_int("SSE_RETRY_AFTER_SECONDS", 30)
# Counts live in the "throttle" cache: Redis when configured (shared by every process),
# else this process's memory.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "throttle": ({"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                  "KEY_PREFIX": "madoguchi", "TIMEOUT": 3600,
                  "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}
                 if REDIS_URL else
                 {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                  "LOCATION": "madoguchi-throttle"}),
}
RATELIMIT_USE_CACHE = "throttle"
RATELIMIT_FAIL_OPEN = True
# Log-in lock-out (django-axes): a user name at one address is locked out after
# LOGIN_FAILURE_LIMIT wrong passwords in a row, for LOGIN_LOCKOUT_MINUTES; a success resets it.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15)
AXES_ENABLED = env_bool("LOGIN_LOCKOUT", True)
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = datetime.timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "madoguchi.core.throttle.login_address"
AXES_LOCKOUT_CALLABLE = "madoguchi.core.throttle.login_locked_out"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
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
    "loggers": {"django.db.backends": {"level": "INFO"},
                # Every failed log-in is recorded in the admin (アクセス試行); log lock-outs only.
                "axes": {"level": "WARNING"}},
}

# DX paper report: a reading taken before this JST time counts for the previous day (the daily
# poll at 06:15 reads what yesterday printed; 1 May 08:00 counts for April). docs/dx.ja.md.
DX_DAY_START = env("DX_DAY_START") or "08:30"
