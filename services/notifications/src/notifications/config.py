"""Settings of the notifications service (unprefixed environment names, like
the shared ones: each service runs in an environment of its own)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, model_validator

from coop_shared.auth.service_tokens import check_secret
from coop_shared.settings import ServiceSettings

# Only for development and tests: production refuses to start without a real key.
_DEV_WEBHOOK_KEY = "dev-only-webhook-key-never-use-in-production"
_MIN_KEY_LENGTH = 32


class NotificationsSettings(ServiceSettings):
    service_name: str = "notifications"

    # E-mail (SMTP relay).
    smtp_host: str = "localhost"
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    # auto: STARTTLS when the relay offers it; starttls: required; tls: implicit TLS (465); none.
    smtp_tls: Literal["auto", "starttls", "tls", "none"] = "auto"
    smtp_timeout_seconds: float = Field(default=10.0, gt=0)
    mail_from: str = "no-reply@coop.localhost"
    # Shown as the sender of documents e-mailed to clients, with the member's activity: "<name> – <activity>".
    mail_from_name: str = "Coopérative Partagée"
    # Where the stored files of issued documents are fetched (internal API, service token).
    invoicing_url: str = "http://127.0.0.1:8002"
    document_fetch_timeout_seconds: float = Field(default=15.0, gt=0)
    # The site people reach (the gateway): links in messages go to <this>/app/... (members' portal)
    # and <this>/client/... (clients' pages).
    app_base_url: str = "http://127.0.0.1:8080"

    # Retries of e-mails: attempt n waits base * factor**(n-1), capped.
    email_max_attempts: int = Field(default=6, ge=1, le=20)
    email_backoff_base_seconds: float = Field(default=30.0, gt=0)
    email_backoff_factor: float = Field(default=2.0, ge=1)
    email_backoff_max_seconds: float = Field(default=3600.0, gt=0)
    email_concurrency: int = Field(default=4, ge=1, le=64)
    # The daily digest leaves at this time (Brussels wall clock, HH:MM).
    digest_job_at: str = Field(default="18:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")

    # Partner webhooks.
    webhook_signing_key: SecretStr = SecretStr("")
    # Test-only: lets endpoints on loopback/private addresses and plain http
    # through (never cloud metadata addresses). Refused in production.
    webhook_allow_private_targets: bool = False
    webhook_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    webhook_max_attempts: int = Field(default=8, ge=1, le=20)
    webhook_backoff_base_seconds: float = Field(default=30.0, gt=0)
    webhook_backoff_factor: float = Field(default=2.0, ge=1)
    webhook_backoff_max_seconds: float = Field(default=6 * 3600.0, gt=0)
    webhook_concurrency: int = Field(default=8, ge=1, le=128)
    webhook_max_endpoints_per_owner: int = Field(default=20, ge=1, le=1000)
    # After a secret rotation, deliveries are signed with the old secret too for this long.
    webhook_secret_overlap_seconds: int = Field(default=24 * 3600, ge=0, le=30 * 86400)

    # Background senders: how often they look for due work when not woken up,
    # and how long a claimed item stays reserved (a crashed sender's items come back).
    worker_poll_seconds: float = Field(default=1.0, gt=0)
    worker_lease_seconds: float = Field(default=120.0, gt=0)

    @model_validator(mode="after")
    def _safe_in_production(self) -> NotificationsSettings:
        check_secret(self.service_token_secret.get_secret_value(), self.environment)
        if self.environment == "production":
            if self.webhook_allow_private_targets:
                raise ValueError("WEBHOOK_ALLOW_PRIVATE_TARGETS is for tests only and refused in production")
            if len(self.webhook_signing_key.get_secret_value()) < _MIN_KEY_LENGTH:
                raise ValueError(f"WEBHOOK_SIGNING_KEY must be set (at least {_MIN_KEY_LENGTH} characters) "
                                 "in production")
        return self

    @property
    def webhook_key(self) -> bytes:
        return (self.webhook_signing_key.get_secret_value() or _DEV_WEBHOOK_KEY).encode()
