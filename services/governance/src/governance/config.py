from __future__ import annotations

from pydantic import Field

from coop_shared.settings import ServiceSettings


class GovernanceSettings(ServiceSettings):
    service_name: str = "governance"

    # Default for new assemblies; an admin may set another limit per assembly.
    default_max_proxies_per_voter: int = Field(default=1, ge=0, le=10)
    # Each resolution's ballot counters are split over this many documents so
    # thousands of voters in the same minutes do not all update one document.
    ballot_counter_shards: int = Field(default=16, ge=1, le=256)
    # Largest number of member ids in one assembly event (see contracts.governance).
    event_batch_size: int = Field(default=1000, ge=1, le=10_000)
    # Share categories whose fully paid shares give a seat at the general
    # assembly (Belgian cooperative law: every shareholder; statutes may narrow it).
    general_assembly_share_categories: list[str] = Field(default_factory=lambda: ["A", "B"])
    max_resolutions_per_assembly: int = Field(default=100, ge=1, le=100)
    # How often the voting-deadlines job looks for a window that opens or closes (seconds).
    voting_deadlines_job_seconds: float = Field(default=1.0, gt=0, le=300)
