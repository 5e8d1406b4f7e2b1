"""In-memory repositories for use-case unit tests: a dict per collection, the MongoDB repositories'
method names, signatures and outcomes (only the methods the tested use cases call).

Each fake subclasses its MongoDB repository without calling its ``__init__``: it holds no collection,
so a method it does not implement fails at once instead of reaching a database."""

from __future__ import annotations

import copy
from collections.abc import Iterable

from pymongo.asynchronous.client_session import AsyncClientSession

from coop_shared.persistence.mongo import Document
from governance.adapters.assemblies import AssemblyRepository, ConcurrentUpdate, changes_of
from governance.domain.assembly import Assembly
from governance.domain.lifecycle import AssemblyState


class FakeAssemblyRepository(AssemblyRepository):
    """The ``assemblies`` and ``electors`` collections as dicts keyed by ``_id``."""

    def __init__(self) -> None:  # no super().__init__: no database behind it
        self.assemblies: dict[str, Document] = {}
        self.electors: dict[str, Document] = {}

    async def add(self, doc: Document, session: AsyncClientSession | None = None) -> None:
        if doc["_id"] in self.assemblies:
            raise KeyError(f"duplicate assembly {doc['_id']}")
        self.assemblies[doc["_id"]] = copy.deepcopy(doc)

    async def get(self, assembly_id: str, session: AsyncClientSession | None = None) -> Document | None:
        doc = self.assemblies.get(assembly_id)
        return None if doc is None else copy.deepcopy(doc)

    async def save(self, assembly: Assembly, version: int, session: AsyncClientSession,
                   extra: Document | None = None, expected_state: AssemblyState | None = None) -> None:
        stored = self.assemblies.get(assembly.id)
        if (stored is None or stored["version"] != version
                or (expected_state is not None and stored["state"] != expected_state.value)):
            raise ConcurrentUpdate(assembly.id)
        stored.update(copy.deepcopy({**changes_of(assembly), **(extra or {})}))
        stored["version"] += 1

    async def freeze_electorate(self, assembly_id: str, members: Iterable[str],
                                session: AsyncClientSession) -> None:
        for m in members:
            key = f"{assembly_id}:{m}"
            if key in self.electors:
                raise KeyError(f"duplicate elector {key}")
            self.electors[key] = {"_id": key, "assembly_id": assembly_id, "member_id": m}

    async def electorate(self, assembly_id: str, session: AsyncClientSession | None = None) -> list[str]:
        return sorted(d["member_id"] for d in self.electors.values() if d["assembly_id"] == assembly_id)
