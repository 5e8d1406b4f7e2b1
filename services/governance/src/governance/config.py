from __future__ import annotations

from pydantic import Field, SecretStr, model_validator

from coop_shared.settings import ServiceSettings

DEVELOPMENT_SEALING_KEY = "development-ballot-sealing-key-change-me"  # refused in production
MIN_SEALING_KEY_LENGTH = 32


class GovernanceSettings(ServiceSettings):
    service_name: str = "governance"

    # Default for new assemblies; an admin may set another limit per assembly.
    default_max_proxies_per_voter: int = Field(default=1, ge=0, le=10)
    # Each resolution's ballot counters are split over this many documents so
    # thousands of voters in the same minutes do not all update one document.
    ballot_counter_shards: int = Field(default=16, ge=1, le=256)
    # Seals secret choices until the count (adapters/ballot_seal.py). Changing it while a vote is open makes
    # that vote's boxes unreadable: change it between assemblies.
    ballot_sealing_key: SecretStr = SecretStr(DEVELOPMENT_SEALING_KEY)
    # Largest number of member ids in one assembly event (see contracts.governance).
    event_batch_size: int = Field(default=1000, ge=1, le=10_000)
    # Share categories whose fully paid shares give a seat at the general
    # assembly (Belgian cooperative law: every shareholder; statutes may narrow it).
    general_assembly_share_categories: list[str] = Field(default_factory=lambda: ["A", "B"])
    max_resolutions_per_assembly: int = Field(default=100, ge=1, le=100)
    # How often the voting-deadlines job looks for a window that opens or closes (seconds).
    voting_deadlines_job_seconds: float = Field(default=1.0, gt=0, le=300)

    @model_validator(mode="after")
    def _sealing_key_fit_for_the_environment(self) -> GovernanceSettings:
        value = self.ballot_sealing_key.get_secret_value()
        if len(value) < MIN_SEALING_KEY_LENGTH:
            raise ValueError(f"BALLOT_SEALING_KEY needs at least {MIN_SEALING_KEY_LENGTH} characters")
        if value == DEVELOPMENT_SEALING_KEY and self.environment == "production":
            raise ValueError("the development BALLOT_SEALING_KEY is refused in production")
        return self
