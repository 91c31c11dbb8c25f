"""Settings for the Party branch joint-building portal.

One file. Every deploy-time value comes from the environment (or a ``.env`` file beside
``manage.py``) through django-environ, with a safe local default. A bad value stops start-up
with ``ImproperlyConfigured`` and a sentence that says what to fix.
"""

import datetime as dt
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def _bool(name: str, default: bool) -> bool:
    raw = env.str(name, default="")
    if raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a boolean: set it to 1/true/yes/on or 0/false/no/off."
    )


def _url(name: str, schemes: set[str]) -> str:
    """An optional URL whose scheme must be one of ``schemes``; '' when unset."""
    raw = env.str(name, default="").strip()
    if not raw:
        return ""
    scheme = urlsplit(raw).scheme
    if scheme not in schemes:
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not understood: it must start with one of "
            + ", ".join(sorted(f"{s}://" for s in schemes))
            + "."
        )
    return raw


def _int(name: str, default: int, minimum: int = 0) -> int:
    raw = env.str(name, default="").strip()
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = minimum - 1
    if value < minimum:
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not understood: set it to a whole number of at least {minimum}."
        )
    return value


def _choice(name: str, default: str, choices: set[str]) -> str:
    raw = env.str(name, default="").strip()
    if raw == "":
        return default
    if raw.upper() not in choices:
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not understood: use one of " + ", ".join(sorted(choices)) + "."
        )
    return raw.upper()


def _local_secret_key() -> str:
    """A key generated once on this machine and kept under var/, for local runs only."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = _bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is required when DEBUG is off: set SECRET_KEY to a long random string "
            "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(50))'`)."
        )
    SECRET_KEY = _local_secret_key()

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS is required when DEBUG is off: set it to the portal's host names, "
        "comma-separated (e.g. ALLOWED_HOSTS=dj.example.cn)."
    )

# Links in e-mails sent by background tasks (no request to take the host from).
PORTAL_BASE_URL = _url("PORTAL_BASE_URL", {"http", "https"}).rstrip("/")
if not PORTAL_BASE_URL:
    if not DEBUG:
        raise ImproperlyConfigured(
            "PORTAL_BASE_URL is required when DEBUG is off: set it to the address users open, "
            "e.g. PORTAL_BASE_URL=https://dj.example.cn (links in e-mails are built from it)."
        )
    PORTAL_BASE_URL = "http://127.0.0.1:8000"
_base = urlsplit(PORTAL_BASE_URL)
CSRF_TRUSTED_ORIGINS = [f"{_base.scheme}://{_base.netloc}"]  # an origin has no path

# Whether `load_demo` creates the demo logins. `make run` turns it on; production never should.
DEMO_USERS = _bool("DEMO_USERS", default=False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_filters",
    "import_export",
    "simple_history",
    "django_celery_beat",
    "branches",
    "partnerships",
    "activities",
    "portal",  # the portal's features: home, dashboards, reports, reminders, audit log
]

# Development tooling (``portal.devtools``: the demo committee, the synthetic group, the
# benchmark and their commands) is installed with DEBUG, for the benchmark's own server, or
# with DEVTOOLS=1 (a demonstration site); production settings never import it.
BENCHMARK = _bool("PORTAL_BENCHMARK", default=False)
DEVTOOLS = _bool("DEVTOOLS", default=DEBUG or BENCHMARK)
if DEVTOOLS:
    INSTALLED_APPS.append("portal.devtools")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # Content-Security-Policy: see "Security headers"
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.core.middleware.ChosenLanguageMiddleware",
    "portal.core.middleware.RejectNulBytesMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # After authentication: records pages refused to a logged-in user (portal.audit.middleware).
    "portal.audit.middleware.AuditMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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
                "django.template.context_processors.i18n",
                "portal.home.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# Unset: a SQLite file under var/ (the embedded default for `make run`).
# Production and CI: postgres://user:password@host:5432/name (psycopg 3).
_database_url = _url("DATABASE_URL", {"postgres", "postgresql", "pgsql", "sqlite"})
if _database_url:
    try:
        DATABASES = {"default": env.db_url_config(_database_url)}
    except Exception as exc:  # environ raises assorted errors on malformed URLs
        raise ImproperlyConfigured(
            f"DATABASE_URL could not be read ({exc}): use postgres://user:password@host:5432/name."
        ) from exc
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        if not DATABASES["default"].get("NAME"):
            raise ImproperlyConfigured(
                "DATABASE_URL names no database: add it after the host, "
                "e.g. postgres://postgres@127.0.0.1:5432/portal."
            )
        DATABASES["default"]["CONN_MAX_AGE"] = _int("CONN_MAX_AGE", default=60)
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "portal.sqlite3",
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, cache and Celery ----------------------------------------------------------------
REDIS_URL = _url("REDIS_URL", {"redis", "rediss"})
CELERY_BROKER_URL = _url("CELERY_BROKER_URL", {"redis", "rediss", "amqp"}) or REDIS_URL
# No broker: tasks run in-process, eagerly, so `make run` needs no Redis.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker process killed mid-task gives its message back to the queue (with acks_late).
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- Resilience: broker outages, /healthz ---------------------------------------------------
# Requests hand tasks to the broker through the outbox (portal.core.outbox): with Redis down a
# request must still answer within 2 s, so connecting fails fast (seconds) and publishing is
# not retried (the dispatcher, every minute, sends what waits). A worker is not hurried: it
# keeps reconnecting until the broker is back (CELERY_BROKER_CONNECTION_MAX_RETRIES).
BROKER_CONNECT_TIMEOUT_SECONDS = _int("BROKER_CONNECT_TIMEOUT_SECONDS", default=1, minimum=1)
CELERY_BROKER_CONNECTION_TIMEOUT = BROKER_CONNECT_TIMEOUT_SECONDS
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": BROKER_CONNECT_TIMEOUT_SECONDS,
    # A broker that accepted the connection but does not answer (a hung host).
    "socket_timeout": 5,
    # A producer's connection: one attempt, no retry loop (kombu would retry for ever).
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = BROKER_CONNECT_TIMEOUT_SECONDS
CELERY_BROKER_CONNECTION_MAX_RETRIES = None  # a worker waits for the broker to come back
# /healthz answers 503 when no worker has run the heartbeat task (beat: every minute) for this
# long: beat, the broker or every worker is down.
HEALTHZ_HEARTBEAT_MAX_AGE_SECONDS = _int(
    "HEALTHZ_HEARTBEAT_MAX_AGE_SECONDS", default=300, minimum=90
)

# --- Audit log --------------------------------------------------------------------------------
# Entries are kept this many days, then purged (beat "audit-purge", nightly). 等保 asks for at
# least 180 days: a lower value is refused.
AUDIT_RETENTION_DAYS = _int("AUDIT_RETENTION_DAYS", default=180, minimum=180)

# --- Periodic reports ------------------------------------------------------------------------
# A report generation is stopped after this long (and marked failed with the reason).
REPORT_TIME_LIMIT_SECONDS = _int("REPORT_TIME_LIMIT_SECONDS", default=600, minimum=30)
# A generation still "running" this long after it started is taken as dead (its worker was
# killed): marked failed and queued again. Must exceed the time limit.
REPORT_RUNNING_TIMEOUT_MINUTES = _int("REPORT_RUNNING_TIMEOUT_MINUTES", default=15, minimum=2)
if REPORT_RUNNING_TIMEOUT_MINUTES * 60 <= REPORT_TIME_LIMIT_SECONDS + 60:
    raise ImproperlyConfigured(
        "REPORT_RUNNING_TIMEOUT_MINUTES must be longer than REPORT_TIME_LIMIT_SECONDS plus a "
        "minute, or a report still being generated would be taken for a dead one."
    )
# How many times a dead generation is queued again before it stays failed.
REPORT_MAX_ATTEMPTS = _int("REPORT_MAX_ATTEMPTS", default=3, minimum=1)

# --- Evidence packs (a period's records and files in one zip, portal.records) ------------------
# A pack whose files add up to more than this many MB is refused (choose a shorter period).
EVIDENCE_PACK_MAX_MB = _int("EVIDENCE_PACK_MAX_MB", default=2048, minimum=1)
# A ready pack is deleted this many hours later (asked for again, it is made anew).
EVIDENCE_PACK_KEEP_HOURS = _int("EVIDENCE_PACK_KEEP_HOURS", default=72, minimum=1)

# Partner units (portal.partners) answer through links, without a login: a link asking a
# contact to confirm one activity works this many days; a partner's own page link, this many.
PARTNER_LINK_DAYS = _int("PARTNER_LINK_DAYS", default=30, minimum=1)
PARTNER_PAGE_DAYS = _int("PARTNER_PAGE_DAYS", default=90, minimum=1)
# Requests to the pages behind partner links, per client address and minute: more are refused
# (a token cannot be guessed in any case; this keeps a guesser from trying).
PARTNER_LINK_RATE_PER_MINUTE = _int("PARTNER_LINK_RATE_PER_MINUTE", default=30, minimum=1)

# On-site sign-in (portal.signin): a sheet takes sign-ins from this many minutes before its
# activity starts to the activity's end. Its QR code changes every minute and is still good for
# this many seconds after; a phone that showed it may then sign in for this many minutes.
SIGNIN_OPENS_MINUTES = _int("SIGNIN_OPENS_MINUTES", default=60, minimum=0)
SIGNIN_TOKEN_GRACE_SECONDS = _int("SIGNIN_TOKEN_GRACE_SECONDS", default=30, minimum=0)
SIGNIN_PASS_MINUTES = _int("SIGNIN_PASS_MINUTES", default=15, minimum=1)
# Requests to the sign-in's public pages per client address and minute (a venue's Wi-Fi is
# one address for everybody there), and wrong typed codes per address and minute (against guessing).
SIGNIN_RATE_PER_MINUTE = _int("SIGNIN_RATE_PER_MINUTE", default=120, minimum=1)
SIGNIN_CODE_RATE_PER_MINUTE = _int("SIGNIN_CODE_RATE_PER_MINUTE", default=10, minimum=1)

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- E-mail ---------------------------------------------------------------------------------
# Unset: messages are printed on the console. Production: smtp+tls://user:pass@host:587.
_email_url = _url(
    "EMAIL_URL", {"smtp", "smtps", "smtp+tls", "smtp+ssl", "consolemail", "dummymail"}
)
if _email_url:
    _email = env.email_url_config(_email_url)
    EMAIL_BACKEND = _email["EMAIL_BACKEND"]
    EMAIL_HOST = _email.get("EMAIL_HOST", "")
    EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
    EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
    EMAIL_PORT = _email.get("EMAIL_PORT") or (
        465 if EMAIL_USE_SSL else 587 if EMAIL_USE_TLS else 25
    )
    EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="portal@localhost")
# Seconds an SMTP connection may hang before a send fails (and its task retries): a mail server
# that stops answering must not hold a worker, and the rows it locks, for ever.
EMAIL_TIMEOUT = _int("EMAIL_TIMEOUT", default=20, minimum=1)

# --- Login controls -------------------------------------------------------------------------
# What 等保 level 2 asks of a login (docs/security.md lists each control with its test).
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# django-otp's device apps before portal.security: its admin module takes their admins away
# (they show the secrets).
INSTALLED_APPS += [
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "portal.security",
]
# All after MessageMiddleware (they leave a message); AxesMiddleware last, as django-axes asks.
# OTPMiddleware after the session limits (a session they end has no device to look up); the
# second factor before the password change: whoever has a device proves it first (see
# portal/security/middleware.py).
MIDDLEWARE += [
    "portal.security.middleware.SessionLimitsMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "portal.security.middleware.TwoFactorMiddleware",
    "portal.security.middleware.PasswordChangeRequiredMiddleware",
    "axes.middleware.AxesMiddleware",
]
# The first backend refuses any login, the right password too, while its username and IP are
# locked out; the second checks the password.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Lockout: this many failed logins of one username from one IP lock that pair out for this long
# (a success in between starts the count again).
LOGIN_FAILURE_LIMIT = _int("LOGIN_FAILURE_LIMIT", default=5, minimum=1)
LOGIN_LOCKOUT_MINUTES = _int("LOGIN_LOCKOUT_MINUTES", default=15, minimum=1)
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = dt.timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Tries during a lockout do not prolong it: it ends when the page says it does.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "portal.security.lockout.lockout_response"
# Only the lockouts themselves are kept (the admin's "Access attempts", where a superuser unlocks
# a login by deleting its row); no table of every login's IP address.
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ADMIN = False  # portal.security.admin registers the access attempts alone
# Behind a reverse proxy REMOTE_ADDR is the proxy's: name the request.META key of the header it
# sets to the client's address (e.g. HTTP_X_REAL_IP), and make the proxy overwrite any value a
# client sent, or a client could pick its own address and escape the lockout.
LOGIN_CLIENT_IP_HEADER = env.str("LOGIN_CLIENT_IP_HEADER", default="REMOTE_ADDR").strip()
AXES_CLIENT_IP_CALLABLE = "portal.security.lockout.client_ip"
AXES_USERNAME_CALLABLE = "portal.security.lockout.client_username"

# Passwords: at least 12 characters, not a common one, not like the username or name, not only
# digits, and (unless PASSWORD_REQUIRE_3_CLASSES=0) three of upper case, lower case, digits and
# symbols. Forms apply them (login pages, password change, the admin); set_password() does not.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if _bool("PASSWORD_REQUIRE_3_CLASSES", default=True):
    AUTH_PASSWORD_VALIDATORS.append(
        {"NAME": "portal.security.validators.CharacterClassValidator", "OPTIONS": {"classes": 3}}
    )
# A password older than this many days must be changed at the next login; 0 (the default): never.
# An account whose password an administrator set (added it, or reset it) changes it at its next
# login whatever this says.
PASSWORD_MAX_AGE_DAYS = _int("PASSWORD_MAX_AGE_DAYS", default=0, minimum=0)

# Sessions end after SESSION_IDLE_MINUTES without a request, and SESSION_MAX_HOURS after the
# login whatever happens, both in the database (the session row expires) and in the browser.
SESSION_IDLE_MINUTES = _int("SESSION_IDLE_MINUTES", default=30, minimum=1)
SESSION_MAX_HOURS = _int("SESSION_MAX_HOURS", default=12, minimum=1)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60  # a session without a login: its own idle limit

# Second factor (TOTP, django-otp): superusers and current committee admins must set up an
# authenticator app and give its code after the password, when TWO_FACTOR_REQUIRED is on (by
# default when DEBUG is off; `make run` and the tests run with DEBUG on). Anybody may set one
# up from their account page, and whoever has one is asked for it at every login, whatever
# this says. Ten single-use recovery codes stand in for a lost phone.
TWO_FACTOR_REQUIRED = _bool("TWO_FACTOR_REQUIRED", default=not DEBUG)
TWO_FACTOR_RECOVERY_CODES = 10
OTP_TOTP_ISSUER = "党建联建平台"
# After n wrong codes in a row the next try waits 2^(n-1) seconds (one device, every session):
# ten wrong codes cost eight minutes, twenty cost six days. Recovery codes likewise.
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

# --- Language and time ----------------------------------------------------------------------
# Simplified Chinese whatever the browser says; English only through the language switch.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Files ----------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    # Uploads are served only through the access-checked download view (portal.core.files).
    "default": {"BACKEND": "portal.core.storage.ProtectedFileStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Uploaded files are never served from a public URL: downloads go through views that check access.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "/files/"
FILE_UPLOAD_PERMISSIONS = 0o640

# --- Activities and their attachments -------------------------------------------------------
# A start date further ahead than this is refused as a typing mistake.
ACTIVITY_MAX_DAYS_AHEAD = _int("ACTIVITY_MAX_DAYS_AHEAD", default=365, minimum=1)
# Each uploaded file, and all files of one activity together, in megabytes.
ATTACHMENT_MAX_FILE_MB = _int("ATTACHMENT_MAX_FILE_MB", default=20, minimum=1)
ATTACHMENT_MAX_TOTAL_MB = _int("ATTACHMENT_MAX_TOTAL_MB", default=200, minimum=1)
# How many files one request may carry, and one activity hold: each photo takes the worker a
# moment to check (tests/activities/test_upload_worst_case.py measures the worst request).
ATTACHMENT_MAX_FILES_PER_REQUEST = _int("ATTACHMENT_MAX_FILES_PER_REQUEST", default=12, minimum=1)
ATTACHMENT_MAX_FILES_PER_ACTIVITY = _int("ATTACHMENT_MAX_FILES_PER_ACTIVITY", default=60, minimum=1)
# Seconds one request may spend checking files; those not started by then are left out with
# a message (a picture made to be slow takes a second or more to check).
ATTACHMENT_CHECK_SECONDS = _int("ATTACHMENT_CHECK_SECONDS", default=5, minimum=1)
# Django's own stop (a plain 400) for requests carrying far more files than the portal's
# message above allows; up to it, the form says in words how many are allowed.
DATA_UPLOAD_MAX_NUMBER_FILES = 2 * ATTACHMENT_MAX_FILES_PER_REQUEST
# Photos are downscaled so that their longer side is at most this many pixels.
ATTACHMENT_IMAGE_MAX_SIDE = _int("ATTACHMENT_IMAGE_MAX_SIDE", default=2560, minimum=320)
ATTACHMENT_THUMBNAIL_SIDE = 480
# Requests carrying several 20 MB photos: Django's own limit counts only non-file fields.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
ACTIVITY_PAGE_SIZE = 20
PARTNER_QUIET_DAYS = _int("PARTNER_QUIET_DAYS", default=90, minimum=1)  # dashboards: gone quiet
# E-mail at each review step: reviewers when an activity is submitted, its submitter when it is
# approved, returned or reopened (activities.notifications). On by default.
ACTIVITY_EMAILS = _bool("ACTIVITY_EMAILS", default=True)

# --- Security headers -----------------------------------------------------------------------
# Every response: frame denial, no MIME sniffing, same-origin referrers and opener, and a strict
# Content-Security-Policy. With DEBUG off and an https:// PORTAL_BASE_URL (production), also
# HSTS, a redirect of plain HTTP to HTTPS and cookies sent over HTTPS only, so that
# `manage.py check --deploy` finds nothing to warn about (tests/security/test_headers.py).
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Every cookie the portal sets is HttpOnly and SameSite=Lax (no script reads the CSRF cookie:
# forms carry the token), and Secure when the session cookie is.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
# Behind the TLS proxy, which must set X-Forwarded-Proto (and overwrite any a client sent).
_https = not DEBUG and _base.scheme == "https"
SECURE_SSL_REDIRECT = _bool("SECURE_SSL_REDIRECT", default=_https)
# Monitoring may probe gunicorn directly over plain HTTP (no secrets in the answer).
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = _bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
if SECURE_SSL_REDIRECT or SESSION_COOKIE_SECURE:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Browsers keep to HTTPS for this long after a visit; sent on HTTPS responses only.
SECURE_HSTS_SECONDS = _int("SECURE_HSTS_SECONDS", default=31_536_000 if _https else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
# Preloading commits the whole registrable domain (example.cn, not only the portal's host) to
# HTTPS in every browser: that is the domain owner's decision, so it is off unless asked for,
# and Django's reminder about it (security.W021) is silenced while it is off.
SECURE_HSTS_PRELOAD = _bool("SECURE_HSTS_PRELOAD", default=False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
# Scripts, styles, fonts and images only from the portal's own static files: no inline script or
# style, no eval, no plugins, no framing, forms post only to the portal. Templates therefore
# carry no <script> body, no on*= handler and no style= attribute: tests/security/
# test_headers.py checks every template, and tests/browser/test_csp.py the pages in Chromium.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# --- django-import-export -------------------------------------------------------------------
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "change"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
# The roster admins export through portal.admin.formats, which write every text cell so that a
# spreadsheet never runs it (CSV and XLSX alike, text unchanged). The library's own guard, which
# only drops a leading "=", stays on for any other format an admin might offer.
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True
# A roster between its import preview and the confirmation: a random name in a folder of its
# own, outside MEDIA_ROOT (never served, never in a backup), bound to the session that staged it,
# deleted on confirm or abandon and by the nightly purge (portal.core.import_staging).
IMPORT_EXPORT_TMP_STORAGE_CLASS = "portal.core.import_staging.StagedImportStorage"
IMPORT_STAGING_DIR = Path(env.str("IMPORT_STAGING_DIR", default=str(VAR_DIR / "import-staging")))

# --- Logs and error pages -------------------------------------------------------------------
# One console handler (gunicorn and Celery pass it on to the journal). Every line goes through
# a formatter that masks mobile numbers (138****5678), tracebacks included; nothing logs request
# bodies, so passwords never reach it (tests/security/test_log_privacy.py). A failing request
# shows the 500 page (portal.core.errors.server_error) with a reference that django.request's log
# line of the same error ends with: "[reference 3F9A-0C1B]" (tests/security/test_error_pages.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"error_reference": {"()": "portal.core.logs.ErrorReferenceFilter"}},
    "formatters": {
        "plain": {
            "()": "portal.core.logs.PersonalDataRedactingFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        }
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {
        "handlers": ["console"],
        "level": _choice("LOG_LEVEL", "INFO", {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}),
    },
    "loggers": {
        "django.request": {"filters": ["error_reference"]},
        # WeasyPrint logs every page it lays out; a yearly report's PDF has about a hundred.
        "weasyprint.progress": {"level": "WARNING"},
    },
}

# --- Benchmark ------------------------------------------------------------------------------
# Set only by `manage.py benchmark` for the gunicorn it starts, never in production: every
# response carries its SQL query count (X-Query-Count header), a bare login-required view
# answers at /__benchmark__/floor/ as the framework's floor, and the cache is a dummy so that
# no page or fragment is served from it (PORTAL_BENCHMARK_CACHE=1 keeps the configured cache).
if BENCHMARK:
    if not DEVTOOLS:
        raise ImproperlyConfigured(
            "PORTAL_BENCHMARK=1 needs the development tooling: leave DEVTOOLS unset or set it to 1."
        )
    MIDDLEWARE = ["portal.devtools.middleware.QueryCountMiddleware", *MIDDLEWARE]
    ROOT_URLCONF = "portal.devtools.urls"
    # It requests no static files: plain static URLs spare it a collectstatic run (the
    # manifest's only cost per page is a dictionary look-up per {% static %}).
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    if not _bool("PORTAL_BENCHMARK_CACHE", default=False):
        CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
