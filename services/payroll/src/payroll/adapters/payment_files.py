"""SEPA credit-transfer payment orders (pain.001.001.03) for salary batches.

Built with ``sepaxml`` (which also validates the XML against the ISO 20022
schema it ships: ``export(validate=True)``); IBANs and BICs are checked with
``stdnum`` first so a bad account is reported by payment, not as a schema
error about the whole file.

The message id and creation time are inputs, not random/now: a bank refuses a
second file with the same message id, so re-exporting the same salary batch
(after a crash, or a double click) cannot pay the salaries twice.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final

from sepaxml import SepaTransfer  # type: ignore[import-untyped,unused-ignore]
from sepaxml.validation import ValidationError as SepaValidationError  # type: ignore[import-untyped,unused-ignore]
from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban
from stdnum.exceptions import ValidationError as StdnumValidationError

from payroll.domain.errors import DomainError, ErrorCode
from payroll.domain.money import money

SCHEMA: Final = "pain.001.001.03"
CURRENCY: Final = "EUR"
# SEPA identifiers (message id, end-to-end id): 1-35 characters of the EPC
# basic Latin set, which every bank in the scheme must accept.
_SEPA_ID = re.compile(r"[A-Za-z0-9/\-?:().,'+ ]{1,35}")
_MAX_AMOUNT: Final = Decimal("999999999.99")  # SEPA credit transfer limit per transaction
_MAX_REMITTANCE: Final = 140


@dataclass(frozen=True, slots=True)
class Debtor:
    """The cooperative's account the salaries are paid from."""

    name: str
    iban: str
    bic: str


@dataclass(frozen=True, slots=True)
class SalaryPayment:
    end_to_end_id: str  # travels to the worker's bank statement; lets us match the return/reject
    creditor_name: str
    iban: str
    amount: Decimal
    remittance: str
    bic: str | None = None  # optional inside SEPA (IBAN-only since 2016)


class _SalaryTransfer(SepaTransfer):  # type: ignore[misc,unused-ignore]
    """``SepaTransfer`` with a caller-chosen message id and creation time (sepaxml draws them at random/now)."""

    def __init__(self, config: dict[str, Any], message_id: str, created_at: datetime) -> None:
        self._fixed_message_id = message_id
        self._created_at = created_at
        super().__init__(config, schema=SCHEMA, clean=True)

    def _create_header(self) -> None:
        self.msg_id = self._fixed_message_id
        super()._create_header()
        self._xml.find("CstmrCdtTrfInitn/GrpHdr/CreDtTm").text = self._created_at.strftime("%Y-%m-%dT%H:%M:%S")

    def _finalize_batch(self) -> None:
        super()._finalize_batch()
        # One execution date gives one payment-information block; its id is
        # only unique within the message, so the message id is a safe choice.
        for node in self._xml.iter("PmtInfId"):
            node.text = self._fixed_message_id


def salary_credit_transfer(
    debtor: Debtor,
    payments: Sequence[SalaryPayment],
    execution_date: date,
    *,
    message_id: str,
    created_at: datetime,
) -> bytes:
    """The pain.001.001.03 XML for one batch of salary payments, schema-validated."""
    if not payments:
        raise DomainError(ErrorCode.INVALID_PAYMENT_FILE, "a payment file needs at least one payment", "payments")
    _check_sepa_id(message_id, "message_id")
    config: dict[str, Any] = {
        "name": _text(debtor.name, "debtor.name", 70),
        "IBAN": _iban(debtor.iban, "debtor.iban"),
        "BIC": _bic(debtor.bic, "debtor.bic"),
        "batch": True,
        "currency": CURRENCY,
    }
    transfer = _SalaryTransfer(config, message_id, created_at)
    seen: set[str] = set()
    for index, payment in enumerate(payments):
        where = f"payments[{index}]"
        _check_sepa_id(payment.end_to_end_id, f"{where}.end_to_end_id")
        if payment.end_to_end_id in seen:
            raise DomainError(
                ErrorCode.INVALID_PAYMENT_FILE,
                f"end-to-end id {payment.end_to_end_id} appears twice",
                f"{where}.end_to_end_id",
            )
        seen.add(payment.end_to_end_id)
        transfer.add_payment(_payment_dict(payment, where, execution_date))
    try:
        xml: bytes = transfer.export(validate=True)
    except SepaValidationError as error:
        raise DomainError(ErrorCode.INVALID_PAYMENT_FILE, f"the payment file does not validate: {error}") from error
    return xml


def _payment_dict(payment: SalaryPayment, where: str, execution_date: date) -> dict[str, Any]:
    amount = money(payment.amount, f"{where}.amount", allow_zero=False)
    if amount > _MAX_AMOUNT:
        raise DomainError(ErrorCode.INVALID_AMOUNT, f"{where}.amount exceeds the SEPA limit", f"{where}.amount")
    result: dict[str, Any] = {
        "name": _text(payment.creditor_name, f"{where}.creditor_name", 70),
        "IBAN": _iban(payment.iban, f"{where}.iban"),
        "amount": int(amount * 100),  # sepaxml takes integer cents
        "execution_date": execution_date,
        "description": _text(payment.remittance, f"{where}.remittance", _MAX_REMITTANCE),
        "endtoend_id": payment.end_to_end_id,
    }
    if payment.bic is not None:
        result["BIC"] = _bic(payment.bic, f"{where}.bic")
    return result


def _iban(value: str, field: str) -> str:
    try:
        return str(stdnum_iban.validate(value))
    except StdnumValidationError as error:
        raise DomainError(ErrorCode.INVALID_IBAN, f"{field} is not a valid IBAN: {error}", field) from None


def _bic(value: str, field: str) -> str:
    try:
        return str(stdnum_bic.validate(value))
    except StdnumValidationError as error:
        raise DomainError(ErrorCode.INVALID_BIC, f"{field} is not a valid BIC: {error}", field) from None


def _text(value: str, field: str, max_length: int) -> str:
    text = " ".join(value.split())
    if not text:
        raise DomainError(ErrorCode.INVALID_VALUE, f"{field} must not be empty", field)
    if len(text) > max_length:
        raise DomainError(ErrorCode.INVALID_VALUE, f"{field} is longer than {max_length} characters", field)
    return text


def _check_sepa_id(value: str, field: str) -> None:
    if not _SEPA_ID.fullmatch(value) or value.startswith("/") or "//" in value:
        raise DomainError(
            ErrorCode.INVALID_VALUE,
            f"{field} must be 1-35 SEPA characters, not starting with '/' nor containing '//'",
            field,
        )
