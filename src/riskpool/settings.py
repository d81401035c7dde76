"""Django settings for riskpool.

Environment:
  RISKPOOL_HOME        where local state lives (default ./var, created if missing); the SQLite database is
                       $RISKPOOL_HOME/riskpool.sqlite3
  DATABASE_URL         if set, the database to use instead (e.g. postgres://user@host:5432/name)
  RISKPOOL_SECRET_KEY  the secret key (a development default is used when unset: never in production)
  RISKPOOL_DEBUG       "1" to turn DEBUG on
  RISKPOOL_ALLOWED_HOSTS  comma-separated host names (default: localhost names only)
  RISKPOOL_CHAIN_KEY   the secret that keys the tamper-evident hash chain (docs/integrity.md); keep it outside
                       the database. A development default is used when unset: never in production.
  RISKPOOL_CHAIN_KEY_FILE  if set, the chain key is read from this file instead (trailing newline dropped),
                       e.g. a Docker/Kubernetes secret mounted read-only

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
]
INSTALLED_APPS = DJANGO_APPS + RISKPOOL_APPS

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# ROOT_URLCONF = "riskpool.urls"  # set once src/riskpool/urls.py exists (the web app, next); until then
# the system checks would fail importing it.

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

        return dict(dj_database_url.parse(url))
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
STATIC_ROOT = RISKPOOL_HOME / "static"
