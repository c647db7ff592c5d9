"""Settings, read once from the environment (12-factor).

Every service has an embedded default so a first run needs nothing installed:
SQLite under var/, eager Celery, local media, local-memory cache. Setting the
variable switches to the real service.
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

INSECURE_SECRET_KEY = "django-insecure-dev-only-key-do-not-use-in-production"


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "").strip()
if not DEBUG and (not SECRET_KEY or SECRET_KEY == INSECURE_SECRET_KEY):
    raise ImproperlyConfigured(
        "SECRET_KEY is missing or is the development default: set a long random "
        "SECRET_KEY in the environment (or DEBUG=1 for local development)."
    )
SECRET_KEY = SECRET_KEY or INSECURE_SECRET_KEY

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "graphene_django",
    "brands",
    "storefront.catalog",
    "storefront.checkout",
    "storefront.orders",
    "storefront.payments",
    "storefront.links",
    "catalog_import",
    "revenue",
    "storefront.web",
    "storefront.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "storefront.web.middleware.ShopLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "storefront.web.context_processors.site",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    VAR_DIR.mkdir(exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # SQLite cannot make the share-agreement constraint treat empty scopes as
    # equal; revenue.agreements checks that overlap itself before saving.
    SILENCED_SYSTEM_CHECKS = ["models.W047"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
# Without Redis, a file cache under var/ is still shared by every gunicorn
# worker, so one catalogue write retires cached pages for all of them.
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
        if REDIS_URL
        else {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    )
}

# Public catalogue pages and anonymous GraphQL answers are cached this long
# (seconds) and retired at once by any catalogue write; 0 turns caching off.
CATALOG_CACHE_SECONDS = int(os.environ.get("CATALOG_CACHE_SECONDS", "60"))

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = CELERY_BROKER_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_BEAT_SCHEDULE: dict = {
    "release-expired-reservations": {
        "task": "storefront.checkout.tasks.release_expired_reservations",
        "schedule": 60.0,
    },
    "reconcile-pending-payments": {
        "task": "storefront.payments.tasks.reconcile_pending_payments",
        "schedule": 300.0,
    },
    "fail-stalled-import-jobs": {
        "task": "catalog_import.tasks.fail_stalled_import_jobs",
        "schedule": 300.0,
    },
    "flush-link-clicks": {
        "task": "storefront.links.tasks.flush_clicks",
        "schedule": 30.0,
    },
    "split-unsplit-paid-orders": {
        "task": "revenue.tasks.allocate_unsplit_orders",
        "schedule": 600.0,
    },
    "finish-unsent-transfers": {
        "task": "revenue.tasks.finish_unsent_transfers",
        "schedule": 600.0,
    },
    "propose-payout-batch": {
        "task": "revenue.tasks.propose_payout_batch",
        "schedule": crontab(
            day_of_week=os.environ.get("REVENUE_PAYOUT_DAY_OF_WEEK", "mon"),
            hour=3,
            minute=0,
        ),
    },
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# Local-filesystem media is served by Django itself unless a front proxy or
# object store takes over; set SERVE_MEDIA=0 then.
SERVE_MEDIA = env_bool("SERVE_MEDIA", True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Uploads are capped before Pillow ever sees them.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Uploaded catalogue files (private: never served, unlike MEDIA_ROOT).
IMPORT_ROOT = Path(os.environ.get("IMPORT_ROOT", VAR_DIR / "imports"))
IMAGE_MAX_BYTES = int(os.environ.get("IMAGE_MAX_BYTES", str(15 * 1024 * 1024)))
IMAGE_MAX_PIXELS = 40_000_000
# Image URLs in an imported sheet may not point into the shop's own network
# (private, loopback, link-local addresses) unless this is switched on.
IMAGE_FETCH_ALLOW_PRIVATE = env_bool("IMAGE_FETCH_ALLOW_PRIVATE", False)

GRAPHENE = {
    "SCHEMA": "config.schema.schema",
    "RELAY_CONNECTION_MAX_LIMIT": 100,
}
GRAPHQL_PAGE_MAX = 100

SITE_NAME = "共富工坊"
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "共富工坊 <shop@localhost>")

# Stripe. Without STRIPE_SECRET_KEY the shop talks to the local stand-in
# (localstripe) that `make run` and the test suite start; STRIPE_API_BASE and
# STRIPE_JS_URL point at it. With real keys both stay at Stripe's defaults.
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
STRIPE_PUBLISHABLE_KEY = os.environ.get("STRIPE_PUBLISHABLE_KEY", "")
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")
STRIPE_JS_URL = os.environ.get("STRIPE_JS_URL", "https://js.stripe.com/v3/")
# Payment methods offered besides cards: "alipay", "wechat_pay" (comma-separated).
STRIPE_EXTRA_PAYMENT_METHODS = [
    m.strip()
    for m in os.environ.get("STRIPE_EXTRA_PAYMENT_METHODS", "").split(",")
    if m.strip()
]
# Revenue share. Stripe's fee on a payment (basis points plus fixed fen) is
# charged, as each agreement says, to one party of the order; it is not
# returned on refunds, as Stripe keeps it. Payouts are proposed weekly for
# every party owed at least the threshold, and wait for an operator.
REVENUE_PROCESSOR_FEE_BP = int(os.environ.get("REVENUE_PROCESSOR_FEE_BP", "60"))
REVENUE_PROCESSOR_FEE_FIXED_FEN = int(
    os.environ.get("REVENUE_PROCESSOR_FEE_FIXED_FEN", "0")
)
REVENUE_PAYOUT_THRESHOLD_FEN = int(
    os.environ.get("REVENUE_PAYOUT_THRESHOLD_FEN", "10000")
)
# Stock is held for an unpaid order this many minutes, then released.
CHECKOUT_RESERVATION_MINUTES = int(os.environ.get("CHECKOUT_RESERVATION_MINUTES", "15"))

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # The stripe library logs every request at INFO; its errors still show.
    "loggers": {"stripe": {"level": "WARNING"}},
}
