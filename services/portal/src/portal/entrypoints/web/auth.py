"""Log in, sign up, log out, and the language switch in the header."""

from __future__ import annotations

from urllib.parse import urlparse

from fastapi import APIRouter
from starlette.responses import Response

from portal.adapters.i18n import LANGUAGES
from portal.entrypoints.web.context import Form, MemberForm, Page, PageContext
from portal.entrypoints.web.errors import field_errors

router = APIRouter(prefix="/app")

SIGNUP_FIELDS = {"full_name", "email", "password", "street", "postal_code", "city", "country", "iban", "language"}


@router.get("/login")
async def login_page(page: Page) -> Response:
    if page.session.logged_in:
        return page.redirect("/app/")
    return page.render("login.html", errors={})


async def start_session(page: PageContext, tokens: dict[str, str]) -> None:
    """A new session id on log-in (no fixation), with the member's name, role and language."""
    anonymous = page.session
    page.session = page.store.new()
    page.session.tokens = tokens
    await page.store.delete(anonymous)
    me = await page.api("GET", "/api/v1/members/me")
    if me.status_code == 200:
        body = me.json()
        page.session.member_id, page.session.role = body["id"], body["role"]
        page.session.name, page.session.language = body["full_name"], body["language"]


@router.post("/login")
async def login(page: Form) -> Response:
    response = await page.api("POST", "/api/v1/auth/login",
                              json={"email": page.value("email"), "password": page.value("password")})
    if response.status_code != 200:
        found = page.problem(response)
        errors = {"_form": page.gettext("E-mail or password is wrong.")} if response.status_code in {400, 401, 422} \
            else field_errors(found, page.gettext, page.language, known=set())
        return page.render("login.html", status_code=response.status_code, errors=errors)
    body = response.json()
    await start_session(page, {"access_token": body["access_token"], "refresh_token": body["refresh_token"]})
    return page.redirect("/app/")


@router.get("/signup")
async def signup_page(page: Page) -> Response:
    return page.render("signup.html", errors={})


@router.post("/signup")
async def signup(page: Form) -> Response:
    language = page.value("language") or page.language
    body = {
        "full_name": page.value("full_name"), "email": page.value("email"), "password": page.value("password"),
        "language": language if language in LANGUAGES else page.language, "iban": page.value("iban"),
        "address": {"street": page.value("street"), "postal_code": page.value("postal_code"),
                    "city": page.value("city"), "country": (page.value("country") or "BE").upper()},
    }
    response = await page.api("POST", "/api/v1/auth/register", json=body)
    if response.status_code != 201:
        errors = field_errors(page.problem(response), page.gettext, page.language, known=SIGNUP_FIELDS)
        return page.render("signup.html", status_code=response.status_code, errors=errors)
    login = await page.api("POST", "/api/v1/auth/login", json={"email": body["email"], "password": body["password"]})
    if login.status_code != 200:
        return page.redirect("/app/login")
    tokens = login.json()
    await start_session(page, {"access_token": tokens["access_token"], "refresh_token": tokens["refresh_token"]})
    page.session.flash = page.gettext("Welcome! Your account is ready.")
    return page.redirect("/app/")


@router.post("/logout")
async def logout(page: MemberForm) -> Response:
    refresh = page.session.tokens.get("refresh_token")
    if refresh:
        await page.api("POST", "/api/v1/auth/logout", json={"refresh_token": refresh})
    await page.store.delete(page.session)
    language = page.session.language
    page.session = page.store.new()
    page.session.language = language
    return page.redirect("/app/login")


@router.post("/language")
async def change_language(page: Form) -> Response:
    wanted = page.value("language")
    if wanted in LANGUAGES:
        page.session.language = wanted
    back = page.value("next", "/app/")
    target = urlparse(back)
    # Only back to one of our own pages.
    return page.redirect(back if not target.netloc and back.startswith("/app") else "/app/")
