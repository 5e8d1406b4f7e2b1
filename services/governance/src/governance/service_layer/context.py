"""What a use case needs: the runtime (database, outbox), settings, clock and repositories."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from coop_shared.clock import Clock
from coop_shared.messaging.envelope import Envelope, EventPayload
from coop_shared.service import Runtime
from governance.adapters.assemblies import AssemblyRepository
from governance.adapters.ballot_seal import BallotSeal
from governance.adapters.ballots import BallotRepository, ProxyRepository
from governance.adapters.read_model import ReadModel
from governance.adapters.recommendations import RecommendationRepository
from governance.config import GovernanceSettings


@dataclass
class Context:
    """Built once by ``bootstrap`` over the runtime's database; a unit test replaces a repository with
    its in-memory fake (``dataclasses.replace``)."""

    runtime: Runtime
    clock: Clock
    assemblies: AssemblyRepository
    ballots: BallotRepository
    proxies: ProxyRepository
    read_model: ReadModel
    recommendations: RecommendationRepository

    @property
    def settings(self) -> GovernanceSettings:
        return _settings(self.runtime)

    @property
    def db(self) -> AsyncDatabase[dict[str, Any]]:
        return self.runtime.db

    @property
    def mongo(self) -> AsyncMongoClient[dict[str, Any]]:
        return self.runtime.mongo

    def event(self, payload: EventPayload, subject: str) -> Envelope:
        return self.runtime.event(payload, subject=subject)


def _settings(runtime: Runtime) -> GovernanceSettings:
    settings = runtime.settings
    assert isinstance(settings, GovernanceSettings)
    return settings


async def bootstrap(runtime: Runtime) -> Context:
    """The composition root: one context for the routes, the consumer and the jobs, its repositories
    over ``runtime.db``."""
    settings, db = _settings(runtime), runtime.db
    return Context(
        runtime, runtime.clock,
        assemblies=AssemblyRepository(db),
        ballots=BallotRepository(db, settings.ballot_counter_shards,
                                 BallotSeal(settings.ballot_sealing_key.get_secret_value().encode())),
        proxies=ProxyRepository(db),
        read_model=ReadModel(db),
        recommendations=RecommendationRepository(db),
    )


def context_of(runtime: Runtime) -> Context:
    """The context the composition root built."""
    context = runtime.context
    if not isinstance(context, Context):
        raise RuntimeError("the governance context is not built yet (the app has not started)")
    return context
