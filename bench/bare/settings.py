"""The baseline of bench/run.py: what `django-admin startproject` makes in Django
5.2 (its apps and middleware, unchanged), DEBUG off, and one view. Nothing here
touches the database: SQLite is named only because startproject names it.
The second view, /signed-in/, is the same page behind login_required: Django's
own floor for a page a signed-in user opens (a session and a user read from
the database on every request), with BARE_DATABASE_URL."""

import os
import tempfile
from pathlib import Path

DEBUG = False
SECRET_KEY = os.environ.get("SECRET_KEY", "bench-only-not-a-secret-" + "x" * 40)
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "bare.urls"
WSGI_APPLICATION = "bare.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [Path(__file__).resolve().parent / "templates"],
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

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": Path(tempfile.gettempdir()) / "trellis-bench-bare.sqlite3",
    }
}
# The signed-in reference of bench/run.py: Django's own sessions and users in a
# PostgreSQL database of the benchmark's, with persistent connections as
# Trellis has them in production.
if os.environ.get("BARE_DATABASE_URL"):
    from urllib.parse import urlsplit

    _url = urlsplit(os.environ["BARE_DATABASE_URL"])
    DATABASES["default"] = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": _url.path.lstrip("/"),
        "USER": _url.username or "",
        "HOST": _url.hostname or "",
        "PORT": str(_url.port or 5432),
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
