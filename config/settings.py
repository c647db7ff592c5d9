"""Settings, read once from the environment (12-factor).

Every service has an embedded default so a first run needs nothing installed:
SQLite under var/, eager Celery, local media, a file cache under var/. Setting
the variable switches to the real service.
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from storefront.core.urls import normalise_site_url

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
    "axes",
    "csp",
    "brands",
    "storefront.accounts",
    "storefront.catalog",
    "storefront.checkout",
    "storefront.orders",
    "storefront.payments",
    "storefront.links",
    "catalog_import",
    "revenue",
    "storefront.aftersales",
    "storefront.backoffice",
    "storefront.web",
    "storefront.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "storefront.web.middleware.ShopLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before the CSRF check reads a POST body: an oversized upload is refused.
    "storefront.web.upload_limits.UploadSizeMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a lockout flagged during authentication into the 429 page.
    "axes.middleware.AxesMiddleware",
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
SILENCED_SYSTEM_CHECKS: list[str] = []
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    VAR_DIR.mkdir(exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # SQLite has no row locks: select_for_update does nothing, and two
    # transactions that both read then write deadlock ("database is locked").
    # BEGIN IMMEDIATE makes each transaction take the write lock first, so a
    # second writer waits its turn (up to `timeout` seconds) instead.
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
    # SQLite cannot make the share-agreement constraint treat empty scopes as
    # equal; revenue.agreements checks that overlap itself before saving.
    SILENCED_SYSTEM_CHECKS.append("models.W047")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
# A Redis that is down or hung costs at most this (seconds) per call, and its
# failures are cache misses (storefront.core.redis_cache).
REDIS_SOCKET_TIMEOUT = float(os.environ.get("REDIS_SOCKET_TIMEOUT", "0.5"))
# Without Redis, a file cache under var/ is still shared by every gunicorn
# worker, so one catalogue write retires cached pages for all of them.
CACHES = {
    "default": (
        {
            "BACKEND": "storefront.core.redis_cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "socket_connect_timeout": REDIS_SOCKET_TIMEOUT,
                "socket_timeout": REDIS_SOCKET_TIMEOUT,
            },
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
# Fragments made only of catalogue data (product cards, brand and category
# headers) are kept under the catalogue version for every visitor, signed in
# or not, at most this long (docs/storefront.md); 0 turns them off.
CATALOG_FRAGMENT_SECONDS = int(os.environ.get("CATALOG_FRAGMENT_SECONDS", "3600"))

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = CELERY_BROKER_URL or "memory://"
CELERY_RESULT_BACKEND = None
# A task is acknowledged when it has finished, and given back to the queue
# when its worker dies, so a crash or restart mid-task never loses it; every
# task is idempotent, so running one twice is harmless.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# With a Redis broker, a task taken by a worker that vanished is handed out
# again after this many seconds: longer than any task runs or waits for its
# countdown (retries wait at most minutes), so a slow task is never doubled.
# A hung broker holds up a sender (the payment webhook's on_commit) for a few
# seconds at most; what cannot be sent then is caught up by the sweeps.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600")),
    "socket_connect_timeout": 2,
    # Above kombu's 1 s BRPOP wait, so an idle worker never times out.
    "socket_timeout": 2,
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 1,
}
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_BEAT_SCHEDULE: dict = {
    "release-expired-reservations": {
        "task": "storefront.payments.tasks.release_expired_reservations",
        "schedule": 60.0,
    },
    "reconcile-pending-payments": {
        "task": "storefront.payments.tasks.reconcile_pending_payments",
        "schedule": 300.0,
    },
    "fail-stalled-import-jobs": {
        "task": "catalog_import.tasks.fail_stalled_import_jobs",
        # With IMPORT_STALLED_SECONDS: a killed worker's job is failed (and
        # may be run again) within two minutes.
        "schedule": 30.0,
    },
    "flush-link-clicks": {
        "task": "storefront.links.tasks.flush_clicks",
        "schedule": 30.0,
    },
    "split-unsplit-paid-orders": {
        "task": "revenue.tasks.split_unsplit_orders",
        "schedule": 600.0,
    },
    "finish-unsent-transfers": {
        "task": "revenue.tasks.finish_unsent_transfers",
        "schedule": 600.0,
    },
    "send-unsent-order-confirmations": {
        "task": "storefront.orders.tasks.send_unsent_confirmations",
        "schedule": 180.0,
    },
    "send-unsent-workshop-notices": {
        "task": "storefront.orders.tasks.send_unsent_workshop_notices",
        "schedule": 300.0,
    },
    "send-unsent-shipping-emails": {
        "task": "storefront.orders.tasks.send_unsent_shipping_emails",
        "schedule": 300.0,
    },
    "send-unsent-aftersales-emails": {
        "task": "storefront.aftersales.tasks.send_unsent_aftersales_emails",
        "schedule": 300.0,
    },
    "send-unsent-refund-emails": {
        "task": "storefront.payments.tasks.send_unsent_refund_emails",
        "schedule": 300.0,
    },
    "send-unsent-payout-notices": {
        "task": "revenue.tasks.send_unsent_payout_notices",
        "schedule": 300.0,
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

# Password guessing (django-axes, attempts stored in the database): an account
# is locked after AXES_FAILURE_LIMIT failures from anywhere, and an address
# after as many failures against any accounts, each for the cool-off. Locking
# the account too lets a stranger lock a known username out for a while; the
# cool-off, password reset and operator unlock bound that, whereas locking by
# address alone lets a botnet guess an operator's password. A success does not
# wipe the count: otherwise a guesser holding any account could log into it
# between guesses and clear the count of the address it guesses from.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, also accepting the email address or mobile number.
    "storefront.accounts.backends.EmailOrMobileBackend",
]
# Count failures against the account an email or mobile names, not the text.
AXES_USERNAME_CALLABLE = "storefront.accounts.backends.axes_username"
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_CALLABLE = "storefront.web.views.accounts.locked_out"
AXES_HTTP_RESPONSE_CODE = 429
# REMOTE_ADDR, unless TRUSTED_PROXY_COUNT proxies in front append to
# X-Forwarded-For (see storefront/core/client_ip.py).
AXES_CLIENT_IP_CALLABLE = "storefront.core.client_ip.client_ip"
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
# Address paste (cpca, CPU heavy) per client address and per signed-in user,
# counted in the cache by django-ratelimit ("count/period", e.g. 30/10m).
# Redis unreachable: not limited (the shop keeps serving; docs/accounts.md).
ADDRESS_PASTE_RATE_PER_IP = os.environ.get("ADDRESS_PASTE_RATE_PER_IP", "30/10m")
ADDRESS_PASTE_RATE_PER_USER = os.environ.get("ADDRESS_PASTE_RATE_PER_USER", "20/10m")
RATELIMIT_FAIL_OPEN = True
# Account emails (password reset, "someone used your address", verification
# resends) one address may receive per kind; more are silently not sent.
ACCOUNT_MAIL_RATE = os.environ.get("ACCOUNT_MAIL_RATE", "5/h")
# Password-reset links stop working after this, and once used.
PASSWORD_RESET_TIMEOUT = 60 * int(os.environ.get("PASSWORD_RESET_MINUTES", "60"))
# Email-verification links (sign-up, email change) stop working after this,
# and once used.
ACCOUNT_EMAIL_VERIFICATION_TIMEOUT = 3600 * int(
    os.environ.get("ACCOUNT_VERIFY_HOURS", "72")
)

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
# A running import job whose heartbeat (written every few seconds while it
# works) is this old has lost its worker: the sweep fails it with Run again.
IMPORT_STALLED_SECONDS = int(os.environ.get("IMPORT_STALLED_SECONDS", "75"))
IMAGE_MAX_BYTES = int(os.environ.get("IMAGE_MAX_BYTES", str(15 * 1024 * 1024)))
IMAGE_MAX_PIXELS = 40_000_000
# After-sales photos: each at most this many bytes; a whole request form
# (3 photos and its fields) over AFTERSALES_UPLOAD_MAX_BYTES is refused from
# its Content-Length, before the body is read (storefront/web/upload_limits.py).
AFTERSALES_PHOTO_MAX_BYTES = int(
    os.environ.get("AFTERSALES_PHOTO_MAX_BYTES", str(8 * 1024 * 1024))
)
AFTERSALES_UPLOAD_MAX_BYTES = 3 * AFTERSALES_PHOTO_MAX_BYTES + 64 * 1024
# Image URLs in an imported sheet may not point into the shop's own network
# (private, loopback, link-local addresses) unless this is switched on.
IMAGE_FETCH_ALLOW_PRIVATE = env_bool("IMAGE_FETCH_ALLOW_PRIVATE", False)

GRAPHENE = {
    "SCHEMA": "config.schema.schema",
    "RELAY_CONNECTION_MAX_LIMIT": 100,
}
GRAPHQL_PAGE_MAX = 100
# Checked before a query runs (docs/graphql-limits.md has the measured needs).
GRAPHQL_MAX_BODY_BYTES = int(os.environ.get("GRAPHQL_MAX_BODY_BYTES", "32768"))
GRAPHQL_MAX_TOKENS = int(os.environ.get("GRAPHQL_MAX_TOKENS", "1000"))
GRAPHQL_MAX_ALIASES = int(os.environ.get("GRAPHQL_MAX_ALIASES", "15"))
GRAPHQL_MAX_DEPTH = int(os.environ.get("GRAPHQL_MAX_DEPTH", "16"))
GRAPHQL_MAX_COST = int(os.environ.get("GRAPHQL_MAX_COST", "50000"))
GRAPHQL_INTROSPECTION = env_bool("GRAPHQL_INTROSPECTION", DEBUG)

SITE_NAME = "共富工坊"
# Absolute URLs (storefront/core/urls.py): SITE_URL, scheme://host[:port]
# (a trailing slash is dropped, a path refused). `make run` sets it from PORT.
# Left unset it defaults to http://127.0.0.1:$PORT, and while SITE_URL is that
# default a request builds its URLs from its own host (if in ALLOWED_HOSTS).
SITE_URL_DEFAULT = (
    None
    if os.environ.get("SITE_URL", "").strip()
    else f"http://127.0.0.1:{os.environ.get('PORT', '').strip() or '8000'}"
)
SITE_URL = normalise_site_url(
    os.environ.get("SITE_URL", "").strip() or SITE_URL_DEFAULT
)
# Hosts an API client's redirectUrl (verification, password reset and
# account-deletion links) may point at; comma-separated. Default: SITE_URL's.
ALLOWED_CLIENT_HOSTS = [
    host.strip().lower()
    for host in os.environ.get(
        "ALLOWED_CLIENT_HOSTS", urlsplit(SITE_URL).hostname or ""
    ).split(",")
    if host.strip()
]
# JWTs for API clients (storefront.accounts.jwt), in seconds.
JWT_ACCESS_TTL = int(os.environ.get("JWT_ACCESS_TTL", str(5 * 60)))
JWT_REFRESH_TTL = int(os.environ.get("JWT_REFRESH_TTL", str(30 * 24 * 3600)))
# Their RS256 signing key, PEM (`make run`: var/jwt_private_key.pem). Required
# when DEBUG is off (manage.py check, and the first token, say so); with DEBUG
# on and none set, each process generates its own in memory.
JWT_PRIVATE_KEY = os.environ.get("JWT_PRIVATE_KEY", "").strip()

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "共富工坊 <shop@localhost>")
# Seconds one SMTP call may take; a hung mail server then fails the send, which
# the confirmation sweep retries (storefront.orders.emails).
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))
# With EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)

# New-order notices to workshops (storefront.orders.notices): seconds one
# WeCom robot POST may take, and whether a workshop's robot URL may point
# anywhere (any https host, or http to this machine) rather than only at
# https://qyapi.weixin.qq.com (brands.webhooks).
WECOM_TIMEOUT = float(os.environ.get("WECOM_TIMEOUT", "5"))
WECOM_ALLOW_ANY_HOST = env_bool("WECOM_ALLOW_ANY_HOST", False)

# Stripe. `make run` without STRIPE_SECRET_KEY, docker-compose.yml and the test
# suite start the local stand-in (devtools/stripe_stand_in, on localstripe) and
# point STRIPE_API_BASE and STRIPE_JS_URL at it, with test keys. With real keys
# both stay at Stripe's defaults.
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
STRIPE_PUBLISHABLE_KEY = os.environ.get("STRIPE_PUBLISHABLE_KEY", "")
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "").strip()
# Webhook secrets that have been published (in this repository's history):
# anyone could sign a "payment succeeded" with them.
PUBLISHED_WEBHOOK_SECRETS = {"whsec_gongfu_local_demo", "whsec_gongfu_local_tests"}
if not DEBUG and STRIPE_WEBHOOK_SECRET in PUBLISHED_WEBHOOK_SECRETS:
    raise ImproperlyConfigured(
        "STRIPE_WEBHOOK_SECRET is a published demo secret: use the signing secret "
        "of your Stripe webhook endpoint (`make run` makes a random one for the "
        "local stand-in in var/stripe_webhook_secret), or DEBUG=1."
    )
STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")
# Blank means Stripe's own, as docker-compose's comment tells users to do.
STRIPE_JS_URL = os.environ.get("STRIPE_JS_URL") or "https://js.stripe.com/v3/"
# Stripe payment method types the pay page offers (comma-separated): cards,
# Alipay and WeChat Pay by default, all in CNY. Cards cannot be left out.
PAYMENT_METHOD_CHOICES = ("card", "alipay", "wechat_pay")
PAYMENT_METHODS = [
    m.strip()
    for m in os.environ.get("PAYMENT_METHODS", ",".join(PAYMENT_METHOD_CHOICES))
    .lower()
    .split(",")
    if m.strip()
]
if set(PAYMENT_METHODS) - set(PAYMENT_METHOD_CHOICES) or "card" not in PAYMENT_METHODS:
    raise ImproperlyConfigured(
        f"PAYMENT_METHODS={','.join(PAYMENT_METHODS)}: a comma-separated list "
        f"of {', '.join(PAYMENT_METHOD_CHOICES)} that includes card."
    )
if "STRIPE_EXTRA_PAYMENT_METHODS" in os.environ:
    # Renamed: a shop that set the old name would otherwise get all three
    # without a word, and a Stripe account without Alipay or WeChat Pay
    # activated refuses every payment intent that asks for them.
    raise ImproperlyConfigured(
        "STRIPE_EXTRA_PAYMENT_METHODS is replaced by PAYMENT_METHODS "
        "(e.g. PAYMENT_METHODS=card,alipay,wechat_pay, or card alone)."
    )
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
# HTTPS=1 when the shop is served over HTTPS (required in production): HTTP is
# redirected to HTTPS, browsers are told to use only HTTPS (HSTS), and the
# session and CSRF cookies are never sent in clear. SECURE_COOKIES=1 is the
# older name for the cookie part alone and still works.
HTTPS = env_bool("HTTPS", False)
SECURE_SSL_REDIRECT = HTTPS
# Load balancers probe /healthz over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", "31536000")) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", False)
if HTTPS and not SECURE_HSTS_PRELOAD:
    # Preloading is a one-way, domain-wide decision taken outside the shop;
    # HTTPS alone must not make it (check --deploy warns W021 without it).
    SILENCED_SYSTEM_CHECKS.append("security.W021")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = not DEBUG and (
    HTTPS or env_bool("SECURE_COOKIES", False)
)
# Behind a proxy that terminates TLS and sets X-Forwarded-Proto itself (and
# strips any the client sent): without this, every request looks like HTTP and
# HTTPS=1 would redirect forever.
if env_bool("TRUSTED_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (django-csp): only the shop's own scripts, styles,
# images and requests; no inline script or style anywhere. The pay page adds
# Stripe.js's origins itself (storefront/web/csp.py), so no other page may
# load a third-party script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-src": [NONE],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "report-uri": os.environ.get("CSP_REPORT_URI") or None,
    },
    # GraphiQL (DEBUG only) runs inline scripts from a CDN.
    "EXCLUDE_URL_PREFIXES": ["/graphql/"] if DEBUG else [],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # The stripe library logs every request at INFO; its errors still show.
    # django-axes logs every login at INFO; lockouts are warnings.
    "loggers": {"stripe": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
