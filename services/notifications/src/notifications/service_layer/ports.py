"""What the use cases need from the outside world (adapters implement these)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from notifications.adapters.rendering import RenderedMessage
from notifications.adapters.smtp import OutgoingEmail
from notifications.adapters.webhook_client import PostResult
from notifications.domain.addresses import IPAddress, WebhookTarget


class Renderer(Protocol):
    def render(self, name: str, requested_language: str | None,
               context: Mapping[str, Any]) -> RenderedMessage: ...


class EmailSender(Protocol):
    async def send(self, email: OutgoingEmail) -> None: ...


class WebhookPoster(Protocol):
    async def post(self, target: WebhookTarget, address: IPAddress, headers: dict[str, str],
                   body: bytes) -> PostResult: ...


class Resolver(Protocol):
    async def resolve(self, host: str, port: int) -> list[IPAddress]: ...
