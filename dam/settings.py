"""dam settings, read from the environment (12-factor). README.md documents every variable."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url

from dam import runtime

BASE_DIR = runtime.PROJECT_DIR
STATE_DIR = runtime.state_dir()


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


# --- database --------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
EMBEDDED = not DATABASE_URL
if EMBEDDED:
    DATABASE_URL = runtime.embedded_postgres_start().url()
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
DATABASES["default"].setdefault("TEST", {})["NAME"] = os.environ.get("DAM_TEST_DATABASE", "test_dam")


# --- core ------------------------------------------------------------------------------------
def _secret_key() -> str:
    configured = os.environ.get("SECRET_KEY")
    if configured:
        return configured
    # The embedded default keeps a generated key in the state dir so sessions survive restarts.
    key_file = STATE_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
SECRET_KEY_FROM_ENVIRONMENT = bool(os.environ.get("SECRET_KEY"))
DEBUG = env_bool("DAM_DEBUG", EMBEDDED)  # off by default anywhere but the embedded demo
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Production serves over HTTPS (behind a proxy or ingress that sets X-Forwarded-Proto).
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("DAM_SECURE_COOKIES", not EMBEDDED)
if env_bool("DAM_BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("DAM_HSTS_SECONDS", 0)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# A shared cache (Redis) makes API throttling count across processes; the default is per process.
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["DAM_CACHE_URL"]}
        if os.environ.get("DAM_CACHE_URL")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "dam",
    "assets",
    "embeddings",
    "benchmarks",
]

MIDDLEWARE = [
    "dam.observability.RequestMetricsMiddleware",
    # Every error under /api/ answered in JSON, DEBUG on or off (assets/api/errors.py).
    "assets.api.errors.ApiErrorMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # The admin's and API docs' static files, served by the app itself (collectstatic at build time).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "dam.urls"
WSGI_APPLICATION = "dam.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "dam" / "templates"],  # project-wide overrides (the admin index)
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

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("DAM_TIME_ZONE", "UTC")  # the zone the admin shows moments in
# dam/formats/: ISO dates with the zone named ("2026-12-02 09:49 UTC").
FORMAT_MODULE_PATH = ["dam.formats"]
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DAM_STATIC_ROOT") or STATE_DIR / "static")
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # filled by collectstatic; empty is fine in the demo

# --- storage: raw files are content-addressed and never overwritten ---------------------------
DAM_STORAGE = os.environ.get("DAM_STORAGE", "local")
# S3: raw-file downloads answer with a redirect to a presigned URL (short-lived, no public ACLs),
# so the bytes do not pass through the web processes.
DAM_S3_PRESIGNED_DOWNLOADS = env_bool("DAM_S3_PRESIGNED_DOWNLOADS", False)
DAM_MEDIA_DIR = Path(os.environ.get("DAM_MEDIA_DIR") or STATE_DIR / "files").resolve()
if DAM_STORAGE == "s3":
    _default_storage = {
        "BACKEND": "assets.storage.s3.ContentAddressedS3Storage",
        "OPTIONS": {
            "bucket_name": os.environ.get("AWS_STORAGE_BUCKET_NAME", ""),
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "file_overwrite": False,
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": env_int("DAM_S3_URL_EXPIRY", 300),
            "signature_version": "s3v4",
        },
    }
else:
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        # Stored files are read-only on disk: nothing in dam rewrites a stored object.
        "OPTIONS": {"location": str(DAM_MEDIA_DIR), "file_permissions_mode": 0o444},
    }
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- ingest ---------------------------------------------------------------------------------
DAM_MAX_FILE_BYTES = env_int("DAM_MAX_FILE_BYTES", 2 * 1024**3)
DAM_MAX_IMAGE_PIXELS = env_int("DAM_MAX_IMAGE_PIXELS", 200_000_000)
# Memory one picture may take once decoded (assets/decoding.py): keeps a worker under 1 GB.
DAM_MAX_IMAGE_DECODE_BYTES = env_int("DAM_MAX_IMAGE_DECODE_BYTES", 500_000_000)
DAM_MAX_AUDIO_SECONDS = env_int("DAM_MAX_AUDIO_SECONDS", 6 * 3600)
DAM_INGEST_BATCH_SIZE = env_int("DAM_INGEST_BATCH_SIZE", 64)
DAM_EXIFTOOL = os.environ.get("DAM_EXIFTOOL", "exiftool")
# Seconds one ExifTool command may take before its process is killed (and started afresh).
DAM_EXIFTOOL_TIMEOUT = env_int("DAM_EXIFTOOL_TIMEOUT", 60)
DAM_STAGING_DIR = Path(os.environ.get("DAM_STAGING_DIR") or STATE_DIR / "staging").resolve()
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024**2
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024**2
FILE_UPLOAD_TEMP_DIR = str(DAM_STAGING_DIR)
DAM_STAGING_DIR.mkdir(parents=True, exist_ok=True)

# --- metadata write-back ---------------------------------------------------------------------
# "embed": edits are written into the files as new versions; "sidecar": originals are never
# touched, and an XMP sidecar (GET /api/assets/{id}/sidecar.xmp) carries the edited metadata.
DAM_WRITEBACK = os.environ.get("DAM_WRITEBACK", "embed")
DAM_ID3_VERSION = env_int("DAM_ID3_VERSION", 0)  # 0 keeps each file's ID3v2 version; 3 or 4 forces one

# --- embeddings -------------------------------------------------------------------------------
DAM_EMBED_BATCH_SIZE = env_int("DAM_EMBED_BATCH_SIZE", 32)
DAM_ASR_THREADS = env_int("DAM_ASR_THREADS", 2)
# Model versions from a hub are kept here, one folder per repository and pinned revision.
DAM_MODEL_DIR = Path(os.environ.get("DAM_MODEL_DIR") or STATE_DIR / "models").resolve()
# A hub version's files are fetched by dam itself (at its pinned revision, resumable, hash-checked,
# embeddings.hub) where the hub can be reached; false keeps every model offline.
DAM_MODEL_DOWNLOADS = env_bool("DAM_MODEL_DOWNLOADS", True)
DAM_MODEL_HUB_ENDPOINT = (
    os.environ.get("DAM_MODEL_HUB_ENDPOINT") or os.environ.get("HF_ENDPOINT") or "https://huggingface.co"
)
DAM_MODEL_HUB_TIMEOUT = float(os.environ.get("DAM_MODEL_HUB_TIMEOUT") or 5)  # seconds before "cannot be reached"
# Web and worker processes load the active roles' models at start-up, not on the first request.
DAM_PRELOAD_MODELS = env_bool("DAM_PRELOAD_MODELS", True)
# HNSW graph of each model version's index (pgvector's m and ef_construction): more links and a
# wider build search give better recall at scale, for a slower build and a larger index.
DAM_HNSW_M = env_int("DAM_HNSW_M", 24)
DAM_HNSW_EF_CONSTRUCTION = env_int("DAM_HNSW_EF_CONSTRUCTION", 128)
# Search (docs/search.md): the language whose stemming and stopwords full-text search uses where
# the vocabulary names none; how much a broader term's narrower terms and a typo's correction
# count against the word itself; how similar (pg_trgm) a word must be to correct a typo.
DAM_SEARCH_LANGUAGE = os.environ.get("DAM_SEARCH_LANGUAGE", "en")
DAM_SEARCH_NARROWER_WEIGHT = float(os.environ.get("DAM_SEARCH_NARROWER_WEIGHT", "0.8"))
DAM_SEARCH_TYPO_WEIGHT = float(os.environ.get("DAM_SEARCH_TYPO_WEIGHT", "0.8"))
DAM_SEARCH_TYPO_SIMILARITY = float(os.environ.get("DAM_SEARCH_TYPO_SIMILARITY", "0.55"))
# Fusion: each evidence kind's weight (metadata, visual, acoustic, spoken), the quantile of a
# model version's unrelated-pair similarities that becomes its relevance floor, and the fused
# score below which a result is flagged weak.
DAM_SEARCH_WEIGHTS = {
    kind: float(os.environ.get(f"DAM_SEARCH_WEIGHT_{kind.upper()}", default))
    for kind, default in (("metadata", "1.0"), ("visual", "1.0"), ("acoustic", "1.0"), ("spoken", "1.0"))
}
DAM_SEARCH_FLOOR_QUANTILE = float(os.environ.get("DAM_SEARCH_FLOOR_QUANTILE", "0.95"))
DAM_SEARCH_WEAK_BELOW = float(os.environ.get("DAM_SEARCH_WEAK_BELOW", "0.2"))
# What each kind of evidence beyond the strongest adds to the fused score, times its strength.
DAM_SEARCH_CORROBORATION = float(os.environ.get("DAM_SEARCH_CORROBORATION", "0.1"))
# A metadata match of only some of the query's words counts times (its share of them) ** (power - 1).
DAM_SEARCH_PARTIAL_POWER = float(os.environ.get("DAM_SEARCH_PARTIAL_POWER", "2.0"))

# Re-embedding migrations (see embeddings/reembedding/): where backfills read the raw files from
# ("original" or "current" file version), how fast, and what validation requires.
DAM_MIGRATION_SOURCE = os.environ.get("DAM_MIGRATION_SOURCE", "current")
DAM_MIGRATION_BATCH_SIZE = env_int("DAM_MIGRATION_BATCH_SIZE", 32)
DAM_MIGRATION_RATE_LIMIT = os.environ.get("DAM_MIGRATION_RATE_LIMIT", "60/m") or None  # batches/worker; "" = none
DAM_MIGRATION_SAMPLE = env_int("DAM_MIGRATION_SAMPLE", 200)  # assets whose neighbourhoods are compared
DAM_MIGRATION_MIN_COVERAGE = float(os.environ.get("DAM_MIGRATION_MIN_COVERAGE", "1.0"))
DAM_MIGRATION_MIN_OVERLAP = float(os.environ.get("DAM_MIGRATION_MIN_OVERLAP", "0.1"))
DAM_MIGRATION_MAX_RECALL_DROP = float(os.environ.get("DAM_MIGRATION_MAX_RECALL_DROP", "0.05"))
DAM_MIGRATION_QUERY_SET = os.environ.get("DAM_MIGRATION_QUERY_SET", "")  # JSON: [{"text", "expected": [ids]}]
DAM_MIGRATION_RETENTION_DAYS = env_int("DAM_MIGRATION_RETENTION_DAYS", 30)  # old vectors kept after cutover
DAM_DEPRECATION_WARNING_DAYS = env_int("DAM_DEPRECATION_WARNING_DAYS", 30)
DAM_MIGRATION_AUTO_START = env_bool("DAM_MIGRATION_AUTO_START", False)

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "assets.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "assets.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "assets.api.multipart.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "assets.api.pagination.AssetCursorPagination",
    "PAGE_SIZE": env_int("DAM_API_PAGE_SIZE", 50),
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "assets.api.errors.api_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("DAM_THROTTLE_ANON", "60/min"),
        "user": os.environ.get("DAM_THROTTLE_USER", "6000/min"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "dam API",
    "DESCRIPTION": (
        "Assets with deterministic IDs, their canonical metadata and files, schema.org JSON-LD documents and an "
        "incremental, rights-filtered DataFeed for content management systems. Authenticate with "
        "`Authorization: Token <key>` (POST /api/token/) or a session."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The description of the API is public; the API itself is not.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "assets.api.schema.add_error_responses",
    ],
}

# --- JSON-LD and delivery --------------------------------------------------------------------
# Asset IRIs are built from the content-derived ID only, so they never change with the host.
DAM_ASSET_IRI_BASE = os.environ.get("DAM_ASSET_IRI_BASE", "urn:dam:asset:")
# Where the web app answers, for URLs in documents made outside a request (``manage.py mcp``).
DAM_PUBLIC_URL = os.environ.get("DAM_PUBLIC_URL", "http://127.0.0.1:8000")
DAM_FEED_PAGE_SIZE = env_int("DAM_FEED_PAGE_SIZE", 100)
DAM_FEED_MAX_PAGE_SIZE = env_int("DAM_FEED_MAX_PAGE_SIZE", 1000)
# ExifTool tags removed from delivery copies (contentUrl). Rights tags are never in this list.
DAM_DELIVERY_STRIP = env_list(
    "DAM_DELIVERY_STRIP",
    [
        "MakerNotes:all",
        "ExifIFD:SerialNumber",
        "ExifIFD:LensSerialNumber",
        "ExifIFD:OwnerName",
        "IFD0:CameraSerialNumber",
        "XMP-aux:SerialNumber",
        "XMP-aux:LensSerialNumber",
        "XMP-aux:OwnerName",
        "XMP-exifEX:BodySerialNumber",
        "XMP-exifEX:LensSerialNumber",
        "XMP-exifEX:CameraOwnerName",
        "XMP-iptcCore:CreatorContactInfo",
        "XMP-plus:LicensorEmail",
        "XMP-plus:LicensorTelephone1",
        "XMP-plus:LicensorTelephone2",
        "XMP-plus:LicensorStreetAddress",
        "XMP-plus:LicensorExtendedAddress",
        "IPTC:Contact",
        "XMP-photoshop:CaptionWriter",
        "IPTC:Writer-Editor",
    ],
)
# Removed as well for assets flagged location_sensitive.
DAM_DELIVERY_STRIP_SENSITIVE = env_list(
    "DAM_DELIVERY_STRIP_SENSITIVE",
    ["GPS:all", "XMP-exif:GPS*", "XMP-iptcExt:LocationCreatedGPS*", "XMP-iptcExt:LocationShownGPS*"],
)

# Positions of location-sensitive assets for callers without assets.view_exact_location: rounded
# to this many decimal places (1: about 11 km; 0: about 111 km), altitude left out; "none" gives
# them no position at all (assets/locations.py).
_sensitive_decimals = os.environ.get("DAM_SENSITIVE_LOCATION_DECIMALS", "1").strip().lower()
DAM_SENSITIVE_LOCATION_DECIMALS = None if _sensitive_decimals in ("none", "") else int(_sensitive_decimals)

# --- Celery ---------------------------------------------------------------------------------
# The embedded default uses kombu's filesystem transport: no server, no root, real separate
# worker processes. Production sets CELERY_BROKER_URL=redis://...
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
_broker_dir = Path(os.environ.get("DAM_BROKER_DIR") or STATE_DIR / "broker").resolve()
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT = "dam.broker:Transport"  # kombu's, writing whole messages only
    for sub in ("queue", "processed", "control"):
        (_broker_dir / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
        "polling_interval": 0.1,
    }
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # A message a killed worker had taken comes back to the queue after this many seconds.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("DAM_BROKER_VISIBILITY_TIMEOUT", 3600)}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = ("dam.routing.route_task",)  # queues per workload: see dam/routing.py
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Celery beat keeps its schedule in the database (django-celery-beat); dam adds its daily jobs on migrate.
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # DAM_LOG_FORMAT=json: one JSON object per line, with asset_id and task_id where they apply.
    "formatters": {
        "plain": {"()": "dam.logs.PlainFormatter", "format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "dam.logs.JsonFormatter"},
    },
    "filters": {"context": {"()": "dam.logs.ContextFilter"}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "json" if os.environ.get("DAM_LOG_FORMAT", "plain") == "json" else "plain",
            "filters": ["context"],
        }
    },
    "root": {"handlers": ["stderr"], "level": os.environ.get("DAM_LOG_LEVEL", "WARNING")},
    "loggers": {
        "dam": {"level": os.environ.get("DAM_LOG_LEVEL", "INFO")},
        "assets": {"level": os.environ.get("DAM_LOG_LEVEL", "INFO")},
        "embeddings": {"level": os.environ.get("DAM_LOG_LEVEL", "INFO")},
        # The filesystem broker has no host; kombu says so on every connection.
        "kombu.connection": {"level": "ERROR"},
    },
}
