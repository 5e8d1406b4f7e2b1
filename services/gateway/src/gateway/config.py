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
    max_body_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)

    def upstreams(self) -> dict[str, str]:
        return {
            "members": self.members_url, "invoicing": self.invoicing_url, "payroll": self.payroll_url,
            "governance": self.governance_url, "notifications": self.notifications_url,
        }
