from __future__ import annotations

from pydantic import Field

from coop_shared.settings import ServiceSettings


class PortalSettings(ServiceSettings):
    service_name: str = "portal"
    gateway_url: str = Field(default="http://127.0.0.1:8080", description="The public API the portal calls.")
    # Fernet key (urlsafe base64, 32 bytes) that encrypts the tokens held in sessions.
    session_key: str | None = None
    session_idle_minutes: int = Field(default=60, ge=5, le=24 * 60)
    api_timeout_seconds: float = Field(default=30.0, gt=0)
    # Idle connections to the gateway are dropped before the gateway's own keep-alive
    # (coop_shared.cli.SERVER_KEEP_ALIVE_SECONDS) closes them under a request in flight.
    gateway_keepalive_seconds: float = Field(default=3.0, gt=0, le=4.5)

    @property
    def secure_cookies(self) -> bool:
        """Secure cookies everywhere but on a developer's own machine (plain http://127.0.0.1)."""
        return self.environment not in {"development", "test"}
