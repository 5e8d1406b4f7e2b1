"""Everything the use cases of one running service share, wired once from
the runtime (connections) and the settings (bootstrap)."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from coop_shared.clock import Clock, SystemClock
from coop_shared.contracts import Contract, by_type
from coop_shared.service import Runtime
from notifications.adapters.directory_repository import DirectoryRepository
from notifications.adapters.dns import DnsResolver
from notifications.adapters.document_files import DocumentFiles
from notifications.adapters.email_repository import EmailDeliveryRepository
from notifications.adapters.inbox_repository import InboxRepository
from notifications.adapters.preferences_repository import PreferencesRepository
from notifications.adapters.rendering import TemplateRenderer
from notifications.adapters.secret_box import SecretBox
from notifications.adapters.webhook_repository import EndpointRepository, WebhookDeliveryRepository
from notifications.config import NotificationsSettings
from notifications.domain.retry import RetryPolicy
from notifications.service_layer.ports import Renderer, Resolver

if TYPE_CHECKING:
    from notifications.service_layer.senders import Senders


@dataclass
class Context:
    settings: NotificationsSettings
    mongo: AsyncMongoClient[dict[str, Any]]
    db: AsyncDatabase[dict[str, Any]]
    renderer: Renderer
    resolver: Resolver
    secrets: SecretBox
    contracts: dict[str, Contract] = field(default_factory=by_type)
    # The running service (publishes the outcome of document sendings); None in unit tests.
    runtime: Runtime | None = None
    files: DocumentFiles | None = None
    # Set when a transaction committed work for a sender, so it starts now
    # rather than at its next poll.
    email_wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    webhook_wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    # Identifies this process as a lease owner of claimed deliveries.
    worker_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    # The e-mail and webhook senders while the service runs (``senders.py``).
    senders: Senders | None = None
    # What every use case reads the time from (the service's clock; tests move a FakeClock).
    clock: Clock = field(default_factory=SystemClock)
    # Given webhook repositories (unit tests give in-memory ones); None: the MongoDB ones on ``db``.
    endpoint_repository: EndpointRepository | None = None
    webhook_delivery_repository: WebhookDeliveryRepository | None = None

    @property
    def inbox(self) -> InboxRepository:
        return InboxRepository(self.db)

    @property
    def directory(self) -> DirectoryRepository:
        return DirectoryRepository(self.db)

    @property
    def preferences(self) -> PreferencesRepository:
        return PreferencesRepository(self.db)

    @property
    def emails(self) -> EmailDeliveryRepository:
        return EmailDeliveryRepository(self.db)

    @property
    def endpoints(self) -> EndpointRepository:
        if self.endpoint_repository is not None:
            return self.endpoint_repository
        return EndpointRepository(self.db)

    @property
    def webhook_deliveries(self) -> WebhookDeliveryRepository:
        if self.webhook_delivery_repository is not None:
            return self.webhook_delivery_repository
        return WebhookDeliveryRepository(self.db)

    @property
    def email_policy(self) -> RetryPolicy:
        s = self.settings
        return RetryPolicy(s.email_max_attempts, s.email_backoff_base_seconds, s.email_backoff_factor,
                           s.email_backoff_max_seconds, jitter=0.1)

    @property
    def webhook_policy(self) -> RetryPolicy:
        s = self.settings
        return RetryPolicy(s.webhook_max_attempts, s.webhook_backoff_base_seconds, s.webhook_backoff_factor,
                           s.webhook_backoff_max_seconds, jitter=0.1)


def build_context(runtime: Runtime) -> Context:
    """The composition root: the service's context, from its connections and settings."""
    settings = cast(NotificationsSettings, runtime.settings)
    return Context(settings=settings, mongo=runtime.mongo, db=runtime.db, renderer=TemplateRenderer(),
                   resolver=DnsResolver(), secrets=SecretBox(settings.webhook_key), runtime=runtime,
                   files=DocumentFiles(settings), clock=runtime.clock)


async def bootstrap(runtime: Runtime) -> Context:
    return build_context(runtime)


def context_of(runtime: Runtime) -> Context:
    """The context the composition root built (the consumer's handlers, the jobs and the routes share it)."""
    context = runtime.context
    if not isinstance(context, Context):
        raise RuntimeError("the notifications context is not built yet (the app has not started)")
    return context
