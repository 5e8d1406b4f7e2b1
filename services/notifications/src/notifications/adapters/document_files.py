"""The stored files of issued documents, fetched from the invoicing service's
internal API with a service token when an e-mail is sent (never on the bus)."""

from __future__ import annotations

import hashlib

import httpx

from coop_shared.auth.service_tokens import issue_service_token
from notifications.config import NotificationsSettings


class FileUnavailable(Exception):
    """The file could not be fetched (or did not match its hash): the e-mail waits for another attempt."""


class DocumentFiles:
    def __init__(self, settings: NotificationsSettings) -> None:
        self._settings = settings
        self._http = httpx.AsyncClient(base_url=settings.invoicing_url.rstrip("/"),
                                       timeout=settings.document_fetch_timeout_seconds, follow_redirects=False)

    async def fetch(self, path: str, sha256: str | None) -> bytes:
        token = issue_service_token(self._settings.service_token_secret.get_secret_value(), caller="notifications",
                                    audience="invoicing")
        try:
            response = await self._http.get(path, headers={"Authorization": f"Bearer {token}"})
        except httpx.HTTPError as exc:
            raise FileUnavailable(f"{type(exc).__name__} fetching {path}") from exc
        if response.status_code != 200:
            raise FileUnavailable(f"{response.status_code} fetching {path}")
        content = response.content
        if sha256 is not None and hashlib.sha256(content).hexdigest() != sha256:
            raise FileUnavailable(f"{path} does not match its SHA-256")
        return content

    async def close(self) -> None:
        await self._http.aclose()
