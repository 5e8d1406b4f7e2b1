"""Settings every service shares, read from the environment (pydantic-settings).

Common names are unprefixed (``MONGO_URL``, ``AMQP_URL``...) because in a
container each service has an environment of its own; settings that belong to
one service only are declared by that service's ``config.py``.
"""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from coop_shared.auth.service_tokens import DEVELOPMENT_SERVICE_SECRET
from coop_shared.clock import COOPERATIVE_ZONE
from coop_shared.http.client_address import Network, parse_networks


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore", case_sensitive=False)

    service_name: str = Field(default="service", description="Name used in logs, events and queues.")
    environment: str = Field(default="development", description="development | test | production")
    log_level: str = "INFO"
    log_json: bool = True

    mongo_url: str = "mongodb://127.0.0.1:27017/?directConnection=true"
    mongo_database: str = ""  # empty: coop_<service_name>
    # The longest wait for one database reply (the slowest operation, a payroll batch, takes a few seconds).
    mongo_socket_timeout_ms: int = Field(default=60_000, ge=1000)

    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    events_exchange: str = "coop.events"
    dead_letter_exchange: str = "coop.dead-letter"
    # Prefix for exchange and queue names: lets several isolated platforms
    # (parallel test runs) share one virtual host.
    amqp_prefix: str = ""
    amqp_heartbeat_seconds: int = 30
    publish_timeout_seconds: float = 3.0
    consumer_prefetch: int = Field(default=16, ge=1, le=1000)
    consumer_delivery_limit: int = Field(default=5, ge=1, le=100)
    # An event parked for its predecessor is applied anyway after this long.
    consumer_sequence_gap_seconds: float = Field(default=30.0, gt=0)

    # Access tokens are signed by the members service and verified everywhere.
    jwks_url: str = "http://127.0.0.1:8001/api/v1/auth/jwks"
    jwt_audience: str = "coop-platform"
    jwt_issuer: str = "coop-members"
    # Partner API keys are exchanged by the gateway for short-lived tokens it signs.
    gateway_jwks_url: str = "http://127.0.0.1:8080/api/v1/gateway/jwks"
    gateway_jwt_issuer: str = "coop-gateway"

    # Peers whose X-Forwarded-For is believed (comma-separated CIDRs): for a
    # service, the gateway; for the gateway, the load balancer in front of it.
    trusted_proxies: str = Field(default="127.0.0.1/32,::1/128",
                                 description="Comma-separated CIDRs of trusted proxies.")

    # How often each replica re-reads revoked token versions its siblings learned.
    token_versions_poll_seconds: float = Field(default=2.0, gt=0)

    # The cooperative's calendar: due dates, schedules ("daily at 07:00") are days and times here.
    timezone: str = COOPERATIVE_ZONE
    # Scheduled jobs run in every replica's process; a MongoDB lease lets one run each job at a time.
    jobs_enabled: bool = True
    jobs_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    # The longest any one shutdown step (stop the jobs, the consumer, the relay,
    # close the broker and database connections) may take: a broker that no
    # longer answers must not keep a stopping process alive until it is killed.
    shutdown_step_seconds: float = Field(default=20.0, gt=0, le=120)

    # Shared by services that call each other's internal routes (coop_shared.auth.service_tokens).
    service_token_secret: SecretStr = SecretStr(DEVELOPMENT_SERVICE_SECRET)

    # Path prefixes (e.g. ["/api/v1/invoices/"]) whose PATCH, PUT and DELETE
    # must carry If-Match (428 precondition_required otherwise).
    if_match_required: list[str] = Field(default_factory=list)

    outbox_poll_seconds: float = Field(default=0.5, gt=0)
    outbox_lease_seconds: float = Field(default=5.0, gt=0)
    outbox_batch_size: int = Field(default=100, ge=1, le=10_000)

    @field_validator("trusted_proxies")
    @classmethod
    def _valid_networks(cls, value: str) -> str:
        parse_networks(value.split(","))
        return value

    @property
    def trusted_networks(self) -> tuple[Network, ...]:
        return parse_networks(self.trusted_proxies.split(","))

    @property
    def exchange_name(self) -> str:
        return self.amqp_prefix + self.events_exchange

    @property
    def dead_letter_exchange_name(self) -> str:
        return self.amqp_prefix + self.dead_letter_exchange

    @property
    def database_name(self) -> str:
        return self.mongo_database or f"coop_{self.service_name}"
