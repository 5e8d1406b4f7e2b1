"""SEPA credit-transfer orders (pain.001.001.03): salaries, refunds, any
payment the cooperative sends from its own account.

Built with ``sepaxml``, which validates the XML against the ISO 20022 schema
it ships (``export(validate=True)``); IBANs and BICs are checked with
``stdnum`` first, so a bad account is reported by payment (its ``field``), not
as a schema error about the whole file.

The message id and creation time are inputs, not random/now: a bank refuses a
second file with the same message id, so exporting the same batch again (after
a crash, or a double click) cannot pay anyone twice.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any, Final

from sepaxml import SepaTransfer  # type: ignore[import-untyped,unused-ignore]
from sepaxml.validation import ValidationError as SepaValidationError  # type: ignore[import-untyped,unused-ignore]
from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban
from stdnum.exceptions import ValidationError as StdnumValidationError

from coop_shared.errors import DomainError

SCHEMA: Final = "pain.001.001.03"
CURRENCY: Final = "EUR"
# SEPA identifiers (message id, end-to-end id): 1-35 characters of the EPC
# basic Latin set, which every bank in the scheme must accept.
_SEPA_ID = re.compile(r"[A-Za-z0-9/\-?:().,'+ ]{1,35}")
MAX_AMOUNT: Final = Decimal("999999999.99")  # SEPA credit transfer limit per transaction
MAX_NAME: Final = 70
MAX_REMITTANCE: Final = 140
_CENT: Final = Decimal("0.01")


class PaymentFileError(DomainError):
    """A payment file cannot be made; ``code`` is one of ``invalid_payment_file``,
    ``invalid_amount``, ``invalid_iban``, ``invalid_bic``, ``invalid_value``."""


@dataclass(frozen=True, slots=True)
class Debtor:
    """The cooperative's account the payments leave from."""

    name: str
    iban: str
    bic: str


@dataclass(frozen=True, slots=True)
class CreditTransfer:
    end_to_end_id: str  # travels to the payee's bank statement; matches a return or reject to its payment
    creditor_name: str
    iban: str
    amount: Decimal
    remittance: str
    bic: str | None = None  # optional inside SEPA (IBAN-only since 2016)


class _Order(SepaTransfer):  # type: ignore[misc,unused-ignore]
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


def credit_transfer_order(
    debtor: Debtor,
    transfers: Sequence[CreditTransfer],
    execution_date: date,
    *,
    message_id: str,
    created_at: datetime,
    field: str = "payments",
) -> bytes:
    """The pain.001.001.03 XML of one batch, schema-validated. ``field`` names
    the list in errors (``payments[2].iban``)."""
    if not transfers:
        raise PaymentFileError("invalid_payment_file", "a payment file needs at least one payment", field)
    _check_sepa_id(message_id, "message_id")
    config: dict[str, Any] = {
        "name": _text(debtor.name, "debtor.name", MAX_NAME),
        "IBAN": _iban(debtor.iban, "debtor.iban"),
        "BIC": _bic(debtor.bic, "debtor.bic"),
        "batch": True,
        "currency": CURRENCY,
    }
    order = _Order(config, message_id, created_at)
    seen: set[str] = set()
    for index, transfer in enumerate(transfers):
        where = f"{field}[{index}]"
        _check_sepa_id(transfer.end_to_end_id, f"{where}.end_to_end_id")
        if transfer.end_to_end_id in seen:
            raise PaymentFileError("invalid_payment_file", f"end-to-end id {transfer.end_to_end_id} appears twice",
                                   f"{where}.end_to_end_id")
        seen.add(transfer.end_to_end_id)
        order.add_payment(_payment(transfer, where, execution_date))
    try:
        xml: bytes = order.export(validate=True)
    except SepaValidationError as error:
        raise PaymentFileError("invalid_payment_file", f"the payment file does not validate: {error}") from error
    return xml


def _payment(transfer: CreditTransfer, where: str, execution_date: date) -> dict[str, Any]:
    result: dict[str, Any] = {
        "name": _text(transfer.creditor_name, f"{where}.creditor_name", MAX_NAME),
        "IBAN": _iban(transfer.iban, f"{where}.iban"),
        "amount": int(_amount(transfer.amount, f"{where}.amount") * 100),  # sepaxml takes integer cents
        "execution_date": execution_date,
        "description": _text(transfer.remittance, f"{where}.remittance", MAX_REMITTANCE),
        "endtoend_id": transfer.end_to_end_id,
    }
    if transfer.bic is not None:
        result["BIC"] = _bic(transfer.bic, f"{where}.bic")
    return result


def _amount(value: object, field: str) -> Decimal:
    # Sub-cent amounts are refused, not rounded: rounding hides the bug that made them.
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        raise PaymentFileError("invalid_value", f"{field} is not a number", field) from None
    if not amount.is_finite():
        raise PaymentFileError("invalid_value", f"{field} must be a finite number", field)
    if amount != amount.quantize(_CENT, rounding=ROUND_DOWN):
        raise PaymentFileError("invalid_amount", f"{field} must be in whole cents, got {amount}", field)
    if amount <= 0:
        raise PaymentFileError("invalid_amount", f"{field} must be more than zero, got {amount}", field)
    if amount > MAX_AMOUNT:
        raise PaymentFileError("invalid_amount", f"{field} exceeds the SEPA limit", field)
    return amount.quantize(_CENT)


def _iban(value: str, field: str) -> str:
    # The ISO 13616 checks (country, length, mod 97), not stdnum's registry of
    # national bank codes: a payer's account read from the bank's own statement
    # is real even when the registry does not know its bank yet.
    try:
        return str(stdnum_iban.validate(value, check_country=False))
    except StdnumValidationError as error:
        raise PaymentFileError("invalid_iban", f"{field} is not a valid IBAN: {error}", field) from None


def _bic(value: str, field: str) -> str:
    try:
        return str(stdnum_bic.validate(value))
    except StdnumValidationError as error:
        raise PaymentFileError("invalid_bic", f"{field} is not a valid BIC: {error}", field) from None


def _text(value: str, field: str, max_length: int) -> str:
    text = " ".join(value.split())
    if not text:
        raise PaymentFileError("invalid_value", f"{field} must not be empty", field)
    if len(text) > max_length:
        raise PaymentFileError("invalid_value", f"{field} is longer than {max_length} characters", field)
    return text


def _check_sepa_id(value: str, field: str) -> None:
    if not _SEPA_ID.fullmatch(value) or value.startswith("/") or "//" in value:
        raise PaymentFileError(
            "invalid_value", f"{field} must be 1-35 SEPA characters, not starting with '/' nor containing '//'", field
        )
