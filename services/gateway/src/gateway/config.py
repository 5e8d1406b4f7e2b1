from __future__ import annotations

from pydantic import Field

from coop_shared.settings import ServiceSettings


class GatewaySettings(ServiceSettings):
    service_name: str = "gateway"
    members_url: str = "http://127.0.0.1:8001"
    invoicing_url: str = "http://127.0.0.1:8002"
    payroll_url: str = "http://127.0.0.1:8003"
    governance_url: str = "http://127.0.0.1:8004"
    notifications_url: str = "http://127.0.0.1:8005"
    upstream_timeout_seconds: float = Field(default=10.0, gt=0)
    upstream_connect_timeout_seconds: float = Field(default=2.0, gt=0)
    # Per-upstream read timeouts, e.g. {"invoicing": 30} for PDF rendering.
    upstream_timeouts: dict[str, float] = Field(default_factory=dict)
    max_body_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)

    rate_limit_per_ip_per_minute: int = Field(default=1200, ge=1)
    rate_limit_per_principal_per_minute: int = Field(default=600, ge=1)
    rate_limit_sensitive_per_ip_per_minute: int = Field(default=20, ge=1)

    cors_origins: list[str] = Field(default_factory=list, description="Allowed web front-end origins.")
    api_key_pepper: str = "development-pepper-change-me"
    api_key_cache_seconds: float = Field(default=5.0, ge=0)
    gateway_jwt_private_key: str | None = None

    def upstreams(self) -> dict[str, str]:
        return {
            "members": self.members_url, "invoicing": self.invoicing_url, "payroll": self.payroll_url,
            "governance": self.governance_url, "notifications": self.notifications_url,
        }
