from __future__ import annotations

from coop_shared.settings import ServiceSettings


class InvoicingSettings(ServiceSettings):
    service_name: str = "invoicing"
