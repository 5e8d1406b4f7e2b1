from __future__ import annotations

from coop_shared.settings import ServiceSettings


class MembersSettings(ServiceSettings):
    service_name: str = "members"
