"""HTTP conventions every service follows, in one ASGI middleware so no
endpoint has to remember them:

- **timestamps** in JSON answers always read ``2026-06-01T09:00:00.123Z``
  (UTC, milliseconds: what MongoDB keeps), so a POST answer and a later GET
  of the same resource agree;
- **ETag**: a strong validator on every JSON GET and write answer (a hash of
  the representation, so it changes with every version of the document);
  ``If-None-Match`` on GET answers 304;
- **If-Match** on PATCH, PUT and DELETE: the current representation is read
  (the same GET, with the caller's credentials) and a stale tag is refused with
  412 ``precondition_failed`` before the write runs. Writes to one resource
  are serialised within a process while checked; across replicas the check
  narrows, but does not close, the window (the services' own version checks
  still guard their invariants). Paths listed in ``IF_MATCH_REQUIRED`` refuse
  such writes without If-Match (428 ``precondition_required``);
- **Location** on 201 when the created resource's URL (``<path>/<id>``) is a
  route of the service.

Only answers of documented API routes (``/api/v1``) are touched: the
gateway's proxy passes upstream answers through unchanged.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import weakref
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from coop_shared.http.errors import error_response

API_PREFIX = "/api/v1/"
_CONDITIONAL_WRITES = {"PATCH", "PUT", "DELETE"}
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$")


def millisecond_timestamp(value: datetime) -> str:
    moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _normalise(node: Any) -> tuple[Any, bool]:
    if isinstance(node, str):
        if len(node) <= 40 and _TIMESTAMP.match(node):
            try:
                normal = millisecond_timestamp(datetime.fromisoformat(node))
            except ValueError:
                return node, False
            return normal, normal != node
        return node, False
    if isinstance(node, dict):
        changed = False
        out: dict[str, Any] = {}
        for key, value in node.items():
            out[key], touched = _normalise(value)
            changed = changed or touched
        return out, changed
    if isinstance(node, list):
        items = [_normalise(item) for item in node]
        return [item for item, _ in items], any(touched for _, touched in items)
    return node, False


def normalise_timestamps(body: bytes) -> bytes:
    """The JSON body with every timestamp in UTC milliseconds ``Z`` (unchanged bytes when none moves)."""
    try:
        document = json.loads(body)
    except ValueError:
        return body
    normal, changed = _normalise(document)
    if not changed:
        return body
    return json.dumps(normal, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _tags(header: str) -> list[str]:
    return [tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()]


def _is_api_route(scope: Scope) -> bool:
    route = scope.get("route")
    return route is not None and getattr(route, "include_in_schema", False) and scope["path"].startswith(API_PREFIX)


class HttpConventionsMiddleware:
    def __init__(self, app: ASGIApp, is_handled: Callable[[Scope], bool] = _is_api_route,
                 if_match_required: Sequence[str] = ()) -> None:
        self.app = app
        self.is_handled = is_handled
        self.if_match_required = tuple(if_match_required)
        # One lock per resource path while a conditional write is in flight (gone when unused).
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(API_PREFIX):
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        if_match = Headers(scope=scope).get("if-match")
        required = bool(self.if_match_required) and scope["path"].startswith(self.if_match_required)
        if method in _CONDITIONAL_WRITES and not if_match and required:
            response = error_response(428, "precondition_required",
                                      "This resource is changed only with If-Match: read it, then send its ETag.",
                                      field="If-Match")
            await response(scope, receive, send)
            return
        if method in _CONDITIONAL_WRITES and if_match:
            lock = self._locks.get(scope["path"])
            if lock is None:
                lock = self._locks[scope["path"]] = asyncio.Lock()
            async with lock:
                if await self._stale(scope, if_match):
                    await self._refuse(scope, receive, send)
                    return
                await self._respond(scope, receive, send)
            return
        await self._respond(scope, receive, send)

    async def _respond(self, scope: Scope, receive: Receive, send: Send) -> None:
        start: Message | None = None
        chunks: list[bytes] = []
        passthrough = False

        async def capture(message: Message) -> None:
            nonlocal start, passthrough
            if message["type"] == "http.response.start":
                content_type = Headers(raw=message.get("headers", [])).get("content-type", "")
                passthrough = not (content_type.startswith("application/json") and self.is_handled(scope)
                                   and message["status"] in (200, 201))
                if passthrough:
                    await send(message)
                else:
                    start = message
                return
            if passthrough or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            assert start is not None
            await self._finish(scope, start, b"".join(chunks), send)

        await self.app(scope, receive, capture)

    async def _finish(self, scope: Scope, start: Message, body: bytes, send: Send) -> None:
        body = normalise_timestamps(body)
        headers = MutableHeaders(scope=start)
        headers["content-length"] = str(len(body))
        tag = etag_of(body)
        headers["etag"] = tag
        if start["status"] == 201 and "location" not in headers:
            location = self._location(scope, body)
            if location is not None:
                headers["location"] = location
        if scope["method"] in ("GET", "HEAD"):
            if_none_match = Headers(scope=scope).get("if-none-match")
            if if_none_match and (tag in _tags(if_none_match) or if_none_match.strip() == "*"):
                del headers["content-length"]
                await send({"type": "http.response.start", "status": 304, "headers": headers.raw})
                await send({"type": "http.response.body", "body": b""})
                return
        await send(start)
        await send({"type": "http.response.body", "body": body})

    @staticmethod
    def _location(scope: Scope, body: bytes) -> str | None:
        try:
            created = json.loads(body)
        except ValueError:
            return None
        if not isinstance(created, dict) or not isinstance(created.get("id"), str):
            return None
        candidate: str = scope["path"].rstrip("/") + "/" + created["id"]
        app = scope.get("app")
        router = getattr(app, "router", None)
        probe = {**scope, "method": "GET", "path": candidate}
        routes: list[Any] = list(getattr(router, "routes", []))
        if any(route.matches(probe)[0] is Match.FULL for route in routes):
            return candidate
        return None

    async def _stale(self, scope: Scope, if_match: str) -> bool:
        """Whether the resource's current tag is none of those the client sent."""
        status, body = await self._current(scope)
        if status != 200:
            return False  # no representation to compare: the write answers for itself (404, 403...)
        if if_match.strip() == "*":
            return False
        return etag_of(normalise_timestamps(body)) not in _tags(if_match)

    async def _current(self, scope: Scope) -> tuple[int, bytes]:
        headers = [(k, v) for k, v in scope["headers"]
                   if k not in (b"content-length", b"content-type", b"if-match", b"idempotency-key",
                                b"transfer-encoding")]
        probe: Scope = {**scope, "method": "GET", "headers": headers, "query_string": b""}
        status = 500
        chunks: list[bytes] = []

        async def empty() -> Message:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def collect(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(probe, empty, collect)
        return status, b"".join(chunks)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send) -> None:
        response = error_response(412, "precondition_failed",
                                  "The resource changed since you read it (If-Match): read it again, then retry.",
                                  field="If-Match")
        await response(scope, receive, send)
