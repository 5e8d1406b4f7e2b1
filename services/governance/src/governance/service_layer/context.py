"""What a use case needs: the runtime (database, outbox), settings, clock and repositories."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from coop_shared.messaging.envelope import Envelope, EventPayload
from coop_shared.service import Runtime
from governance.adapters.assemblies import AssemblyRepository
from governance.adapters.ballot_seal import BallotSeal
from governance.adapters.ballots import BallotRepository, ProxyRepository
from governance.adapters.read_model import ReadModel
from governance.adapters.recommendations import RecommendationRepository
from governance.config import GovernanceSettings
from governance.service_layer.clock import Clock


@dataclass
class Context:
    runtime: Runtime
    clock: Clock

    @property
    def settings(self) -> GovernanceSettings:
        settings = self.runtime.settings
        assert isinstance(settings, GovernanceSettings)
        return settings

    @property
    def db(self) -> AsyncDatabase[dict[str, Any]]:
        return self.runtime.db

    @property
    def mongo(self) -> AsyncMongoClient[dict[str, Any]]:
        return self.runtime.mongo

    @property
    def assemblies(self) -> AssemblyRepository:
        return AssemblyRepository(self.db)

    @property
    def ballots(self) -> BallotRepository:
        return BallotRepository(self.db, self.settings.ballot_counter_shards,
                                BallotSeal(self.settings.ballot_sealing_key.get_secret_value().encode()))

    @property
    def proxies(self) -> ProxyRepository:
        return ProxyRepository(self.db)

    @property
    def read_model(self) -> ReadModel:
        return ReadModel(self.db)

    @property
    def recommendations(self) -> RecommendationRepository:
        return RecommendationRepository(self.db)

    def event(self, payload: EventPayload, subject: str) -> Envelope:
        return self.runtime.event(payload, subject=subject)


async def bootstrap(runtime: Runtime) -> Context:
    """The composition root: one context for the routes, the consumer and the jobs."""
    return Context(runtime, runtime.clock)


def context_of(runtime: Runtime) -> Context:
    """The context the composition root built."""
    context = runtime.context
    if not isinstance(context, Context):
        raise RuntimeError("the governance context is not built yet (the app has not started)")
    return context
