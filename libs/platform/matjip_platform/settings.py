"""Service settings, read from MATJIP_* environment variables (docs/conventions.md)."""

import ipaddress
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MATJIP_", extra="ignore")

    service_name: str = "service"
    # Where this process runs: local (the dev stack, tests), dev, prod. The chart sets it from
    # global.environment; a setting that is only safe somewhere (the sandbox payment gateway) checks it.
    environment: str = "local"
    database_url: str = "postgresql+asyncpg://matjip@127.0.0.1:55432/matjip"
    db_schema: str = ""
    db_pool_size: int = Field(default=10, ge=1)
    db_pool_overflow: int = Field(default=5, ge=0)  # short bursts only; the pool itself never churns
    db_pool_recycle_seconds: int = Field(default=1800, ge=60)
    kafka_bootstrap: str = "127.0.0.1:59092"
    kafka_topic_prefix: str = ""
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: Literal["", "OAUTHBEARER"] = ""  # OAUTHBEARER = MSK IAM auth
    kafka_aws_region: str = ""
    redis_url: str = "redis://127.0.0.1:56379/0"
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    jwks_url: str = "http://127.0.0.1:8101/api/auth/.well-known/jwks.json"
    jwt_issuer: str = "matjip-auth"
    jwt_audience: str = "matjip"
    otlp_endpoint: str = ""
    zipkin_endpoint: str = ""
    log_level: str = "INFO"
    # The share of traces that begin with a read (GET) which are kept; every write and everything it causes
    # is always traced (matjip_platform.telemetry.EveryWriteSomeReads).
    trace_read_sample_ratio: float = Field(default=0.01, ge=0, le=1)
    # Each SQL statement of a traced request or event as a span of its own (the SQLAlchemy instrumentation).
    trace_sql_statements: bool = True
    shutdown_timeout_seconds: float = 20.0
    # Per-client request budgets for the Redis-backed rate limiter (requests per minute).
    rate_limit_per_ip: int = Field(default=600, ge=1)
    rate_limit_per_user: int = Field(default=300, ge=1)
    # Peers whose X-Forwarded-For/-Proto uvicorn believes (comma-separated addresses or CIDRs): the load
    # balancer's subnets in a cluster. The client address - and so its rate-limit budget - is the first
    # address from the right of X-Forwarded-For that is not one of them; anyone else's header is ignored.
    trusted_proxy_cidrs: str = "127.0.0.1"
    consumer_max_attempts: int = Field(default=5, ge=1)
    consumer_retry_base_seconds: float = Field(default=0.2, gt=0)
    auth_key_dir: Path = Path(".data/keys")

    @field_validator("trusted_proxy_cidrs")
    @classmethod
    def _valid_networks(cls, value: str) -> str:
        for item in value.split(","):
            if item.strip():
                ipaddress.ip_network(item.strip(), strict=False)  # ValueError names the bad entry
        return value

    @property
    def trusted_proxies(self) -> list[str]:
        return [item.strip() for item in self.trusted_proxy_cidrs.split(",") if item.strip()]

    @property
    def schema_name(self) -> str:
        return self.db_schema or self.service_name

    @property
    def consumer_group(self) -> str:
        """The service's consumer group; the topic prefix keeps test runs out of each other's groups."""
        return f"{self.kafka_topic_prefix}matjip-{self.service_name}"

    def topic(self, name: str) -> str:
        """The real topic name for a contract topic; the prefix isolates test runs on one broker."""
        return self.kafka_topic_prefix + name
