"""The platform's one settings object, read from ``SOUK_*`` environment variables.

Every process builds it once at start-up with :func:`load_settings`; nothing reads the
environment at import time.
"""

from __future__ import annotations

import ipaddress
import os
from enum import StrEnum
from pathlib import Path

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SECRET = "local-development-secret-change-me"


class TracesExporter(StrEnum):
    NONE = "none"
    CONSOLE = "console"
    OTLP = "otlp"


class Environment(StrEnum):
    LOCAL = "local"
    CI = "ci"
    PRODUCTION = "production"


class DagsterStorage(StrEnum):
    """Where the Dagster instance keeps runs, events and schedules (dagster_project/instance.py)."""

    POSTGRES = "postgres"  # a database of the project's PostgreSQL server, as in deployments
    SQLITE = "sqlite"  # files under DAGSTER_HOME (no server needed)


class SinkEngine(StrEnum):
    """How the stream worker consumes a sink's topics: the warehouse sink's
    (docs/WAREHOUSE.md, "Two sink engines") and the catalog indexer's (docs/SEARCH.md)."""

    AGENT = "agent"  # Faust agents, stream.take_events per topic
    BATCH = "batch"  # an aiokafka batch consumer hosted as a service of the Faust worker


def _default_cache_dir() -> Path:
    # Services run as an unprivileged user when we are root; /root is not readable by it.
    if os.geteuid() == 0:
        return Path("/var/cache/souk-el-syarat")
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "souk-el-syarat"


class Settings(BaseSettings):
    """Configuration of every Souk El-Syarat process (see the README's table)."""

    model_config = SettingsConfigDict(env_prefix="SOUK_", env_file=None, extra="ignore")

    environment: Environment = Environment.LOCAL
    data_dir: Path = PROJECT_ROOT / ".local"
    cache_dir: Path = Field(default_factory=_default_cache_dir)
    service_user: str = "souk"

    # PostgreSQL
    postgres_host: str = "127.0.0.1"
    postgres_port: int = 54329
    postgres_db: str = "souk"
    postgres_user: str = "souk"
    postgres_password: str = "souk"
    postgres_bin_dir: Path = Path("/usr/lib/postgresql/15/bin")

    # Kafka
    kafka_host: str = "127.0.0.1"
    kafka_port: int = 19092
    kafka_controller_port: int = 19093
    kafka_version: str = "3.9.1"
    kafka_heap: str = "512m"
    kafka_topic_partitions: int = 4
    kafka_topic_retention_hours: int = 24 * 7

    # Change-stream relay (pipelines/): replication slot -> Kafka
    relay_slot: str = "souk_relay"
    relay_schema: str = "public"  # the schema of the CDC tables and the outbox
    relay_topic_prefix: str = ""  # tests and benchmarks isolate their topics with a prefix
    relay_max_in_flight: int = 20_000  # records sent to Kafka and not yet acknowledged
    relay_linger_ms: int = 5
    relay_feedback_seconds: float = 1.0  # how often the confirmed LSN goes to PostgreSQL
    relay_progress_seconds: float = 5.0
    relay_snapshot_batch_rows: int = 2_000
    relay_web_port: int = 6067  # /health, /ready, /metrics on 127.0.0.1 (0: none)

    # Elasticsearch
    elasticsearch_host: str = "127.0.0.1"
    elasticsearch_port: int = 19200
    elasticsearch_transport_port: int = 19300
    elasticsearch_version: str = "8.19.21"
    elasticsearch_heap: str = "1g"
    catalog_alias: str = "catalog-listings"
    # Catalog indexing (streams/, search/): micro-batch size and wait, sellers' store index
    catalog_batch_size: int = 500
    catalog_batch_seconds: float = 0.25
    catalog_agent_concurrency: int = 4
    catalog_index_engine: SinkEngine = SinkEngine.BATCH
    catalog_index_shards: int = 1
    catalog_refresh_interval: str = "1s"

    # Faust stream processors (streams/)
    streams_app_id: str = "souk-streams"
    streams_topic_prefix: str = ""  # tests and benchmarks isolate their topics with a prefix
    streams_web_enabled: bool = True
    streams_web_port: int = 6066
    streams_log_level: str = "INFO"

    # Search API: caps, and whether behavioural events go to Kafka
    search_max_page_size: int = 100
    search_max_offset: int = 1000
    search_request_timeout_s: float = 5.0
    behaviour_events_enabled: bool = True
    # how long the API's producer gathers behavioural events into one Kafka request
    behaviour_events_linger_ms: int = 200
    # the most one batch of events holds: a full batch makes the delivery task (not the
    # search) wait; 256 KiB ones timed out under load at the former 5 s timeout (api/behaviour.py)
    behaviour_events_batch_bytes: int = 16_384
    # the producer's request timeout, also the lifetime of a batch: aiokafka retries a
    # retriable failure (lost connection, leader moving) within it, every retry_backoff_ms
    behaviour_events_request_timeout_ms: int = Field(default=30_000, ge=1_000)
    behaviour_events_retry_backoff_ms: int = Field(default=500, ge=10)
    # events waiting in the API process for the producer; beyond this they go to the spool
    behaviour_events_queue_size: int = Field(default=10_000, ge=1)
    # events Kafka did not take (api/behaviour_spool.py): kept as JSON lines here (empty:
    # <data_dir>/spool/behaviour), at most this many bytes; re-sent every replay_seconds
    behaviour_events_spool_dir: Path | None = None
    behaviour_events_spool_max_bytes: int = Field(default=268_435_456, ge=0)
    behaviour_events_replay_seconds: float = Field(default=5.0, gt=0)
    # freeze the API's start-up objects out of full GC passes (~400 ms pauses under load)
    api_freeze_startup_heap: bool = True

    # Analytics warehouse (warehouse/, dagster_project/, streams/warehouse_sink.py)
    warehouse_timezone: str = "Africa/Cairo"  # a fact's date is its local date here
    warehouse_start_date: str = "2025-01-01"  # first daily partition
    warehouse_sink_batch_size: int = 20_000
    warehouse_sink_batch_seconds: float = 2.0
    warehouse_sink_engine: SinkEngine = SinkEngine.BATCH
    warehouse_duckdb_threads: int = 2
    warehouse_duckdb_memory_limit: str = "6GB"
    # Builds first merge a table-day's raw files once it has this many (warehouse.raw_compaction)
    warehouse_compact_min_files: int = 16
    warehouse_compact_grace_seconds: float = 900.0  # merged files are deleted this much later

    # Notifications (notifications/, streams/notification_agent.py): channels, retries
    notification_channels: list[str] = Field(default_factory=lambda: ["email", "sms", "push"])
    notification_send_attempts: int = 4  # per notification, then the event is dead-lettered
    notification_retry_base_s: float = 0.5  # wait after failed attempt n: base × 2^(n-1)

    # Java used by Kafka and Elasticsearch (empty: the JDK of `java` on PATH)
    java_home: Path | None = None

    # API and UIs
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    dagster_port: int = 3000
    dagster_storage: DagsterStorage = DagsterStorage.POSTGRES
    dagster_postgres_db: str = "souk_dagster"  # on the server of postgres_host/postgres_port
    jwt_secret: str = DEFAULT_SECRET
    jwt_ttl_minutes: int = 60 * 12
    # analytics requests keep a token's account (role, own seller) this long per process: a
    # deleted account or changed role takes effect within it (api/analytics/accounts.py)
    analytics_account_seconds: float = Field(default=30.0, ge=0)
    analytics_account_cache_size: int = Field(default=10_000, ge=0)
    # admin market answers kept per served marts version (api/analytics/market_answers.py)
    analytics_market_answers: int = Field(default=256, ge=0)
    service_token_secret: str = DEFAULT_SECRET

    log_level: str = "INFO"
    log_json: bool = False

    # Traces (souk/tracing.py): OpenTelemetry spans of the API, relay and stream worker
    traces_exporter: TracesExporter = TracesExporter.NONE  # none: no spans at all
    otlp_endpoint: str = "http://127.0.0.1:4318/v1/traces"  # OTLP over HTTP (protobuf)

    # API operations and edge protection (api/health.py, api/metrics.py, api/edge/)
    ready_check_timeout_s: float = 1.0  # each /ready dependency check
    ready_cache_s: float = 1.0  # /ready answers from a result this young (0: always check)
    ready_required_checks: list[str] = Field(
        default_factory=lambda: ["postgres", "kafka", "elasticsearch"]
    )  # a required check down makes /ready 503; the others only make it "degraded"
    access_log_enabled: bool = True
    max_request_bytes: int = 1_048_576  # bodies above this get 413
    rate_limits_enabled: bool = True
    # requests per minute (token buckets: the same number is the burst)
    rate_limit_search_per_ip: int = 1200
    rate_limit_search_per_user: int = 600
    rate_limit_login_per_ip: int = 30
    rate_limit_write_per_ip: int = 600
    rate_limit_write_per_user: int = 240
    admin_allowed_networks: list[str] = Field(
        default_factory=lambda: ["127.0.0.0/8", "::1/128"]
    )  # client networks that may reach the admin paths (CIDR)
    admin_path_prefixes: list[str] = Field(
        default_factory=lambda: ["/admin", "/internal", "/metrics"]
    )
    service_token_ttl_s: int = 300  # lifetime of a token minted by `souk api service-token`

    @model_validator(mode="after")
    def _refuse_default_secrets_in_production(self) -> Settings:
        if self.environment is Environment.PRODUCTION:
            for name in ("jwt_secret", "service_token_secret"):
                if getattr(self, name) == DEFAULT_SECRET:
                    raise ValueError(
                        f"SOUK_{name.upper()} is left at its development default; "
                        "set a secret before running with SOUK_ENVIRONMENT=production"
                    )
        return self

    @field_validator("admin_allowed_networks")
    @classmethod
    def _networks_parse(cls, networks: list[str]) -> list[str]:
        for network in networks:
            try:
                ipaddress.ip_network(network, strict=False)
            except ValueError as exc:
                raise ValueError(
                    f"SOUK_ADMIN_ALLOWED_NETWORKS: {network!r} is not a network"
                ) from exc
        return networks

    @property
    def database_url(self) -> str:
        return (
            f"postgresql+psycopg://{self.postgres_user}:{self.postgres_password}"
            f"@{self.postgres_host}:{self.postgres_port}/{self.postgres_db}"
        )

    @property
    def postgres_dsn(self) -> str:
        """libpq connection string (psycopg, replication connections)."""
        return (
            f"host={self.postgres_host} port={self.postgres_port} dbname={self.postgres_db} "
            f"user={self.postgres_user} password={self.postgres_password}"
        )

    @property
    def kafka_bootstrap(self) -> str:
        return f"{self.kafka_host}:{self.kafka_port}"

    @property
    def elasticsearch_url(self) -> str:
        return f"http://{self.elasticsearch_host}:{self.elasticsearch_port}"

    @property
    def logs_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def run_dir(self) -> Path:
        return self.data_dir / "run"

    @property
    def warehouse_dir(self) -> Path:
        return self.data_dir / "warehouse"

    @property
    def dagster_home(self) -> Path:
        return self.data_dir / "dagster"

    @property
    def behaviour_spool_dir(self) -> Path:
        return self.behaviour_events_spool_dir or self.data_dir / "spool" / "behaviour"


def load_settings() -> Settings:
    """Build the settings from the environment; call once per process, at start-up."""
    return Settings()
