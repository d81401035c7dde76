"""Django settings for riskpool.

Environment:
  RISKPOOL_HOME        where local state lives (default ./var, created if missing); the SQLite database is
                       $RISKPOOL_HOME/riskpool.sqlite3
  DATABASE_URL         if set, the database to use instead (e.g. postgres://user@host:5432/name)
  RISKPOOL_CONN_MAX_AGE  seconds a server thread keeps its database connection (default 600; 0: one per request)
  RISKPOOL_PG_PREPARE  "0" turns off PostgreSQL server-side parameters and prepared statements (on by default;
                       off behind a connection pooler in transaction mode, which cannot keep them)
  RISKPOOL_SECRET_KEY  the secret key (a development default is used when unset: never in production)
  RISKPOOL_DEBUG       "1" to turn DEBUG on
  RISKPOOL_ALLOWED_HOSTS  comma-separated host names (default: localhost names only)
  RISKPOOL_CHAIN_KEY   the secret that keys the tamper-evident hash chain (docs/integrity.md); keep it outside
                       the database. A development default is used when unset: never in production.
  RISKPOOL_CHAIN_KEY_FILE  if set, the chain key is read from this file instead (trailing newline dropped),
                       e.g. a Docker/Kubernetes secret mounted read-only
  RISKPOOL_JOBS_DIR    where background imports keep their files and live progress (default $RISKPOOL_HOME/jobs)
  RISKPOOL_TASKS_BACKEND  who runs background jobs (docs/import.md): "database" (default: the database itself is
                       the queue; `riskpool jobs worker`, or the worker `riskpool serve` starts), "rq" (Redis,
                       `pip install riskpool[rq]`, worker `riskpool jobs worker`), "immediate" (in the request)
  RISKPOOL_REDIS_URL   the Redis of the rq backend (default redis://127.0.0.1:6379/0)

No network access is needed at run time: no CDN, static files are served from the app directories.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
RISKPOOL_HOME = Path(os.environ.get("RISKPOOL_HOME", "./var")).resolve()

SECRET_KEY = os.environ.get("RISKPOOL_SECRET_KEY", "riskpool-dev-only-insecure-secret-key-change-me")
DEBUG = os.environ.get("RISKPOOL_DEBUG", "") == "1"


def _chain_key() -> str:
    """The HMAC key of the hash chain (riskpool.integrity): from RISKPOOL_CHAIN_KEY_FILE, else RISKPOOL_CHAIN_KEY."""
    path = os.environ.get("RISKPOOL_CHAIN_KEY_FILE", "").strip()
    if path:
        return Path(path).read_text(encoding="utf-8").rstrip("\r\n")
    return os.environ.get("RISKPOOL_CHAIN_KEY", "riskpool-dev-only-insecure-chain-key-change-me")


RISKPOOL_CHAIN_KEY = _chain_key()

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("RISKPOOL_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")
                 if h.strip()]

DJANGO_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]
# Our apps, one per line, lower layers first (see docs/ARCHITECTURE.md).
RISKPOOL_APPS = [
    "riskpool.ledger",
    "riskpool.integrity",
    "riskpool.audit",
    "riskpool.programs",
    "riskpool.registry",
    "riskpool.loans",
    "riskpool.claims",
    "riskpool.figures",
    "riskpool.reports",
    "riskpool.accounts",
    "riskpool.web",
    "riskpool.api",
    "riskpool.jobs",
]
INSTALLED_APPS = DJANGO_APPS + ["axes", "ninja"] + RISKPOOL_APPS  # ninja: the API docs page from the package

# Background jobs (riskpool.jobs): Django's tasks interface (the django-tasks backport) with the database as the
# queue by default — nothing else to run; RQ on Redis where a deployment has one.
RISKPOOL_TASKS_BACKEND = (os.environ.get("RISKPOOL_TASKS_BACKEND", "").strip().lower() or "database")
_TASK_BACKENDS = {"database": "django_tasks_db.DatabaseBackend", "rq": "django_tasks_rq.RQBackend",
                  "immediate": "django_tasks.backends.immediate.ImmediateBackend"}
if RISKPOOL_TASKS_BACKEND not in _TASK_BACKENDS:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"RISKPOOL_TASKS_BACKEND={RISKPOOL_TASKS_BACKEND!r}: one of {', '.join(_TASK_BACKENDS)}")
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[RISKPOOL_TASKS_BACKEND], "QUEUES": ["default"]}}
INSTALLED_APPS += ["django_tasks", "django_tasks_db"]
if RISKPOOL_TASKS_BACKEND == "rq":
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
RISKPOOL_REDIS_URL = os.environ.get("RISKPOOL_REDIS_URL", "redis://127.0.0.1:6379/0")
# an import may take hours: RQ's default job timeout (3 minutes) would kill it half-way (rolled back)
RQ_QUEUES = {"default": {"URL": RISKPOOL_REDIS_URL, "DEFAULT_TIMEOUT": 24 * 3600}}
RISKPOOL_JOBS_DIR = Path(os.environ.get("RISKPOOL_JOBS_DIR", "") or RISKPOOL_HOME / "jobs").resolve()

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # the pages' CSS from the package itself: no CDN, no web server
    "riskpool.web.nul.RejectNulMiddleware",  # 0x00 is a 400 on every database (PostgreSQL cannot store it)
    "django.contrib.sessions.middleware.SessionMiddleware",
    "riskpool.web.language.LanguageMiddleware",  # zh-hans unless switched to English (not Accept-Language)
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # login throttling: last, after authentication
]

ROOT_URLCONF = "riskpool.urls"

# Logins: hashed passwords (Django's), a session that ends after 30 idle minutes or when the browser closes,
# CSRF on every form, and a lock-out after 5 failed logins for one user name from one address (django-axes)
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = int(os.environ.get("RISKPOOL_LOGIN_FAILURES", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "web/locked_out.html"
AXES_VERBOSE = False
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:dashboard"
LOGOUT_REDIRECT_URL = "web:login"
SESSION_COOKIE_AGE = int(os.environ.get("RISKPOOL_SESSION_SECONDS", "1800"))
SESSION_SAVE_EVERY_REQUEST = True  # the age counts from the last request: an idle timeout
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "riskpool.web.views.common.csrf_failure"
SECURE = os.environ.get("RISKPOOL_SECURE", "") == "1"  # behind HTTPS: secure cookies
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE
# uploads: claim documents (stored with their checksum; type and size checked in riskpool.web.uploads)
MEDIA_ROOT = RISKPOOL_HOME / "documents"
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
RISKPOOL_MAX_UPLOAD_BYTES = int(os.environ.get("RISKPOOL_MAX_UPLOAD_BYTES", str(20 * 1024 * 1024)))
LOCALE_PATHS = [BASE_DIR / "locale"]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _database() -> dict:
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        import dj_database_url

        # a connection kept for 10 minutes by each server thread (checked before reuse), not opened per request:
        # opening one costs PostgreSQL a new backend process, and the statements it prepared would be lost
        db = dict(dj_database_url.parse(url, conn_max_age=int(os.environ.get("RISKPOOL_CONN_MAX_AGE", "600")),
                                        conn_health_checks=True))
        if db["ENGINE"].endswith("postgresql") and os.environ.get("RISKPOOL_PG_PREPARE", "1") != "0":
            # Server-side parameters, and statements prepared once a connection has run them twice: the hot
            # paths (a filing's facts, the locks, the inserts) are planned once per connection, not per call —
            # bench/filing.py on PostgreSQL went from 6.7 to 5.4 ms a filing. RISKPOOL_PG_PREPARE=0 turns it off
            # (e.g. behind a PgBouncer in transaction mode, which cannot keep prepared statements).
            db.setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=2)
        return db
    RISKPOOL_HOME.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": RISKPOOL_HOME / "riskpool.sqlite3",
        "OPTIONS": {
            # Every atomic block takes the write lock when it begins, so writers queue instead of failing
            # with "database is locked" half-way (the ledger relies on one writer at a time on SQLite).
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL;",
        },
    }


DATABASES = {"default": _database()}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
WHITENOISE_USE_FINDERS = True  # serve straight from the apps' static folders; `collectstatic` is optional
STATIC_ROOT = RISKPOOL_HOME / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise looks there too (after `collectstatic`)
