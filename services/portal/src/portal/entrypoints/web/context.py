"""Per-request context of a page: the session, the API, the person's language, rendering.

Every page handler takes a ``Page`` (anyone) or ``MemberPage`` (logged in); every form
handler takes ``Form``/``MemberForm``, which refuse a post without the session's CSRF token.
"""

from __future__ import annotations

import hmac
from pathlib import Path
from typing import Annotated, Any

import httpx
from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates
from starlette.datastructures import FormData
from starlette.responses import HTMLResponse, RedirectResponse, Response

from coop_shared.clock import Clock
from portal.adapters.gateway import ApiProblem, Gateway, NotLoggedIn, problem
from portal.adapters.i18n import LANGUAGES, Formats, negotiate, translations
from portal.adapters.session_store import Session, SessionStore
from portal.config import PortalSettings
from portal.context import context_of
from portal.entrypoints.web.errors import message_for

COOKIE = "coop_portal"
TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parent.parent.parent / "templates"))


class LoginRequired(Exception):
    pass


class CsrfRefused(Exception):
    pass


class PageNotFound(Exception):
    pass


class PageContext:
    def __init__(self, request: Request, session: Session, store: SessionStore, gateway: Gateway,
                 settings: PortalSettings, clock: Clock) -> None:
        self.request = request
        self.clock = clock  # the service's clock: today's date on forms is Brussels's, and tests can move it
        self.session = session
        self.store = store
        self.gateway = gateway
        self.settings = settings
        self.form: FormData | None = None
        self.unread: int | None = None

    # --- people and languages --------------------------------------------------------------------------------
    @property
    def language(self) -> str:
        if self.session.language in LANGUAGES:
            return self.session.language  # type: ignore[return-value]
        return negotiate(self.request.headers.get("accept-language"))

    def gettext(self, message: str) -> str:
        return translations(self.language).gettext(message)

    @property
    def client_ip(self) -> str | None:
        # The gateway in front puts the person's address last in X-Forwarded-For; direct callers are the person.
        forwarded = self.request.headers.get("x-forwarded-for")
        if forwarded:
            return forwarded.split(",")[-1].strip()
        return self.request.client.host if self.request.client else None

    # --- the API ------------------------------------------------------------------------------------------------
    async def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            return await self.gateway.request(method, path, self.session, client_ip=self.client_ip, **kwargs)
        except NotLoggedIn as exc:
            raise LoginRequired() from exc

    async def get_json(self, path: str, **kwargs: Any) -> Any:
        """A GET whose 404 (or 403: not yours) is the page's 404: ids of other people's objects show nothing."""
        response = await self.api("GET", path, **kwargs)
        if response.status_code in {403, 404, 422}:
            raise PageNotFound()
        response.raise_for_status()
        return response.json()

    async def items(self, path: str, **params: Any) -> list[dict[str, Any]]:
        response = await self.api("GET", path, params={"limit": 100, **params})
        if response.status_code != 200:
            return []
        found: list[dict[str, Any]] = response.json().get("items", [])
        return found

    def problem(self, response: httpx.Response) -> ApiProblem:
        return problem(response)

    def error_message(self, response: httpx.Response) -> str:
        """An API refusal said to the person, in their language (for a message at the top of the page)."""
        return message_for(problem(response), self.gettext, self.language)

    # --- forms -------------------------------------------------------------------------------------------------
    def value(self, name: str, default: str = "") -> str:
        if self.form is None:
            return default
        found = self.form.get(name)
        return found if isinstance(found, str) else default

    # --- answers -----------------------------------------------------------------------------------------------
    def render(self, template: str, status_code: int = 200, **values: Any) -> Response:
        flash, self.session.flash = self.session.flash, None
        response = TEMPLATES.TemplateResponse(self.request, template, {
            "_": self.gettext, "ngettext": translations(self.language).ngettext,
            "fmt": Formats(self.language), "lang": self.language, "languages": LANGUAGES,
            "session": self.session, "unread": self.unread, "csrf_token": self.session.csrf, "flash": flash,
            "form": self.form, "value": self.value, **values}, status_code=status_code)
        return response

    def redirect(self, url: str, flash: str | None = None) -> Response:
        if flash:
            self.session.flash = flash
        return RedirectResponse(url, status_code=303)

    async def finish(self, response: Response) -> Response:
        """Stores the session (sliding expiry) and gives the browser its id, never anything else."""
        await self.store.save(self.session)
        if self.session.is_new:
            response.set_cookie(COOKIE, self.session.sid, httponly=True, samesite="lax",
                                secure=self.settings.secure_cookies, path="/",
                                max_age=self.settings.session_idle_minutes * 60)
        return response


async def _context(request: Request) -> PageContext:
    app = context_of(request.app.state.runtime)
    store = app.sessions
    session = await store.load(request.cookies.get(COOKIE)) or store.new()
    context = PageContext(request, session, store, app.gateway, app.settings, request.app.state.runtime.clock)
    request.state.page = context
    return context


async def _member(context: Annotated[PageContext, Depends(_context)]) -> PageContext:
    if not context.session.logged_in:
        raise LoginRequired()
    # The unread count shown in the header of every page.
    response = await context.api("GET", "/api/v1/inbox/unread-count")
    if response.status_code == 200:
        context.unread = int(response.json()["unread"])
    return context


async def check_csrf(context: PageContext) -> None:
    form = await context.request.form()
    context.form = form
    sent = form.get("csrf_token") or context.request.headers.get("x-csrf-token") or ""
    if context.session.is_new or not isinstance(sent, str) or not hmac.compare_digest(sent, context.session.csrf):
        raise CsrfRefused()


async def _form(context: Annotated[PageContext, Depends(_context)]) -> PageContext:
    await check_csrf(context)
    return context


async def _member_form(context: Annotated[PageContext, Depends(_member)]) -> PageContext:
    await check_csrf(context)
    return context


Page = Annotated[PageContext, Depends(_context)]
MemberPage = Annotated[PageContext, Depends(_member)]
Form = Annotated[PageContext, Depends(_form)]
MemberForm = Annotated[PageContext, Depends(_member_form)]


def error_page(request: Request, status: int) -> Response:
    context: PageContext | None = getattr(request.state, "page", None)
    if context is None:
        return HTMLResponse("<!doctype html><title>Error</title><p>Error</p>", status_code=status)
    return context.render("error.html", status_code=status, status=status)
