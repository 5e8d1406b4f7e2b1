from __future__ import annotations

from coop_shared.settings import ServiceSettings


class GovernanceSettings(ServiceSettings):
    service_name: str = "governance"
