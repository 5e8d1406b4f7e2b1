"""Settings of the members service (environment variables, unprefixed like the
shared ones: each container has an environment of its own)."""

from __future__ import annotations

from decimal import Decimal
from typing import Self

from pydantic import Field, SecretStr, field_validator, model_validator

from coop_shared.settings import ServiceSettings


class MembersSettings(ServiceSettings):
    service_name: str = "members"

    # Shares: nominal value of one share, and how long the cooperative may take
    # to refund a resigning member (the statutes allow 3 years at most).
    share_price: Decimal = Field(default=Decimal("30.00"), gt=0, max_digits=9, decimal_places=2)
    share_refund_delay_years: int = Field(default=3, ge=0, le=3)

    # Tokens. Access tokens stay short-lived: they cannot be revoked, only expire.
    access_token_ttl_seconds: int = Field(default=900, ge=30, le=900)
    refresh_token_ttl_seconds: int = Field(default=14 * 24 * 3600, ge=300, le=90 * 24 * 3600)
    # PEM (PKCS#8 or PKCS#1) RSA private key. Required in production; elsewhere
    # one is generated at first start and kept in MongoDB so replicas share it.
    jwt_private_key: SecretStr | None = None
    jwt_key_id: str | None = Field(default=None, max_length=64)

    # First admin, created at start-up (and by `coop-members create-admin`)
    # when both are set and the account does not exist yet.
    bootstrap_admin_email: str | None = None
    bootstrap_admin_password: SecretStr | None = None
    bootstrap_admin_name: str = "Administrator"

    # Login throttle, per account: attempts per window, then a lockout.
    login_max_failures: int = Field(default=5, ge=1, le=100)
    login_failure_window_seconds: int = Field(default=900, ge=1, le=24 * 3600)
    login_lockout_seconds: int = Field(default=300, ge=1, le=24 * 3600)

    # Argon2id cost (argon2-cffi's RFC 9106 low-memory profile by default).
    # Tests lower it; existing hashes are upgraded at the next login.
    argon2_time_cost: int = Field(default=3, ge=1, le=10)
    argon2_memory_kib: int = Field(default=65536, ge=1024, le=1048576)
    argon2_parallelism: int = Field(default=4, ge=1, le=16)

    @field_validator("jwt_private_key", mode="before")
    @classmethod
    def _unescape_pem(cls, value: object) -> object:
        # Env files keep a PEM on one line with literal "\n" between its lines.
        if isinstance(value, str):
            value = value.replace("\\n", "\n").strip()
            return value or None
        return value

    @field_validator("bootstrap_admin_email", "bootstrap_admin_password", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return (value.strip() or None) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _production_needs_a_key(self) -> Self:
        if self.environment == "production" and self.jwt_private_key is None:
            raise ValueError("JWT_PRIVATE_KEY is required when ENVIRONMENT=production")
        if (self.bootstrap_admin_email is None) != (self.bootstrap_admin_password is None):
            raise ValueError("set both BOOTSTRAP_ADMIN_EMAIL and BOOTSTRAP_ADMIN_PASSWORD, or neither")
        return self
