"""In-memory repositories for use-case unit tests: a dict per collection, the methods the use cases call.

Each fake subclasses the MongoDB repository without calling its ``__init__``
(it holds no collection): a method a use case calls and the fake lacks
reaches the real one, which finds no collection attribute and fails at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from coop_shared.persistence.mongo import Document
from payroll.adapters.contracts_repository import CONTRACT_DAYS, ContractRepository, day_key
from payroll.adapters.directory_repository import DirectoryRepository
from payroll.adapters.ledger_repository import LedgerRepository, StaleState
from payroll.domain.access import ActivityView, MemberView
from payroll.domain.ledger import Transaction
from payroll.domain.position import ActivityPosition, Receivable


class FakeContractRepository(ContractRepository):
    def __init__(self) -> None:
        self.contracts: dict[str, Document] = {}
        self.days: dict[str, str] = {}  # day key -> contract id (the unique ``_id`` of ``contract_days``)

    async def add(self, contract: Document, session: AsyncClientSession) -> None:
        keys = [day_key(contract["member_id"], date.fromisoformat(d)) for d in contract["work_dates"]]
        taken = [key for key in keys if key in self.days]
        if taken:
            raise DuplicateKeyError(f"E11000 duplicate key error collection: {CONTRACT_DAYS} dup key: {taken[0]}")
        contract_id: str = contract["_id"]
        self.days.update(dict.fromkeys(keys, contract_id))
        self.contracts[contract["_id"]] = contract

    async def taken_days(self, member_id: str, days: Sequence[date]) -> list[str]:
        return sorted(d.isoformat() for d in days if day_key(member_id, d) in self.days)


class FakeDirectoryRepository(DirectoryRepository):
    def __init__(self) -> None:
        self.known_members: dict[str, MemberView] = {}
        self.known_activities: dict[str, ActivityView] = {}

    async def member(self, member_id: str, session: AsyncClientSession | None = None) -> MemberView | None:
        return self.known_members.get(member_id)

    async def activity(self, activity_id: str, session: AsyncClientSession | None = None) -> ActivityView | None:
        return self.known_activities.get(activity_id)


class FakeLedgerRepository(LedgerRepository):
    def __init__(self) -> None:
        self.positions: dict[str, ActivityPosition] = {}
        self.receivables: dict[str, Receivable] = {}
        self.transactions: dict[str, tuple[str | None, Transaction]] = {}  # source key -> (activity, transaction)

    async def position(self, activity_id: str, session: AsyncClientSession | None = None) -> ActivityPosition:
        return self.positions.get(activity_id) or ActivityPosition(activity_id)

    async def save_position(self, before: ActivityPosition, after: ActivityPosition,
                            session: AsyncClientSession, *, occurred_at: datetime) -> None:
        stored = self.positions.get(after.activity_id)
        if (stored.sequence if stored else 0) != before.sequence:
            raise StaleState(after.activity_id)
        self.positions[after.activity_id] = replace(after)

    async def save_receivable(self, receivable: Receivable, session: AsyncClientSession) -> None:
        self.receivables[receivable.invoice_id] = receivable

    async def add(self, transactions: Sequence[Transaction], activity_id: str | None,
                  session: AsyncClientSession) -> None:
        for transaction in transactions:
            if transaction.source_key in self.transactions:
                raise DuplicateKeyError(f"E11000 duplicate key error dup key: {transaction.source_key}")
        for transaction in transactions:
            self.transactions[transaction.source_key] = (activity_id, transaction)
