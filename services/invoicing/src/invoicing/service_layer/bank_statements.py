"""Importing camt.053 bank statements.

Each credit line is booked in its own transaction: the line (unique key: the
account and the bank's reference), the payment it makes or the unmatched
amount it leaves, the invoice's new state and the events. So an import that
stops half-way is simply run again: lines already booked count as
duplicates, the others are booked, and a statement imported twice changes
nothing the second time.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections import Counter
from dataclasses import dataclass

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from coop_shared.auth.principal import Principal
from coop_shared.errors import NotFound
from coop_shared.persistence.mongo import Document
from invoicing.adapters.camt053 import parse_camt053
from invoicing.adapters.repositories import StaleVersion
from invoicing.domain.errors import DomainConflictError, DomainValidationError
from invoicing.domain.ogm import format_ogm
from invoicing.domain.payments import (
    CURRENCY,
    BankCredit,
    BankStatement,
    LineOutcome,
    UnmatchedReason,
    find_reference,
    outcome_of,
    unpayable_reason,
)
from invoicing.service_layer.context import Context
from invoicing.service_layer.payments import PaymentService, is_duplicate

COUNTED = (*(o.value for o in LineOutcome), "skipped")
_STALE_RETRIES = 3
_HISTORY = 50  # imports remembered per statement


def statement_not_found() -> NotFound:
    return NotFound("bank_statement_not_found", "No such bank statement.", "statement_id")


# Credits a reversal can take back (a duplicate line booked nothing).
_REVERSIBLE = (LineOutcome.MATCHED, LineOutcome.PARTIAL, LineOutcome.OVERPAID, LineOutcome.UNMATCHED)


class _Duplicate(Exception):
    pass


@dataclass
class BankStatementService:
    ctx: Context
    payments: PaymentService

    async def import_file(self, principal: Principal, content: bytes) -> Document:
        """Parse, then book every credit line once; returns what became of them."""
        limit = self.ctx.settings.bank_statement_max_bytes
        statements = await asyncio.to_thread(parse_camt053, content, max_bytes=limit)
        accounts = self.ctx.settings.bank_accounts
        for index, statement in enumerate(statements, start=1):
            if statement.account_iban.upper() not in accounts:  # nothing is booked from someone else's account
                raise DomainValidationError(
                    "bank_statement.foreign_account",
                    f"Account {statement.account_iban} is not one of the cooperative's accounts.",
                    f"Stmt[{index}]/Acct/Id/IBAN")
        digest = hashlib.sha256(content).hexdigest()
        results = [await self._import(principal, statement, digest) for statement in statements]
        totals = Counter[str]()
        for result in results:
            totals.update(result["counts"])
        return {"statements": results, "counts": {name: totals[name] for name in COUNTED},
                "created": any(r["first_import"] for r in results)}

    async def _record(self, principal: Principal, statement: BankStatement, digest: str) -> tuple[Document, bool]:
        existing = await self.ctx.statements.by_identity(statement.account_iban, statement.statement_id)
        if existing is not None:
            return existing, False
        doc: Document = {
            "_id": str(uuid.uuid4()), "account_iban": statement.account_iban, "statement_id": statement.statement_id,
            "message_id": statement.message_id, "schema": statement.schema, "bank_created_at": statement.created_at,
            "electronic_sequence": statement.electronic_sequence,
            "from_date": None if statement.from_date is None else statement.from_date.isoformat(),
            "to_date": None if statement.to_date is None else statement.to_date.isoformat(),
            "credit_lines": len(statement.credits), "skipped": statement.skipped, "file_sha256": digest,
            "status": "importing", "lines": {}, "imports": [], "imported_by": principal.id,
            "created_at": self.ctx.clock.now(), "version": 1,
        }
        try:
            await self.ctx.statements.insert(doc)
        except DuplicateKeyError:  # a concurrent import of the same statement won the insert
            again = await self.ctx.statements.by_identity(statement.account_iban, statement.statement_id)
            if again is None:
                raise
            return again, False
        return doc, True

    async def _import(self, principal: Principal, statement: BankStatement, digest: str) -> Document:
        record, created = await self._record(principal, statement, digest)
        known = await self.ctx.bank_lines.existing_keys([c.key for c in statement.credits])
        counts = Counter[str]()
        for credit in statement.credits:
            if credit.key in known:  # already booked, by an earlier import or earlier in this file
                counts[LineOutcome.DUPLICATE.value] += 1
                continue
            known.add(credit.key)
            counts[(await self._book(record, statement, credit)).value] += 1
        counts["skipped"] = statement.skipped
        summary = {name: counts[name] for name in COUNTED}
        lines = await self.ctx.bank_lines.outcomes(record["_id"])
        entry = {"at": self.ctx.clock.now(), "by": principal.id, "counts": summary, "file_sha256": digest}
        await self.ctx.statements.record_import(record["_id"], lines, entry, keep=_HISTORY)
        return {"id": record["_id"], "statement_id": statement.statement_id, "account_iban": statement.account_iban,
                "first_import": created, "counts": summary}

    async def _book(self, record: Document, statement: BankStatement, credit: BankCredit) -> LineOutcome:
        line_id = str(uuid.uuid4())

        async def work(session: AsyncClientSession) -> LineOutcome:
            outcome, extra = await self._settle(session, record, statement, credit, line_id)
            line: Document = {
                "_id": line_id, "line_key": credit.key, "statement_ref": record["_id"],
                "statement_id": statement.statement_id, "account_iban": statement.account_iban,
                "position": credit.position, "amount": credit.amount, "currency": credit.currency,
                "booking_date": credit.booking_date.isoformat(),
                "value_date": None if credit.value_date is None else credit.value_date.isoformat(),
                "reference": credit.reference_text, "debtor_name": credit.debtor_name,
                "debtor_iban": credit.debtor_iban, "end_to_end_id": credit.end_to_end_id,
                "bank_reference": credit.bank_reference, "reversal": credit.reversal, "outcome": outcome.value,
                **extra,
                "created_at": self.ctx.clock.now(),
            }
            try:
                await self.ctx.bank_lines.insert(line, session)
            except DuplicateKeyError as exc:
                raise _Duplicate from exc
            return outcome

        for attempt in range(_STALE_RETRIES):
            try:
                result: LineOutcome = await self.ctx.runtime.commit(work)
                return result
            except _Duplicate:
                return LineOutcome.DUPLICATE
            except DuplicateKeyError as exc:  # surfaced at commit by a concurrent twin
                if is_duplicate(exc):
                    return LineOutcome.DUPLICATE
                raise
            except StaleVersion:
                if attempt == _STALE_RETRIES - 1:
                    raise
        raise RuntimeError("unreachable")

    async def _settle(self, session: AsyncClientSession, record: Document, statement: BankStatement,
                      credit: BankCredit, line_id: str) -> tuple[LineOutcome, Document]:
        """Apply the credit to its invoice, keeping what it cannot take."""
        origin: Document = {"source": "bank", "bank_line_id": line_id, "statement_ref": record["_id"],
                            "statement_id": statement.statement_id, "reference": credit.reference_text,
                            "debtor_name": credit.debtor_name, "debtor_iban": credit.debtor_iban}
        source_key = f"bank:{credit.key}"

        async def unmatched(reason: UnmatchedReason, invoice: Document | None = None,
                            ogm: str | None = None) -> tuple[LineOutcome, Document]:
            kept = await self.payments.keep_unmatched(
                session, source_key=source_key, amount=credit.amount, currency=credit.currency,
                received_on=credit.booking_date, reason=reason, origin=origin, invoice_doc=invoice, ogm=ogm)
            return LineOutcome.UNMATCHED, {"unmatched_id": kept["_id"], "reason": reason.value,
                                           "invoice_id": kept["invoice_id"]}

        if credit.reversal:
            return await self._reverse(session, statement, credit, line_id)
        if credit.review_reason is not None:
            return await unmatched(credit.review_reason)
        if credit.currency != CURRENCY:
            return await unmatched(UnmatchedReason.CURRENCY_NOT_EUR)
        found = find_reference(credit.structured_references, credit.remittance_texts)
        if found.digits is None:
            assert found.reason is not None
            return await unmatched(found.reason)
        ogm = format_ogm(found.digits)
        named = await self.ctx.invoices.with_communication(ogm, session)
        if named is None:
            return await unmatched(UnmatchedReason.UNKNOWN_REFERENCE, ogm=ogm)
        paid, invoice = named
        reason = unpayable_reason(paid.status)
        if reason is not None:
            return await unmatched(reason, invoice, ogm)
        applied = await self.payments.apply(session, paid, invoice, credit.amount, received_on=credit.booking_date,
                                            application_key=source_key, origin=origin)
        extra: Document = {"payment_id": applied.payment["_id"], "invoice_id": invoice["_id"]}
        if applied.allocation.excess > 0:
            kept = await self.payments.keep_unmatched(
                session, source_key=f"{source_key}:excess", amount=applied.allocation.excess,
                received_on=credit.booking_date, reason=UnmatchedReason.OVERPAYMENT, origin=origin,
                invoice_doc=invoice, ogm=ogm)
            extra["unmatched_id"] = kept["_id"]
        return outcome_of(applied.allocation, applied.fully_paid), extra

    async def _original(self, session: AsyncClientSession, statement: BankStatement,
                        credit: BankCredit) -> Document | None:
        """The one earlier credit a reversal takes back: same account and amount, named by its
        end-to-end id or, without one, by the invoice its structured communication names."""
        end_to_end_id: str | None = None
        invoice_id: str | None = None
        if credit.end_to_end_id and credit.end_to_end_id.upper() != "NOTPROVIDED":
            end_to_end_id = credit.end_to_end_id
        else:
            found = find_reference(credit.structured_references, credit.remittance_texts)
            if found.digits is None:
                return None
            invoice_id = await self.ctx.invoices.id_with_communication(format_ogm(found.digits), session)
            if invoice_id is None:
                return None
        candidates = await self.ctx.bank_lines.unreversed_credits(
            statement.account_iban, credit.amount, [o.value for o in _REVERSIBLE], end_to_end_id=end_to_end_id,
            invoice_id=invoice_id, session=session, limit=2)
        return candidates[0] if len(candidates) == 1 else None  # two candidates: an advisor decides

    async def _reverse(self, session: AsyncClientSession, statement: BankStatement, credit: BankCredit,
                       line_id: str) -> tuple[LineOutcome, Document]:
        """A reversal: reopen the invoice the credit paid, or cancel the amount it left unmatched."""
        original = await self._original(session, statement, credit)
        if original is None:
            return LineOutcome.REVERSAL_UNMATCHED, {"reason": "original_credit_not_found"}
        extra: Document = {"reversed_line_id": original["_id"], "invoice_id": original.get("invoice_id")}
        if original.get("unmatched_id") is not None:
            excess_back = await self.payments.reverse_unmatched(session, original["unmatched_id"], line_id=line_id)
            if not excess_back:  # already assigned or refunded: the money is gone, an advisor settles it
                return LineOutcome.REVERSAL_UNMATCHED, {**extra, "reason": "unmatched_amount_already_used"}
            extra["unmatched_id"] = original["unmatched_id"]
        if original.get("payment_id") is not None:
            try:
                await self.payments.reverse(session, original["payment_id"], reversed_on=credit.booking_date,
                                            line_id=line_id)
            except DomainConflictError as exc:  # credited or written off since: not reopened blindly
                return LineOutcome.REVERSAL_UNMATCHED, {**extra, "reason": exc.code}
            extra["payment_id"] = original["payment_id"]
        if not await self.ctx.bank_lines.mark_reversed(original["_id"], line_id, session):
            raise StaleVersion(original["_id"])
        return LineOutcome.REVERSED, extra

    # -- reading ------------------------------------------------------------------------------

    async def get(self, statement_ref: str) -> Document:
        doc = await self.ctx.statements.get(statement_ref)
        if doc is None:
            raise statement_not_found()
        return doc

    async def list_statements(self, limit: int, cursor: str | None) -> tuple[list[Document], str | None]:
        return await self.ctx.statements.page_of(limit, cursor)

    async def lines(self, statement_ref: str, limit: int, cursor: str | None) -> tuple[list[Document], str | None]:
        await self.get(statement_ref)
        return await self.ctx.bank_lines.of_statement(statement_ref, limit, cursor)
