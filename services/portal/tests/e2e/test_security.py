"""What the portal promises about sessions, forms and other people's data, checked over HTTP through the gateway."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from tests.e2e.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Platform
from tests.e2e.journey import PASSWORD, Api, eventually

pytestmark = pytest.mark.e2e
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(response: httpx.Response) -> str:
    found = CSRF.search(response.text)
    assert found, response.text[:500]
    return found.group(1)


@contextmanager
def portal_login(gateway: str, email: str, password: str = PASSWORD) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=gateway, timeout=15, headers={"Accept-Language": "en"}) as browser:
        token = csrf_of(browser.get("/app/login"))
        answer = browser.post("/app/login", data={"csrf_token": token, "email": email, "password": password})
        assert answer.status_code == 303 and answer.headers["location"] == "/app/", answer.text[:500]
        yield browser


def test_the_session_cookie_is_http_only_and_same_site_lax(platform: Platform) -> None:
    answer = httpx.get(platform.gateway + "/app/login")
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith("coop_portal=")
    attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert "httponly" in attributes and "samesite=lax" in attributes and "path=/" in attributes
    # Only a random id travels: no token, nothing readable.
    value = cookie.split(";")[0].split("=", 1)[1]
    assert len(value) >= 40 and "." not in value


def test_a_strict_content_security_policy_on_pages_and_files(platform: Platform) -> None:
    for path in ("/app/login", "/app/signup", "/static/vendor/htmx.min.js"):
        policy = httpx.get(platform.gateway + path).headers["content-security-policy"]
        assert "default-src 'none'" in policy and "script-src 'self'" in policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert "frame-ancestors 'none'" in policy


def test_a_form_post_without_its_csrf_token_is_refused(platform: Platform) -> None:
    with httpx.Client(base_url=platform.gateway, timeout=15) as browser:
        browser.get("/app/login")
        refused = browser.post("/app/login", data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
        assert refused.status_code == 403
        forged = browser.post("/app/login", data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD,
                                                 "csrf_token": "x" * 43})
        assert forged.status_code == 403
        assert browser.get("/app/", follow_redirects=False).status_code == 303  # still logged out

    with httpx.Client(base_url=platform.gateway, timeout=15) as api_client:
        api = Api(api_client, platform.gateway)
        _, email, headers = api.register("Csrf Victim")
    with portal_login(platform.gateway, email) as browser:
        assert browser.post("/app/shares", data={"quantity": "3"}).status_code == 403
        assert browser.post("/app/logout", data={}).status_code == 403
        # Nothing happened: no share subscribed, the session still works.
        shares = httpx.get(platform.gateway + "/api/v1/shares", headers=headers).json()["items"]
        assert shares == []
        assert browser.get("/app/", follow_redirects=False).status_code == 200


def test_another_members_pages_are_not_found(platform: Platform) -> None:
    with httpx.Client(timeout=15) as client:
        api = Api(client, platform.gateway)
        admin = api.login(ADMIN_EMAIL, ADMIN_PASSWORD)
        _, owner_email, owner = api.register("Owner Member")
        share = api.post("/api/v1/shares", owner, json={"quantity": 1})
        assert api.post(f"/api/v1/admin/shares/{share.json()['id']}/confirm-payment", admin).status_code == 201
        activity = api.post("/api/v1/activities", owner, json={"name": "Secret studio", "sector": "crafts"})
        assert activity.status_code == 201, activity.text
        activity_id = activity.json()["id"]
        created = eventually(lambda: api.post("/api/v1/clients", owner, json={
            "activity_id": activity_id, "kind": "person", "name": "Private Client " + uuid.uuid4().hex[:6],
            "address": {"street": "Rue 1", "postal_code": "1000", "city": "Bruxelles", "country": "BE"}}),
            lambda r: r.status_code == 201)
        draft = api.post("/api/v1/invoices", owner, json={
            "activity_id": activity_id, "client_id": created.json()["id"],
            "lines": [{"description": "Secret work", "quantity": "1", "unit_price": "10.00", "vat_rate": "21"}]})
        assert draft.status_code == 201, draft.text
        invoice_id = draft.json()["id"]
        _, other_email, _ = api.register("Curious Member")

    with portal_login(platform.gateway, owner_email) as mine:
        page = mine.get(f"/app/invoices/{invoice_id}")
        assert page.status_code == 200 and "Secret work" in page.text
    with portal_login(platform.gateway, other_email) as other:
        for path in (f"/app/invoices/{invoice_id}", f"/app/invoices/{invoice_id}/pdf",
                     f"/app/activities/{activity_id}", f"/app/activities/{activity_id}/transparency",
                     "/app/admin/shares"):
            answer = other.get(path)
            assert answer.status_code == 404, path
            assert "Secret" not in answer.text
        issue = other.post(f"/app/invoices/{invoice_id}/issue", data={"csrf_token": csrf_of(other.get("/app/"))})
        assert issue.status_code == 404
