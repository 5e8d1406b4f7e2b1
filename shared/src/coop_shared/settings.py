"""Settings every service shares, read from the environment (pydantic-settings).

Common names are unprefixed (``MONGO_URL``, ``AMQP_URL``...) because in a
container each service has an environment of its own; settings that belong to
one service only are declared by that service's ``config.py``.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore", case_sensitive=False)

    service_name: str = Field(default="service", description="Name used in logs, events and queues.")
    environment: str = Field(default="development", description="development | test | production")
    log_level: str = "INFO"
    log_json: bool = True

    mongo_url: str = "mongodb://127.0.0.1:27017/?directConnection=true"
    mongo_database: str = ""  # empty: coop_<service_name>

    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    events_exchange: str = "coop.events"
    dead_letter_exchange: str = "coop.dead-letter"
    # Prefix for exchange and queue names: lets several isolated platforms
    # (parallel test runs) share one virtual host.
    amqp_prefix: str = ""
    amqp_heartbeat_seconds: int = 30
    publish_timeout_seconds: float = 10.0
    consumer_prefetch: int = Field(default=16, ge=1, le=1000)
    consumer_delivery_limit: int = Field(default=5, ge=1, le=100)

    # Access tokens are signed by the members service and verified everywhere.
    jwks_url: str = "http://127.0.0.1:8001/api/v1/auth/jwks"
    jwt_audience: str = "coop-platform"
    jwt_issuer: str = "coop-members"
    # Partner API keys are exchanged by the gateway for short-lived tokens it signs.
    gateway_jwks_url: str = "http://127.0.0.1:8080/api/v1/gateway/jwks"
    gateway_jwt_issuer: str = "coop-gateway"

    outbox_poll_seconds: float = Field(default=0.5, gt=0)
    outbox_lease_seconds: float = Field(default=60.0, gt=0)
    outbox_batch_size: int = Field(default=100, ge=1, le=10_000)

    @property
    def exchange_name(self) -> str:
        return self.amqp_prefix + self.events_exchange

    @property
    def dead_letter_exchange_name(self) -> str:
        return self.amqp_prefix + self.dead_letter_exchange

    @property
    def database_name(self) -> str:
        return self.mongo_database or f"coop_{self.service_name}"
