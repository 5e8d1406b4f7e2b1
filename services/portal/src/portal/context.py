"""The portal's composition root: the settings, the one HTTP client to the
gateway's public API, and the session store, built once at start-up."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import timedelta
from http.cookiejar import CookieJar, DefaultCookiePolicy

import httpx
from cryptography.fernet import Fernet

from coop_shared.service import Runtime
from portal.adapters.gateway import Gateway
from portal.adapters.session_store import SessionStore
from portal.config import PortalSettings


@dataclass
class Context:
    settings: PortalSettings
    http: httpx.AsyncClient
    gateway: Gateway
    sessions: SessionStore


def fernet(settings: PortalSettings) -> Fernet:
    if settings.session_key:
        return Fernet(settings.session_key.encode())
    if settings.environment == "production":
        raise RuntimeError("SESSION_KEY must be set in production")
    # Development only: a fixed key so sessions survive a restart of `make run`.
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(b"coop-portal-development").digest()))


def build_context(runtime: Runtime, settings: PortalSettings) -> Context:
    http = httpx.AsyncClient(base_url=settings.gateway_url, timeout=settings.api_timeout_seconds,
                             follow_redirects=False,
                             limits=httpx.Limits(keepalive_expiry=settings.gateway_keepalive_seconds),
                             # Never keep cookies: one client serves every person.
                             cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])))
    sessions = SessionStore(runtime.db, fernet(settings), timedelta(minutes=settings.session_idle_minutes))
    return Context(settings=settings, http=http, gateway=Gateway(http), sessions=sessions)


def context_of(runtime: Runtime) -> Context:
    """The context the composition root built."""
    context = runtime.context
    if not isinstance(context, Context):
        raise RuntimeError("the portal context is not built yet (the app has not started)")
    return context
