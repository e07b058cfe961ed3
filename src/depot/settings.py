"""Django settings for Depot.

Everything a deployment changes comes from the environment (see docs/operations.md):
`DATABASE_URL`, `DEPOT_HOME`, `DEPOT_SECRET_KEY`, `DEPOT_FIELD_KEY`, `DEPOT_DEBUG`,
`DEPOT_ALLOWED_HOSTS`, `DEPOT_EMAIL_URL`, `DEPOT_EMAIL_FROM`, `DEPOT_LOGIN_FAILURE_LIMIT`,
`DEPOT_LOGIN_COOLOFF_MINUTES`, `DEPOT_TRUSTED_PROXY_COUNT`, `DEPOT_PREPARED_STATEMENTS`.
"""

import datetime
import os
from pathlib import Path

from django.templatetags.static import static
from django.utils.translation import gettext_lazy as _

from depot.home import depot_home, secret

BASE_DIR = Path(__file__).resolve().parent
DEPOT_HOME = depot_home()

SECRET_KEY = secret("django_secret_key", env="DEPOT_SECRET_KEY", nbytes=48)
# Key for personal data encrypted at rest (Fernet); several keys, comma-separated, rotate it.
FIELD_ENCRYPTION_KEYS = secret("field_key", env="DEPOT_FIELD_KEY").split(",")

DEBUG = os.environ.get("DEPOT_DEBUG", "") in {"1", "true", "yes"}
ALLOWED_HOSTS = os.environ.get("DEPOT_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("DEPOT_CSRF_TRUSTED_ORIGINS", "").split(",") if o]
# The address customers and staff reach Depot at, for links in emails (survey links, reports).
DEPOT_PUBLIC_URL = os.environ.get("DEPOT_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "unfold",
    "unfold.contrib.filters",
    "unfold.contrib.forms",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "procrastinate.contrib.django",
    "axes",
    "depot.core",
    "depot.customers",
    "depot.inventory",
    "depot.orders",
    "depot.notifications",
    "depot.service",
    "depot.incidents",
    "depot.followups",
    "depot.surveys",
    "depot.kpi",
    "depot.analytics",
    "depot.portal",
    "depot.crm",
    "ninja",
    "depot.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a refused login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "depot.urls"
WSGI_APPLICATION = "depot.wsgi.application"

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

if os.environ.get("DATABASE_URL"):
    import dj_database_url

    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
else:
    from depot import embedded

    DATABASES = {"default": {**embedded.database_settings(), "CONN_MAX_AGE": 60}}
if not DATABASES["default"]["ENGINE"].endswith("postgresql"):
    raise RuntimeError("Depot runs on PostgreSQL only: DATABASE_URL must be a postgres:// URL")
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Parameters bound by the server and statements prepared after their 5th run on a connection: the
# order flow's database CPU drops by about a third (docs/decisions/prepared-statements.md).
# DEPOT_PREPARED_STATEMENTS=0 goes back to Django's default, for a pooler in transaction mode.
if os.environ.get("DEPOT_PREPARED_STATEMENTS", "1") not in {"0", "false", "no"}:
    DATABASES["default"].setdefault("OPTIONS", {}).update({"server_side_binding": True, "prepare_threshold": 5})
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("DEPOT_TEST_DATABASE", "test_depot")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DEPOT_HOME / "static"
STATIC_ROOT.mkdir(exist_ok=True)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_URL = "media/"
MEDIA_ROOT = DEPOT_HOME / "media"

# Login throttling of the back office and the portal (django-axes, attempts stored in PostgreSQL;
# docs/decisions/login-throttling.md). The axes backend only refuses a locked-out login; ModelBackend
# checks the password.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = int(os.environ.get("DEPOT_LOGIN_FAILURE_LIMIT", "5"))
_cooloff_minutes = int(os.environ.get("DEPOT_LOGIN_COOLOFF_MINUTES", "15"))
if AXES_FAILURE_LIMIT < 1 or _cooloff_minutes < 1:
    raise RuntimeError("DEPOT_LOGIN_FAILURE_LIMIT and DEPOT_LOGIN_COOLOFF_MINUTES must be at least 1")
AXES_COOLOFF_TIME = datetime.timedelta(minutes=_cooloff_minutes)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The cool-off runs from the failure that locked: retrying while locked neither counts nor extends it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "depot.core.login_throttle.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_CLIENT_IP_CALLABLE = "depot.core.login_throttle.client_ip"
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_ENABLE_ADMIN = False  # depot.core.admin_axes registers the records in Chinese, for supervisors
AXES_SENSITIVE_PARAMETERS = ["password", "csrfmiddlewaretoken"]
# How many reverse proxies in front of Depot append to X-Forwarded-For; 0 = the header is ignored.
DEPOT_TRUSTED_PROXY_COUNT = int(os.environ.get("DEPOT_TRUSTED_PROXY_COUNT", "0"))

LOGIN_URL = "admin:login"
LOGIN_REDIRECT_URL = "/admin/"
SESSION_COOKIE_HTTPONLY = True
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Email and the background worker (depot.notifications; see docs/operations.md, "Background worker").
if os.environ.get("DEPOT_EMAIL_URL"):
    from depot.notifications.email_url import parse_email_url

    globals().update(parse_email_url(os.environ["DEPOT_EMAIL_URL"]))
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = SERVER_EMAIL = os.environ.get("DEPOT_EMAIL_FROM", "depot@localhost")
EMAIL_TIMEOUT = 10
NOTIFICATIONS_WEBHOOK_TIMEOUT = 10
# Webhook endpoints registered by customers must be public addresses; "1" allows this machine and
# private networks too (a test setup, or a receiver on the warehouse's own network).
DEPOT_WEBHOOK_ALLOW_PRIVATE = os.environ.get("DEPOT_WEBHOOK_ALLOW_PRIVATE", "") in {"1", "true", "yes"}
PROCRASTINATE_WORKER_DEFAULTS = {"delete_jobs": "successful"}
PROCRASTINATE_ON_APP_READY = "depot.core.jobs.on_app_ready"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"depot": {"level": "INFO"}},
}

UNFOLD = {
    "SITE_TITLE": _("Depot 仓储客户服务"),
    "SITE_HEADER": _("Depot 仓储客户服务"),
    "SITE_SUBHEADER": _("仓储客户服务管理系统"),
    "SITE_SYMBOL": "warehouse",
    "SITE_URL": "/admin/",
    "SHOW_LANGUAGES": True,
    "SHOW_VIEW_ON_SITE": False,
    "DASHBOARD_CALLBACK": "depot.core.dashboard.dashboard_callback",
    "STYLES": [lambda request: static("depot/admin.css")],
    "SIDEBAR": {
        "show_search": True,
        "show_all_applications": False,
        "navigation": "depot.core.navigation.sidebar",
    },
}
