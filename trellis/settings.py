"""Trellis settings: one module, every deployment choice read from the environment.

Defaults are the embedded ones (SQLite, sandbox payments, email captured
locally). Production is simply DEBUG off, and then nothing security-related may
fall back to a default: a missing SECRET_KEY stops the process at start.
"""

from pathlib import Path
from typing import Literal

import environ
from csp import constants as csp
from django.core.exceptions import ImproperlyConfigured

from trellis.envvars import env_bool, env_int, env_list, env_str

env = environ.Env()

BASE_DIR = Path(__file__).resolve().parent.parent
# Where the embedded defaults keep their files: the SQLite database, captured
# mail, uploads. Production points DATABASE_URL and MEDIA_ROOT elsewhere.
DATA_DIR = Path(env_str("TRELLIS_DATA_DIR", default=str(BASE_DIR / "data")))

DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Trellis refuses to start without it when DEBUG is off: "
            "set SECRET_KEY in the environment to a long random string."
        )
    SECRET_KEY = "insecure-development-key-used-only-with-DEBUG-on"  # noqa: S105

# Rotating SECRET_KEY: put the old one here until every session, signed cookie
# and queued invitation or reset made with it has expired (a week by default).
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", default=[])

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default=[])

# The address customers reach Trellis at; used to build links in emails.
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
if not PUBLIC_BASE_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured(
        f"PUBLIC_BASE_URL={PUBLIC_BASE_URL!r} must start with http:// or https://"
    )

INSTALLED_APPS = [
    "trellis.office.admin_apps.RawDataAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "trellis.accounts",
    "trellis.company",
    "trellis.audit",
    "trellis.customers",
    "trellis.proposals",
    "trellis.billing",
    "trellis.autopay",
    "trellis.bulk_charging",
    "trellis.issues",
    "trellis.documents",
    "trellis.mail",
    "trellis.imports",
    "trellis.inbox",
    "trellis.portal",
    "trellis.office",
    "trellis.sandbox_processor",
    "trellis.webhooks",
]

MIDDLEWARE = [
    "trellis.request_context.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "trellis.content_security.HtmlContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Compresses what the views write. Above every middleware that reads or
    # changes a body, so it compresses last; below WhiteNoise, whose static
    # files are compressed once, by collectstatic. Against BREACH it helps only
    # partly (up to 100 random bytes in each gzip header): Django masks the CSRF
    # token anew in every response, and SameSite=Lax cookies keep other sites'
    # requests from carrying a session to measure.
    "trellis.compression.TextGZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "trellis.accounts.middleware.SessionLifetimeMiddleware",
    "trellis.accounts.middleware.TwoFactorMiddleware",
    "trellis.security_log.DeniedAccessLogMiddleware",
    "trellis.portal.middleware.CustomerLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "trellis.urls"
WSGI_APPLICATION = "trellis.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Project-wide pages (the 500 page); each app keeps its own templates.
        "DIRS": [BASE_DIR / "trellis" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "trellis.portal.context_processors.company",
                "trellis.office.branding.office_brand",
                "trellis.office.navigation.office_links",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'trellis.sqlite3'}"),
}
# Production keeps each worker's PostgreSQL connection for a minute instead of
# opening one per request (opening one cost more than a portal page's queries),
# and checks a kept one at the start of each request, so one the database
# dropped (a restart, an idle timeout) is replaced instead of failing the page.
# SQLite opens a file, not a connection: nothing to keep.
DATABASES["default"]["CONN_MAX_AGE"] = env_int(
    "CONN_MAX_AGE",
    default=0 if DEBUG or DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" else 60,
)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["trellis.accounts.backends.EmailBackend"]
PASSWORD_HASHERS = [
    # OWASP's Argon2id parameters (see the class); it also verifies the hashes
    # made with Django's default ones and upgrades them at the next sign-in.
    "trellis.accounts.hashers.Argon2idPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "portal:sign-in"
LOGIN_REDIRECT_URL = "portal:home"

# Two-factor sign-in (trellis/accounts/two_factor.py): the name authenticator
# apps show beside the account; device keys and recovery codes are never shown
# in the office's device pages (support removes a lost device, never reads it).
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", default="Trellis")
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Single-use links sent by email.
INVITATION_LIFETIME_DAYS = env_int("INVITATION_LIFETIME_DAYS", default=7)
PASSWORD_RESET_LIFETIME_MINUTES = env_int("PASSWORD_RESET_LIFETIME_MINUTES", default=60)

# The office's inbox (trellis/inbox): a portal payment still pending after this
# long, and an invitation not accepted after this many days, become an item.
INBOX_PAYMENT_PENDING_MINUTES = env_int("INBOX_PAYMENT_PENDING_MINUTES", default=30)
INBOX_INVITATION_PENDING_DAYS = env_int("INBOX_INVITATION_PENDING_DAYS", default=3)

# Sign-in throttling (portal and office): failures allowed in the window, per email and per IP.
SIGN_IN_WINDOW_MINUTES = env_int("SIGN_IN_WINDOW_MINUTES", default=15)
SIGN_IN_FAILURES_PER_EMAIL = env_int("SIGN_IN_FAILURES_PER_EMAIL", default=5)
SIGN_IN_FAILURES_PER_IP = env_int("SIGN_IN_FAILURES_PER_IP", default=30)
# A browser that signed in to an account before (its device cookie) is counted
# apart: it gets its own failures per window, and is refused neither for
# strangers' failures on the account nor for its address (trellis.accounts.devices).
SIGN_IN_FAILURES_PER_DEVICE = env_int("SIGN_IN_FAILURES_PER_DEVICE", default=5)
DEVICE_COOKIE_DAYS = env_int("DEVICE_COOKIE_DAYS", default=180)
# Forgot-password requests an hour from one address (besides 3 an hour per email),
# and invitation or reset links that do not work, posted an hour from one address.
FORGOT_PASSWORD_PER_IP_PER_HOUR = env_int("FORGOT_PASSWORD_PER_IP_PER_HOUR", default=20)
BAD_LINKS_PER_IP_PER_HOUR = env_int("BAD_LINKS_PER_IP_PER_HOUR", default=20)
# How many reverse proxies in front of Trellis append to X-Forwarded-For (0: none,
# so REMOTE_ADDR is the client).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", default=0)

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
# Compiled catalogs (.mo) are committed, so no gettext tools are needed to install.
LOCALE_PATHS = [BASE_DIR / "trellis" / "locale"]
# English dates written one way in the office and the portal (trellis/formats/en).
FORMAT_MODULE_PATH = ["trellis.formats"]
TIME_ZONE = env_str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Static files both UIs use (the card-entry glue of trellis/templates/card_entry).
STATICFILES_DIRS = [BASE_DIR / "trellis" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # `trellis collectstatic` names each file by its content's hash
    # (portal.3cfe423a7915.css) and writes gzip and Brotli copies; WhiteNoise
    # serves hashed names with a far-future immutable Cache-Control. With DEBUG
    # on, pages name the source files and WhiteNoise finds them in the apps, so
    # development needs no collectstatic. The tests keep unhashed names
    # (trellis/testing/static_files.py).
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", default=str(DATA_DIR / "media")))
# The payment processor behind trellis.billing.gateways: "sandbox" (built in,
# test cards only, the default) or "stripe".
PAYMENT_GATEWAY = env_str("PAYMENT_GATEWAY", default="sandbox")
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY")
STRIPE_PUBLISHABLE_KEY = env_str("STRIPE_PUBLISHABLE_KEY")
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET")
# Where the stripe library sends its requests; the tests point it at their
# local stand-in for Stripe's API (trellis/testing/stripe_api.py).
STRIPE_API_BASE = "https://api.stripe.com"
if PAYMENT_GATEWAY == "stripe":
    missing = [
        name
        for name in ("STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY", "STRIPE_WEBHOOK_SECRET")
        if not globals()[name]
    ]
    if missing:
        raise ImproperlyConfigured(
            f"PAYMENT_GATEWAY=stripe needs {', '.join(missing)}: copy them from the Stripe "
            "dashboard (README: Taking card payments with Stripe)."
        )
# The sandbox processor (trellis/sandbox_processor) takes no real money. With
# DEBUG off it runs only when asked to, for a staging site.
SANDBOX_PROCESSOR_ENABLED = env_bool("SANDBOX_PROCESSOR_ENABLED", default=DEBUG)
if PAYMENT_GATEWAY == "sandbox" and not SANDBOX_PROCESSOR_ENABLED:
    raise ImproperlyConfigured(
        "PAYMENT_GATEWAY=sandbox takes test cards only, never real money. With DEBUG off, "
        "set PAYMENT_GATEWAY=stripe and its keys, or SANDBOX_PROCESSOR_ENABLED=true for a "
        "staging site."
    )
# The sandbox's own address, as its card field and script are loaded from it:
# Trellis's own by default (it is served under /sandbox-processor/).
SANDBOX_PROCESSOR_URL = env_str(
    "SANDBOX_PROCESSOR_URL", default=PUBLIC_BASE_URL + "/sandbox-processor"
).rstrip("/")
# The secret the sandbox signs its webhooks with.
SANDBOX_WEBHOOK_SECRET = env_str("SANDBOX_WEBHOOK_SECRET")
if not SANDBOX_WEBHOOK_SECRET:
    if SANDBOX_PROCESSOR_ENABLED and not DEBUG:
        raise ImproperlyConfigured(
            "SANDBOX_PROCESSOR_ENABLED=true with DEBUG off needs SANDBOX_WEBHOOK_SECRET, "
            "a long random string the sandbox signs its webhooks with."
        )
    SANDBOX_WEBHOOK_SECRET = "insecure-sandbox-webhook-secret-for-development"  # noqa: S105
# Where the sandbox sends its webhooks, and whether it does (the tests that
# are not about webhooks leave them off: nothing listens at PUBLIC_BASE_URL).
SANDBOX_WEBHOOK_URL = env_str("SANDBOX_WEBHOOK_URL", default=PUBLIC_BASE_URL + "/webhooks/sandbox/")
SANDBOX_WEBHOOKS_DELIVER = env_bool("SANDBOX_WEBHOOKS_DELIVER", default=True)
REQUEST_PHOTO_MAX_BYTES = env_int("REQUEST_PHOTO_MAX_BYTES", default=10 * 1024 * 1024)
REQUEST_PHOTO_MAX_COUNT = env_int("REQUEST_PHOTO_MAX_COUNT", default=5)
# Refused from the file's header, before decoding: 60 MP passes the 48 and 50 MP
# photos of today's phones (8160 x 6144 is 50.1 MP) and keeps a decoded photo
# under ~180 MB of memory; a small file may claim a huge canvas.
REQUEST_PHOTO_MAX_PIXELS = env_int("REQUEST_PHOTO_MAX_PIXELS", default=60_000_000)
REQUEST_PHOTOS_PER_HOUR = env_int("REQUEST_PHOTOS_PER_HOUR", default=30)
# Against card testing: tries to save a card (declined ones too) per customer
# account and per client address an hour, and saved methods a contact may keep.
CARD_SAVES_PER_ACCOUNT_PER_HOUR = env_int("CARD_SAVES_PER_ACCOUNT_PER_HOUR", default=5)
CARD_SAVES_PER_IP_PER_HOUR = env_int("CARD_SAVES_PER_IP_PER_HOUR", default=10)
PAYMENT_METHODS_PER_CONTACT = env_int("PAYMENT_METHODS_PER_CONTACT", default=10)

# Email: captured to files under data/mail in development; SMTP otherwise.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.filebased.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = DATA_DIR / "mail"
EMAIL_HOST = env_str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env_int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", default=20)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", default="portal@trellis.invalid")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Every email is an OutgoingEmail row first (staff read it in the back office,
# the demo's capture included); trellis.mail.delivery sends it. A failed
# attempt is retried with backoff up to EMAIL_MAX_ATTEMPTS times. A row left
# "sending" longer than EMAIL_SENDING_TIMEOUT_MINUTES (its worker died) is
# marked failed, never resent by itself: the server may have accepted it.
EMAIL_MAX_ATTEMPTS = env_int("EMAIL_MAX_ATTEMPTS", default=8)
EMAIL_SENDING_TIMEOUT_MINUTES = env_int("EMAIL_SENDING_TIMEOUT_MINUTES", default=15)

# `trellis import` refuses a file larger than IMPORT_MAX_BYTES before reading
# it, and one nested deeper than IMPORT_MAX_DEPTH (the format needs 6 levels).
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", default=50 * 1024 * 1024)
IMPORT_MAX_DEPTH = env_int("IMPORT_MAX_DEPTH", default=20)

# Beyond one machine: REDIS_URL (redis://host:6379/0, a database of this
# installation's own) holds what every app server and worker must share. The
# cache moves there from each process's memory, sessions are read from it and
# kept in the database too (cached_db: a flushed or restarted Redis signs
# nobody out), the company's settings are cached there (trellis.company.cache),
# and tasks queue there for `trellis rqworker` (TASKS_BACKEND=rq, its default).
# Without it, all of this stays in the one process and its database.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "trellis",
        }
    }

# Background tasks, through the Tasks API (django-tasks, Django 6's django.tasks).
# TASKS_BACKEND=immediate (the default without REDIS_URL: development, tests,
# demo) runs a task in the process that enqueues it, after the transaction commits.
# TASKS_BACKEND=database queues tasks in the database (django-tasks-db) for
# workers started with `trellis db_worker`.
# TASKS_BACKEND=rq (the default with REDIS_URL) queues them in Redis
# (django-tasks-rq) for any number of workers started with
# `trellis rqworker --job-class django_tasks_rq.Job --with-scheduler`.
# With any of them, run `trellis send_queued_email --loop` too: it retries failed
# email when the backend cannot defer a task, and sends any whose task was lost.
TASKS_BACKEND = env_str("TASKS_BACKEND", default="rq" if REDIS_URL else "immediate")
if TASKS_BACKEND == "immediate":
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
elif TASKS_BACKEND == "database":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    INSTALLED_APPS.append("django_tasks_db")
elif TASKS_BACKEND == "rq":
    if not REDIS_URL:
        raise ImproperlyConfigured(
            "TASKS_BACKEND=rq queues tasks in Redis: set REDIS_URL too (redis://host:6379/0)."
        )
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend"}}
    RQ_QUEUES = {"default": {"URL": REDIS_URL}}
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
else:
    raise ImproperlyConfigured(
        f"TASKS_BACKEND={TASKS_BACKEND!r} is not a task backend: use immediate, database or rq."
    )

# Sessions live in the database; with REDIS_URL they are read from Redis first
# (cached_db), and every write goes to both. Ending a user's sessions must
# therefore go through trellis.accounts.sessions, which clears the cache too.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if REDIS_URL
    else "django.contrib.sessions.backends.db"
)
# A session ends after this long without a request, and this long after sign-in
# whatever happens (trellis.accounts.middleware).
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", default=60)
SESSION_MAX_HOURS = env_int("SESSION_MAX_HOURS", default=12)
SESSION_COOKIE_AGE = SESSION_MAX_HOURS * 3600

# HTTPS, cookies and headers. Production (DEBUG off) is HTTPS-only unless told
# otherwise; development on http://127.0.0.1 turns each of these off.
# Behind a TLS-terminating proxy, the proxy says a request came over HTTPS.
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# HSTS is sent on HTTPS responses only. Preload is a separate decision: the
# domain is then built into browsers and cannot easily leave HTTPS again.
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Secure cookies travel over HTTPS only. With Secure, the session and CSRF
# cookies take the __Host- prefix: the browser then refuses them unless they
# are Secure, for this exact host, on path /, so no sibling subdomain or
# plain-http page can set or overwrite them.
SECURE_COOKIES = env_bool("SECURE_COOKIES", default=not DEBUG)
SESSION_COOKIE_NAME = "__Host-sessionid" if SECURE_COOKIES else "sessionid"
SESSION_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_NAME = "__Host-csrftoken" if SECURE_COOKIES else "csrftoken"
CSRF_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = SECURE_COOKIES
LANGUAGE_COOKIE_HTTPONLY = True  # no script reads it
LANGUAGE_COOKIE_SAMESITE: Literal["Lax"] = "Lax"  # typed as set_cookie() takes it

# Content-Security-Policy on every HTML page (trellis/content_security.py).
# Scripts: Trellis's static files, or inline with the request's nonce
# ({{ request.csp_nonce }}); no page has inline scripts or on…= handlers.
# Styles may be inline: the email preview in the office shows each message as
# its recipient does, styled by attributes, and inside its iframe it runs
# under this same policy; a style cannot run code, and with every fetch kept
# to 'self' it cannot send anything elsewhere. img-src allows data: for the
# signature pad, which redraws a signature sent back with a form error.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF, csp.NONCE],
        "style-src": [csp.SELF, csp.UNSAFE_INLINE],
        "img-src": [csp.SELF, "data:"],
        "object-src": [csp.NONE],
        "base-uri": [csp.NONE],
        "frame-ancestors": [csp.NONE],
        "form-action": [csp.SELF],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Every line names its request, so support can find it from the id on the 500 page.
    "filters": {
        "request_context": {"()": "trellis.request_context.RequestContextLogFilter"},
        "link_tokens": {"()": "trellis.log_secrets.LinkTokenFilter"},
    },
    "formatters": {
        "plain": {
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s %(client_ip)s] "
            "%(message)s"
        }
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_context"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", default="INFO")},
    # WeasyPrint narrates every render at INFO.
    "loggers": {
        "trellis.security": {"level": "INFO"},
        # It names the path of every 4xx/5xx: a link's token must not be in it.
        "django.request": {"filters": ["link_tokens"]},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
