"""MongoDB access: one client per process, one database per service."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pymongo import AsyncMongoClient, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern

from coop_shared.persistence.codec import CODEC_OPTIONS

Document = dict[str, Any]
T = TypeVar("T")


def make_client(url: str, *, app_name: str, timeout_ms: int = 5000,
                socket_timeout_ms: int = 60_000) -> AsyncMongoClient[Document]:
    """``socket_timeout_ms`` bounds every wait for a reply: without it a reply that
    never comes (a server that lost the request) stalls its caller for ever;
    with it the connection is dropped and a retryable operation is retried."""
    return AsyncMongoClient(
        url,
        appname=app_name,
        serverSelectionTimeoutMS=timeout_ms,
        connectTimeoutMS=timeout_ms,
        socketTimeoutMS=socket_timeout_ms,
        tz_aware=True,
        retryWrites=True,
    )


def database(client: AsyncMongoClient[Document], name: str) -> AsyncDatabase[Document]:
    return client.get_database(name, codec_options=CODEC_OPTIONS,
                               write_concern=WriteConcern("majority"),
                               read_concern=ReadConcern("majority"))


@dataclass(frozen=True)
class IndexSpec:
    """An index a service needs, declared in code and created at start-up."""

    collection: str
    keys: Sequence[tuple[str, int]]
    name: str
    unique: bool = False
    options: dict[str, Any] = field(default_factory=dict)

    def model(self) -> IndexModel:
        return IndexModel(list(self.keys), name=self.name, unique=self.unique, **self.options)


async def ensure_indexes(db: AsyncDatabase[Document], specs: Sequence[IndexSpec]) -> None:
    by_collection: dict[str, list[IndexModel]] = {}
    for spec in specs:
        by_collection.setdefault(spec.collection, []).append(spec.model())
    for collection, models in by_collection.items():
        await db[collection].create_indexes(models)


async def in_transaction(client: AsyncMongoClient[Document],
                         work: Callable[[AsyncClientSession], Awaitable[T]]) -> T:
    """Run ``work`` in a transaction, retried by the driver on transient errors
    (write conflicts, elections) so callers see either all of it or none."""
    async with client.start_session() as session:
        return await session.with_transaction(
            work, read_concern=ReadConcern("snapshot"), write_concern=WriteConcern("majority")
        )
