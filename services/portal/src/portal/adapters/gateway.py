"""The portal's only way to the platform: the gateway's public API, as any client calls it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from coop_shared.observability.context import REQUEST_ID_HEADER, request_id_var
from portal.adapters.session_store import Session


@dataclass(frozen=True)
class ApiProblem:
    """A 4xx/5xx answer of the API, reduced to what a page shows."""

    status: int
    code: str
    message: str
    field: str | None = None


class NotLoggedIn(Exception):
    """The session holds no token the API still accepts."""


class Gateway:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def request(self, method: str, path: str, session: Session | None = None, *, client_ip: str | None,
                      json: Any = None, params: dict[str, Any] | None = None,
                      content: bytes | None = None, files: Any = None) -> httpx.Response:
        """Calls the API with the session's access token, renewing it once with the refresh token on a 401."""
        response = await self._send(method, path, session, client_ip, json=json, params=params,
                                    content=content, files=files)
        if response.status_code == 401 and session is not None and session.tokens.get("refresh_token") \
                and await self._refresh(session, client_ip):
            response = await self._send(method, path, session, client_ip, json=json, params=params,
                                            content=content, files=files)
        if response.status_code == 401 and session is not None and session.logged_in:
            session.tokens = {}
            raise NotLoggedIn()
        return response

    async def _send(self, method: str, path: str, session: Session | None, client_ip: str | None,
                    **kwargs: Any) -> httpx.Response:
        headers = {"Accept": "application/json"}
        if session is not None and session.tokens.get("access_token"):
            headers["Authorization"] = f"Bearer {session.tokens['access_token']}"
        if client_ip:
            # The person's address, so that per-address limits at the gateway count people, not the portal.
            headers["X-Forwarded-For"] = client_ip
        request_id = request_id_var.get()
        if request_id:
            headers[REQUEST_ID_HEADER] = request_id
        kwargs = {k: v for k, v in kwargs.items() if v is not None}
        return await self._client.request(method, path, headers=headers, **kwargs)

    async def _refresh(self, session: Session, client_ip: str | None) -> bool:
        response = await self._send("POST", "/api/v1/auth/refresh", None, client_ip,
                                    json={"refresh_token": session.tokens["refresh_token"]})
        if response.status_code != 200:
            return False
        body = response.json()
        session.tokens = {"access_token": body["access_token"], "refresh_token": body["refresh_token"]}
        return True


def problem(response: httpx.Response) -> ApiProblem:
    try:
        error = response.json().get("error", {})
    except ValueError:
        error = {}
    return ApiProblem(response.status_code, str(error.get("code", "error")), str(error.get("message", "")),
                      error.get("field"))
