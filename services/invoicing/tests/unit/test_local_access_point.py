"""The local access point is served by the development service only."""

from __future__ import annotations

import httpx

from invoicing.config import InvoicingSettings
from invoicing.main import create_app

PATH = "/dev/peppol-access-point/v1/outbound-documents"


async def status_of(environment: str) -> int:
    app = create_app(InvoicingSettings(environment=environment, service_token_secret="s" * 40))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://invoicing") as client:
        return (await client.get(PATH)).status_code


async def test_only_the_development_service_serves_the_local_access_point() -> None:
    assert await status_of("development") == 200
    assert await status_of("test") == 404 and await status_of("production") == 404
