"""The two shapes of plain ASGI middleware the services use (no BaseHTTPMiddleware: no extra task and no
re-streamed body per request, which matters on the gateway's hot path)."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

RawHeaders = list[tuple[bytes, bytes]]


class HttpMiddleware:
    """Acts on HTTP requests only: lifespan and other scopes go straight through to ``app``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.handle(scope, receive, send)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError


class AnswerHeadersMiddleware(HttpMiddleware):
    """Rewrites the headers of every HTTP answer as it starts (``rewrite``); the body is untouched."""

    def rewrite(self, scope: Scope, headers: RawHeaders) -> RawHeaders:
        raise NotImplementedError

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_rewritten(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = self.rewrite(scope, list(message.get("headers", [])))
            await send(message)

        await self.app(scope, receive, send_rewritten)
