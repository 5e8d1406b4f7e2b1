from __future__ import annotations

from coop_shared.settings import ServiceSettings


class PayrollSettings(ServiceSettings):
    service_name: str = "payroll"
