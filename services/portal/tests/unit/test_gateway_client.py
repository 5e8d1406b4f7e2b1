"""The portal's API client: the person's address passed on, tokens renewed once, a dead session reported."""

import httpx
import pytest

from portal.adapters.gateway import Gateway, NotLoggedIn
from portal.adapters.session_store import Session


def _session() -> Session:
    return Session(sid="s", csrf="c", tokens={"access_token": "old", "refresh_token": "r1"})


async def test_the_persons_address_and_token_are_passed_on() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"ok": True})

    async with httpx.AsyncClient(base_url="http://gw", transport=httpx.MockTransport(answer)) as client:
        await Gateway(client).request("GET", "/api/v1/members/me", _session(), client_ip="203.0.113.7")
    assert seen[0].headers["x-forwarded-for"] == "203.0.113.7"
    assert seen[0].headers["authorization"] == "Bearer old"


async def test_an_expired_access_token_is_renewed_once_with_the_refresh_token() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/auth/refresh":
            return httpx.Response(200, json={"access_token": "new", "refresh_token": "r2", "expires_in": 900})
        ok = request.headers.get("authorization") == "Bearer new"
        return httpx.Response(200 if ok else 401, json={})

    session = _session()
    async with httpx.AsyncClient(base_url="http://gw", transport=httpx.MockTransport(answer)) as client:
        response = await Gateway(client).request("GET", "/api/v1/inbox", session, client_ip=None)
    assert response.status_code == 200
    assert session.tokens == {"access_token": "new", "refresh_token": "r2"}


async def test_a_session_the_api_no_longer_accepts_is_logged_out() -> None:
    async with httpx.AsyncClient(base_url="http://gw",
                                 transport=httpx.MockTransport(lambda r: httpx.Response(401, json={}))) as client:
        session = _session()
        with pytest.raises(NotLoggedIn):
            await Gateway(client).request("GET", "/api/v1/inbox", session, client_ip=None)
    assert session.tokens == {}
