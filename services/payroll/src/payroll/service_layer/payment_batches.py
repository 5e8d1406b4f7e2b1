"""Payment orders: due net salaries gathered in a batch, sent to the bank as one pain.001 file.

A payslip joins at most one batch (claimed with a conditional update in the
batch's own transaction). The file is rebuilt from the stored batch with
its stored message id and time, so downloading it twice gives the same
bytes, which the bank would refuse as a duplicate rather than pay twice.
Marking the batch paid books each transfer (salaries payable -> bank) and
announces each salary as paid.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from pymongo.asynchronous.client_session import AsyncClientSession
from stdnum import iban as stdnum_iban

from coop_shared.contracts.payroll import SalaryPaid
from coop_shared.errors import Conflict, InvalidValue, NotFound
from coop_shared.persistence.mongo import Document
from coop_shared.sepa import CreditTransfer, Debtor
from coop_shared.service import Runtime
from payroll.adapters.batches_repository import OPEN, BatchRepository
from payroll.adapters.directory_repository import DirectoryRepository
from payroll.adapters.ledger_repository import LedgerRepository, StaleState, transaction_document
from payroll.adapters.payment_files import salary_credit_transfer
from payroll.adapters.payslips_repository import PayslipRepository
from payroll.domain import ledger
from payroll.domain.money import ZERO
from payroll.service_layer.context import PayrollContext
from payroll.service_layer.retry import retrying


def _debtor(context: PayrollContext) -> Debtor:
    debtor = context.settings.debtor()
    if debtor is None:
        raise Conflict("payment_account_not_configured",
                       "The cooperative's paying account (PAYMENT_DEBTOR_IBAN, PAYMENT_DEBTOR_BIC) is not configured.")
    return debtor


def _payments(batch: Document) -> list[CreditTransfer]:
    return [CreditTransfer(p["end_to_end_id"], p["name"], p["iban"], p["amount"], p["remittance"])
            for p in batch["payments"]]


def pain001(context: PayrollContext, batch: Document) -> bytes:
    return salary_credit_transfer(_debtor(context), _payments(batch), date.fromisoformat(batch["execution_date"]),
                                  message_id=batch["message_id"], created_at=batch["created_at"])


async def create_batch(runtime: Runtime, context: PayrollContext, *, due_until: date,
                       execution_date: date, by: str) -> Document:
    """Gather the issued payslips due by ``due_until`` into a new batch (those lacking a usable IBAN are listed)."""
    if execution_date < context.today():
        raise InvalidValue("execution_date_in_past", "The bank cannot execute a transfer in the past.",
                       field="execution_date")
    debtor = _debtor(context)
    payslips = PayslipRepository(runtime.db)
    batches = BatchRepository(runtime.db)

    async def attempt() -> Document:
        candidates = await payslips.payable(due_until, context.settings.payment_batch_max_size)
        members = await DirectoryRepository(runtime.db).members(p["member_id"] for p in candidates)
        batch_id = uuid.uuid4().hex
        payments: list[Document] = []
        skipped: list[Document] = []
        for slip in candidates:
            member = members.get(slip["member_id"])
            reason = _unpayable(member.iban if member else None, member.full_name if member else "")
            if reason:
                skipped.append({"payslip_id": slip["_id"], "member_id": slip["member_id"], "reason": reason})
                continue
            assert member is not None and member.iban is not None  # a reason was given otherwise
            payments.append({
                "payslip_id": slip["_id"], "member_id": slip["member_id"], "activity_id": slip["activity_id"],
                "name": member.full_name[:70], "iban": stdnum_iban.compact(member.iban), "amount": slip["net"],
                "end_to_end_id": f"PS{uuid.UUID(slip['_id']).hex}",
                "remittance": f"Salary {slip['first_work_day']} to {slip['last_work_day']}",
                "due_date": slip["due_date"],
            })
        if not payments:
            raise InvalidValue("nothing_to_pay", "No issued payslip with a usable IBAN is due by that date.",
                           field="due_until", details=skipped[:100] or None)
        now = context.now()
        batch: Document = {
            "_id": batch_id, "message_id": f"SAL{batch_id[:32]}", "status": OPEN,
            "execution_date": execution_date.isoformat(), "due_until": due_until.isoformat(),
            "created_at": now.replace(microsecond=0), "created_by": by, "payments": payments,
            "count": len(payments), "control_sum": sum((p["amount"] for p in payments), ZERO),
            "skipped": skipped, "paid_on": None,
        }
        salary_credit_transfer(debtor, _payments(batch), execution_date, message_id=batch["message_id"],
                               created_at=batch["created_at"])  # a stored batch always makes a valid file

        async def work(session: AsyncClientSession) -> None:
            await batches.add(batch, session)
            claimed = await payslips.put_in_batch([p["payslip_id"] for p in payments], batch_id, now, session)
            if claimed != len(payments):
                raise StaleState(batch_id)  # another batch took some of them: start again

        await runtime.commit(work)
        return batch

    return await retrying(attempt)


def _unpayable(iban: str | None, name: str) -> str | None:
    if not name.strip():
        return "no name on record for the member"
    if not iban:
        return "no IBAN on record for the member"
    if not stdnum_iban.is_valid(iban):
        return "the IBAN on record is not valid"
    return None


async def mark_paid(runtime: Runtime, context: PayrollContext, batch_id: str, *, paid_on: date,
                    by: str) -> Document:
    """The bank executed the batch: book every transfer and announce every salary paid."""
    if paid_on > context.today():
        raise InvalidValue("paid_on_in_future", "A payment cannot be confirmed before it happens.", field="paid_on")
    batches = BatchRepository(runtime.db)
    ledger_repo = LedgerRepository(runtime.db, runtime.clock)
    payslips = PayslipRepository(runtime.db)

    async def work(session: AsyncClientSession) -> Document:
        batch = await batches.get(batch_id, session)
        if batch is None:
            raise NotFound("batch_not_found", "No such payment batch.")
        now = context.now()
        if not await batches.mark_paid(batch_id, paid_on, now, by, session):
            raise Conflict("batch_already_paid", "This batch is already marked as paid.")
        await payslips.mark_batch_paid(batch_id, paid_on, now, session)
        at = datetime.combine(paid_on, datetime.min.time(), tzinfo=now.tzinfo)
        await ledger_repo.add_documents([
            transaction_document(
                ledger.salary_paid(f"salary-paid:{p['payslip_id']}", p["amount"], at,
                                   f"Salary paid, batch {batch_id}"),
                p["activity_id"], now)
            for p in batch["payments"]
        ], session)
        await runtime.outbox.add([
            runtime.event(SalaryPaid(payslip_id=p["payslip_id"], member_id=p["member_id"],
                                     activity_id=p["activity_id"], net=Decimal(p["amount"]), paid_on=paid_on,
                                     payment_batch_id=batch_id), subject=p["member_id"])
            for p in batch["payments"]
        ], session=session)
        batch.update({"status": "paid", "paid_on": paid_on.isoformat(), "paid_at": now, "paid_by": by})
        return batch

    result: Document = await runtime.commit(work)
    return result
