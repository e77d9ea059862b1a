"""Remediation Engine settings: one file, every value from the environment (see .env.example)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local .env (written by `dev.py up`) fills in what the process environment does not set.
ENV_FILE = env.str("ENV_FILE", default=str(BASE_DIR / ".env"))
if Path(ENV_FILE).is_file():
    env.read_env(ENV_FILE, overwrite=False)

# --- core -------------------------------------------------------------------------------------------------------
INSECURE_DEFAULT_SECRET_KEY = "django-insecure-change-me"  # noqa: S105 (the value the checks refuse)
SECRET_KEY = env.str("SECRET_KEY", default=INSECURE_DEFAULT_SECRET_KEY)
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Encrypts secrets at rest (django-cryptography); deliberately separate from SECRET_KEY.
CRYPTOGRAPHY_KEY = env.str("CRYPTOGRAPHY_KEY", default="") or None
SITE_NAME = env.str("SITE_NAME", default="Remediation Engine")
# The ASGI/WSGI entry points refuse to start when an error-level safety check fails. Only the test suite, which
# serves the in-memory channel layer with DEBUG off by design, turns this off.
STARTUP_CHECKS = env.bool("STARTUP_CHECKS", default=True)

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "django_q",
    "django_prometheus",
    "remediation",
    "alerts",
    "runbooks",
    "ai",
    "terminal",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "remediation.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "remediation.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "remediation.middleware.UserTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "remediation.context_processors.portal",
                "runbooks.context_processors.guardrails",
            ],
            # `{{ instant|when }}`: the one timestamp format of the portal, with its zone, in every template.
            "builtins": ["remediation.templatetags.portal_times", "remediation.templatetags.portal_numbers"],
        },
    },
]

# --- database ---------------------------------------------------------------------------------------------------
DATABASE_URL = env.str("DATABASE_URL", default="")
if DATABASE_URL:
    DATABASES = {"default": env.db_url_config(DATABASE_URL)}
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=0))
    DATABASES["default"].setdefault("TEST", {"NAME": env.str("TEST_DATABASE_NAME", default="") or None})
    # Under ASGI every request runs in a thread of its own, so without a pool each request opens (and PostgreSQL
    # forks) a new connection. config/asgi.py turns the pool on for web processes; forking workers keep it off.
    DB_POOL = env.bool("DB_POOL", default=False)
    if DB_POOL and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": env.int("DB_POOL_MIN_SIZE", default=2),
            "max_size": env.int("DB_POOL_MAX_SIZE", default=10),
            "timeout": env.float("DB_POOL_TIMEOUT", default=10.0),
        }
else:
    SQLITE_PATH = env.str("SQLITE_PATH", default=str(BASE_DIR / "var" / "db.sqlite3"))
    Path(SQLITE_PATH).parent.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            # Web and worker write the same file: WAL lets readers run beside a writer; IMMEDIATE avoids
            # deadlocked upgrades from read to write locks; the timeout waits instead of failing.
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            "TEST": {"NAME": env.str("TEST_SQLITE_PATH", default="") or None},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer, task broker, cache -------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": env.str("CHANNEL_PREFIX", default="remediation")},
        }
    }
    # Bounded waits: a Redis that hangs (rather than refusing) must not hang sign-in or the webhook with it.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 5},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    # One web process in the embedded default, so a process-local cache is shared by every login it serves.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "remediation"}}

Q_CLUSTER = {
    "name": env.str("Q_CLUSTER_NAME", default="remediation"),
    "workers": env.int("Q_WORKERS", default=2),
    "timeout": env.int("Q_TIMEOUT", default=600),
    "retry": env.int("Q_RETRY", default=720),
    "max_attempts": env.int("Q_MAX_ATTEMPTS", default=1),
    "save_limit": env.int("Q_SAVE_LIMIT", default=1000),
    "catch_up": False,
    "poll": env.float("Q_POLL", default=0.2),
    "sync": env.bool("Q_SYNC", default=False),
    "ack_failures": True,
    "label": "Task queue",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

# --- auth -------------------------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Behind a proxy that terminates TLS: the header it sets on HTTPS requests, e.g. X-Forwarded-Proto (value https).
# Only set it when the proxy always overwrites that header, or a client could claim HTTPS.
_PROXY_SSL_HEADER = env.str("SECURE_PROXY_SSL_HEADER", default="").strip()
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_" + _PROXY_SSL_HEADER.upper().replace("-", "_"), "https") if _PROXY_SSL_HEADER else None
)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
# HSTS: sent only on responses to HTTPS requests (Django's SecurityMiddleware), so plain-HTTP development is unharmed.
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content-Security-Policy (remediation.middleware): scripts, styles, fonts, images and connections only from this
# origin (WebSockets included); no inline script anywhere. A view may widen one directive (csp_widen): the terminal
# pages allow inline styles, which xterm.js creates for its renderer.
CONTENT_SECURITY_POLICY: dict[str, list[str]] = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
CSP_REPORT_ONLY = env.bool("CSP_REPORT_ONLY", default=False)
CSRF_FAILURE_VIEW = "remediation.views.errors.csrf_failure"

# Login attempts allowed per client IP and, separately, per username (django-ratelimit rate syntax).
LOGIN_RATE_LIMIT = env.str("LOGIN_RATE_LIMIT", default="10/5m")
# Number of reverse proxies in front of the app whose X-Forwarded-For is trusted (0: use the socket address).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
RATELIMIT_IP_META_KEY = "remediation.net.ratelimit_ip"
RATELIMIT_VIEW = "remediation.views.errors.ratelimited"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "remediation.api.pagination.PageNumberPagination",
    "PAGE_SIZE": env.int("API_PAGE_SIZE", default=50),
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "remediation.api.errors.exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "remediation.api.parsers.ObjectJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": [],
}
# A refresh token is good for one rotation (remediation/services/tokens.py): the one sent is revoked and a new one
# issued; password change, deactivation and logout revoke them all; access tokens carry a password-hash claim, so a
# new password also ends the access tokens issued before it.
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(hours=env.int("JWT_REFRESH_HOURS", default=8)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "CHECK_REVOKE_TOKEN": True,
    "UPDATE_LAST_LOGIN": True,
}
# /api/schema/ and /api/docs/ need a signed-in user (session or JWT) unless this is true.
API_DOCS_PUBLIC = env.bool("API_DOCS_PUBLIC", default=False)
SPECTACULAR_SETTINGS = {
    "TITLE": "Remediation Engine API",
    "DESCRIPTION": "Alertmanager alerts in, audited remediation out.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ExecutionStatusEnum": "runbooks.choices.ExecutionStatus",
        "StepRunStatusEnum": "runbooks.choices.StepRunStatus",
    },
}

# --- SSH (remediation/ssh/) -------------------------------------------------------------------------------------
SSH_CONNECT_TIMEOUT = env.float("SSH_CONNECT_TIMEOUT", default=10.0)
SSH_BANNER_TIMEOUT = env.float("SSH_BANNER_TIMEOUT", default=10.0)
SSH_AUTH_TIMEOUT = env.float("SSH_AUTH_TIMEOUT", default=15.0)
SSH_KEEPALIVE = env.int("SSH_KEEPALIVE", default=30)
SSH_TEST_COMMAND = env.str("SSH_TEST_COMMAND", default="uname -a")

# --- AI (LiteLLM) -----------------------------------------------------------------------------------------------
# Retries of a failed LLM call (429, 5xx, timeouts, connection errors) and the first backoff, doubled each time.
AI_MAX_RETRIES = env.int("AI_MAX_RETRIES", default=2)
AI_RETRY_BACKOFF_SECONDS = env.float("AI_RETRY_BACKOFF_SECONDS", default=2.0)
# Manual analyses one user may request (django-ratelimit rate syntax).
AI_ANALYSIS_RATE_LIMIT = env.str("AI_ANALYSIS_RATE_LIMIT", default="10/h")
# Token budget of the chat history sent with each message (oldest turns are dropped first).
AI_CHAT_HISTORY_TOKENS = env.int("AI_CHAT_HISTORY_TOKENS", default=6000)
# Label / annotation names never sent to an LLM, in addition to those marked sensitive in the admin.
AI_SENSITIVE_LABELS = env.list("AI_SENSITIVE_LABELS", default=[])
# Investigations (docs/investigations.md): the default budgets of one investigation, the per-command timeout and
# output cap, and extra redaction patterns (regular expressions) applied to command output before the model sees it.
AI_INVESTIGATION_MAX_STEPS = env.int("AI_INVESTIGATION_MAX_STEPS", default=20)
AI_INVESTIGATION_MAX_SECONDS = env.int("AI_INVESTIGATION_MAX_SECONDS", default=1800)
AI_INVESTIGATION_MAX_TOKENS = env.int("AI_INVESTIGATION_MAX_TOKENS", default=200000)
AI_INVESTIGATION_MAX_COST_USD = env.float("AI_INVESTIGATION_MAX_COST_USD", default=1.0)
AI_INVESTIGATION_COMMAND_TIMEOUT = env.float("AI_INVESTIGATION_COMMAND_TIMEOUT", default=30.0)
AI_INVESTIGATION_OUTPUT_LIMIT = env.int("AI_INVESTIGATION_OUTPUT_LIMIT", default=8000)
AI_INVESTIGATION_REDACT_PATTERNS = env.list("AI_INVESTIGATION_REDACT_PATTERNS", default=[])

# --- static, i18n -----------------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.str("STATIC_ROOT", default=str(BASE_DIR / "var" / "static"))
Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True
LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = False
USE_TZ = True

# --- alert intake -----------------------------------------------------------------------------------------------
# Largest webhook body accepted (bytes); bigger deliveries get 413.
WEBHOOK_MAX_BODY_BYTES = env.int("WEBHOOK_MAX_BODY_BYTES", default=1024 * 1024)
# Deliveries allowed per webhook token (N/s, N/m or N/h; a token may carry its own); more get 429 with Retry-After.
# About what two web processes on a 2-core machine absorb of 10-alert deliveries in a minute (bench/README.md,
# "webhook limit"), so only a sender beyond the server's own capacity is refused, never a storm it can take.
WEBHOOK_RATE_LIMIT = env.str("WEBHOOK_RATE_LIMIT", default="30000/m")
# Failed webhook authentications allowed per client address (N/s, N/m or N/h); more get 429 without a lookup.
WEBHOOK_AUTH_FAILURE_LIMIT = env.str("WEBHOOK_AUTH_FAILURE_LIMIT", default="30/m")
# Threads per web process that run deliveries (alerts.asgi); SQLite has one writer, so one thread there.
WEBHOOK_THREADS = env.int("WEBHOOK_THREADS", default=8 if DATABASE_URL else 1)

# --- operations -------------------------------------------------------------------------------------------------
# When set, /metrics requires `Authorization: Bearer <METRICS_TOKEN>`.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
PROMETHEUS_EXPORT_MIGRATIONS = False

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "remediation.redaction.RedactingLogFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "daphne": {"level": "WARNING"},
        "LiteLLM": {"level": "WARNING"},
    },
}

# --- runbooks ---------------------------------------------------------------------------------------------------
# Hosts HTTP steps may call besides registered servers (link-local and metadata addresses are always refused).
RUNBOOK_HTTP_ALLOWED_HOSTS = env.list("RUNBOOK_HTTP_ALLOWED_HOSTS", default=[])
# Bytes of stdout/stderr kept per step run; the rest is replaced by a visible truncation marker.
RUNBOOK_OUTPUT_LIMIT = env.int("RUNBOOK_OUTPUT_LIMIT", default=64 * 1024)
# A running execution's lease; a worker renews it every few seconds, the reaper fails executions whose lease ran out.
RUNBOOK_LEASE_SECONDS = env.int("RUNBOOK_LEASE_SECONDS", default=60)
# Executions and analyze / remediate requests still `pending` this many seconds after they were created are queued
# again by a housekeeping job (every minute): their message was refused by a broker outage or taken by a worker
# that died before claiming it. Claims are conditional, so a duplicate message does nothing.
REDISPATCH_AFTER_SECONDS = env.int("REDISPATCH_AFTER_SECONDS", default=120)
# Upper bound on targets running one step at once in one execution (a runbook may ask for fewer).
RUNBOOK_MAX_PARALLEL = env.int("RUNBOOK_MAX_PARALLEL", default=50)

# --- notifications (remediation/notifications/, docs/notifications.md) -------------------------------------------
# The portal's public address, used to build links in messages (the signed approval link).
PORTAL_URL = env.str("PORTAL_URL", default="http://localhost:8000")
# The same event for the same episode is sent to a channel at most once per this many seconds.
NOTIFY_REPEAT_SECONDS = env.int("NOTIFY_REPEAT_SECONDS", default=900)
# Attempts per delivery, the first retry's wait (doubled per attempt) and each HTTP/SMTP call's timeout.
NOTIFY_MAX_ATTEMPTS = env.int("NOTIFY_MAX_ATTEMPTS", default=5)
NOTIFY_RETRY_BASE_SECONDS = env.int("NOTIFY_RETRY_BASE_SECONDS", default=30)
NOTIFY_TIMEOUT_SECONDS = env.float("NOTIFY_TIMEOUT_SECONDS", default=5.0)
# How long the signed link in a message (to the approval card) stays valid.
NOTIFY_LINK_MAX_AGE_SECONDS = env.int("NOTIFY_LINK_MAX_AGE_SECONDS", default=24 * 3600)
# Email channels: Django's SMTP backend, configured from the environment.
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="remediation-engine@localhost")

# --- WebSockets (remediation/sockets.py) ------------------------------------------------------------------------
# Open sockets (chat, execution output, terminal) re-check their user's account, login session, permission and grant
# this often, besides at once when a service changes access and before every action, so access removed outside the
# product (the database, an expired login) also ends them.
WEBSOCKET_ACCESS_RECHECK_SECONDS = env.int("WEBSOCKET_ACCESS_RECHECK_SECONDS", default=30)
# Every socket closes after this many seconds, whatever happens on it (the page reconnects with a fresh check).
WEBSOCKET_MAX_LIFETIME_SECONDS = env.int("WEBSOCKET_MAX_LIFETIME_SECONDS", default=8 * 3600)

# --- terminal ---------------------------------------------------------------------------------------------------
# Browser SSH sessions end after this many seconds without a keystroke, and after this many seconds in any case.
TERMINAL_IDLE_TIMEOUT = env.int("TERMINAL_IDLE_TIMEOUT", default=15 * 60)
TERMINAL_MAX_SESSION_SECONDS = env.int("TERMINAL_MAX_SESSION_SECONDS", default=4 * 3600)
TERMINAL_MAX_SESSIONS_PER_USER = env.int("TERMINAL_MAX_SESSIONS_PER_USER", default=3)
# Recordings (asciicast v2) live here, in dated folders; purged after the retention period (0 keeps them).
TERMINAL_RECORDINGS_DIR = env.str("TERMINAL_RECORDINGS_DIR", default=str(BASE_DIR / "var" / "recordings"))
TERMINAL_RECORDING_RETENTION_DAYS = env.int("TERMINAL_RECORDING_RETENTION_DAYS", default=90)
# A recording stops growing at this size (its last event says where it was cut); the session itself goes on.
TERMINAL_RECORDING_MAX_BYTES = env.int("TERMINAL_RECORDING_MAX_BYTES", default=100 * 1024 * 1024)
# Also record keystrokes. Off by default: input includes whatever is typed at a password prompt.
TERMINAL_RECORD_INPUT = env.bool("TERMINAL_RECORD_INPUT", default=False)
# Output bytes the server may send ahead of what the browser has rendered (flow control).
TERMINAL_FLOW_WINDOW = env.int("TERMINAL_FLOW_WINDOW", default=1024 * 1024)

# --- schedules, housekeeping, retention, worker liveness --------------------------------------------------------
# A worker whose heartbeat (every minute) is older than this is no longer counted as seen.
WORKER_HEARTBEAT_STALE_SECONDS = env.int("WORKER_HEARTBEAT_STALE_SECONDS", default=180)
# The dead-man switch (docs/monitoring.md): the always-firing alert to expect ("" = off), and how long it may be
# silent before the product raises RemediationWatchdogMissing (route the Watchdog with a shorter repeat_interval).
WATCHDOG_ALERTNAME = env.str("WATCHDOG_ALERTNAME", default="Watchdog")
WATCHDOG_STALE_SECONDS = env.int("WATCHDOG_STALE_SECONDS", default=600)
# When true, /readyz answers 503 while no worker heartbeat is fresh (off: workers are reported, not required).
READYZ_REQUIRE_WORKERS = env.bool("READYZ_REQUIRE_WORKERS", default=False)
# A scheduled run that starts later than this after its time (workers were down) is recorded `missed`, not run.
SCHEDULE_MISSED_GRACE_SECONDS = env.int("SCHEDULE_MISSED_GRACE_SECONDS", default=300)
# Retention in days (0 keeps forever): closed alerts, finished executions, step output (cleared, rows kept),
# chat messages (and sessions idle since then); terminal recordings: TERMINAL_RECORDING_RETENTION_DAYS.
RETENTION_ALERTS_DAYS = env.int("RETENTION_ALERTS_DAYS", default=90)
RETENTION_EXECUTIONS_DAYS = env.int("RETENTION_EXECUTIONS_DAYS", default=180)
RETENTION_STEP_OUTPUT_DAYS = env.int("RETENTION_STEP_OUTPUT_DAYS", default=30)
RETENTION_CHAT_DAYS = env.int("RETENTION_CHAT_DAYS", default=90)
