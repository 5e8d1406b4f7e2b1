from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from coop_shared.http.client_address import Network, parse_networks
from coop_shared.settings import ServiceSettings
from gateway.domain.body_limits import BodyLimits

LOCAL_DEV_ORIGINS = ("http://localhost:5173", "http://127.0.0.1:5173", "http://localhost:3000",
                     "http://127.0.0.1:3000")


class GatewaySettings(ServiceSettings):
    service_name: str = "gateway"
    members_url: str = "http://127.0.0.1:8001"
    invoicing_url: str = "http://127.0.0.1:8002"
    payroll_url: str = "http://127.0.0.1:8003"
    governance_url: str = "http://127.0.0.1:8004"
    notifications_url: str = "http://127.0.0.1:8005"
    # The web portal behind /app and /static: not an API upstream (no OpenAPI, no token checks).
    portal_url: str = "http://127.0.0.1:8006"
    upstream_timeout_seconds: float = Field(default=10.0, gt=0)
    upstream_connect_timeout_seconds: float = Field(default=2.0, gt=0)
    # Per-upstream read timeouts, e.g. {"invoicing": 30} for PDF rendering.
    upstream_timeouts: dict[str, float] = Field(default_factory=dict)
    # One pool for all upstreams, at most this many connections open; idle ones are kept alive for
    # reuse, so none is opened per request.
    upstream_max_connections: int = Field(default=256, ge=1)
    # Below the services' keep-alive (coop_shared.cli.SERVER_KEEP_ALIVE_SECONDS): a pooled connection is
    # never reused just as the service closes it.
    upstream_keepalive_seconds: float = Field(default=4.0, gt=0, le=4.5)
    # JSON bodies: 1 MiB; upload routes get their own limit (the file plus the
    # multipart envelope), matching what the service accepts.
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    upload_body_limits: dict[str, int] = Field(default_factory=lambda: {
        "/api/v1/bank-statements": 10 * 1024 * 1024 + 64 * 1024,
        "/api/v1/expense-claims": 5 * 1024 * 1024 + 64 * 1024,
    })

    # The gateway faces clients: by default it believes no X-Forwarded-For at all.
    # Behind a load balancer, set TRUSTED_PROXIES to its CIDRs.
    trusted_proxies: str = ""
    # Who sees /metrics, the gateway app's own /docs, /redoc, /openapi.json and the
    # details of /health/ready (comma-separated CIDRs; e.g. the monitoring network).
    internal_networks: str = Field(default="127.0.0.1/32,::1/128")

    @field_validator("internal_networks")
    @classmethod
    def _valid_internal(cls, value: str) -> str:
        parse_networks(value.split(","))
        return value

    @property
    def internal(self) -> tuple[Network, ...]:
        return parse_networks(self.internal_networks.split(","))

    # Where the limits are counted: "memory" (each replica alone: `make run`,
    # tests) or "mongodb" (one limit for every replica). Default: MongoDB in
    # production, memory elsewhere.
    rate_limit_storage: Literal["memory", "mongodb"] | None = None
    rate_limit_per_ip_per_minute: int = Field(default=1200, ge=1)
    rate_limit_per_principal_per_minute: int = Field(default=600, ge=1)
    rate_limit_sensitive_per_ip_per_minute: int = Field(default=20, ge=1)
    # Login, registration, refresh per e-mail address (whatever the address it comes from).
    rate_limit_sensitive_per_account_per_minute: int = Field(default=10, ge=1)
    # Per credential: one access token, one API key, one public quote link.
    rate_limit_per_token_per_minute: int = Field(default=600, ge=1)

    # Browsers' origins allowed to call the API (CORS); empty: no cross-origin access.
    # Development defaults to the usual local front-end dev servers.
    cors_origins: list[str] | None = Field(default=None, description="Allowed web front-end origins.")
    api_key_pepper: str = "development-pepper-change-me"
    api_key_cache_seconds: float = Field(default=5.0, ge=0)
    gateway_jwt_private_key: str | None = None
    # How long the combined OpenAPI document is kept before the services are read again.
    openapi_cache_seconds: float = Field(default=60.0, ge=0)

    def body_limits(self) -> BodyLimits:
        return BodyLimits.build(self.max_body_bytes, self.upload_body_limits)

    # The local mail sink's directory (set by `make run`): serves /dev/mail in local/development only.
    dev_mail_dir: str | None = None

    @property
    def dev_mail_enabled(self) -> bool:
        return self.dev_mail_dir is not None and self.environment in ("local", "development")

    @model_validator(mode="after")
    def _local_cors_default(self) -> GatewaySettings:
        if self.cors_origins is None:
            self.cors_origins = list(LOCAL_DEV_ORIGINS) if self.environment == "development" else []
        return self

    @property
    def rate_limit_storage_kind(self) -> str:
        if self.rate_limit_storage is not None:
            return self.rate_limit_storage
        return "mongodb" if self.environment == "production" else "memory"

    def upstreams(self) -> dict[str, str]:
        return {
            "members": self.members_url, "invoicing": self.invoicing_url, "payroll": self.payroll_url,
            "governance": self.governance_url, "notifications": self.notifications_url,
        }
