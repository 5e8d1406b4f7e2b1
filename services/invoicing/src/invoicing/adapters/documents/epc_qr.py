"""EPC / SEPA credit-transfer QR code (EPC069-12 version 002) printed on invoices.

A banking app scanning it pre-fills the transfer: beneficiary, IBAN, amount
and the structured communication, so the payment can be matched to the invoice.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import segno
from segno import helpers

from invoicing.adapters.documents.model import DocumentKind, InvoiceDocument

MAX_NAME_LENGTH = 70  # EPC069-12: beneficiary name, at most 70 characters
MIN_AMOUNT = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999.99")


@dataclass(frozen=True, slots=True, kw_only=True)
class EpcTransfer:
    """The fields of the QR code; `reference` is the 12-digit OGM."""

    name: str
    iban: str
    amount: Decimal
    reference: str
    bic: str | None = None
    purpose: str | None = None


def epc_transfer(doc: InvoiceDocument, *, amount: Decimal | None = None, purpose: str | None = None) -> EpcTransfer:
    """The transfer asked of the client: by default the invoice's amount due.

    `amount` overrides it (e.g. what is still outstanding on a reminder);
    `purpose` is an optional ISO 20022 purpose code such as "GDSV".
    """
    if doc.kind is not DocumentKind.INVOICE:
        raise ValueError("only an invoice asks the client for a payment")
    to_pay = doc.totals.payable if amount is None else amount
    if not MIN_AMOUNT <= to_pay <= MAX_AMOUNT:
        raise ValueError(f"an EPC QR code needs an amount between 0.01 and 999999999.99, got {to_pay}")
    return EpcTransfer(
        # The bank identifies the account by IBAN: a shortened name is harmless.
        name=doc.seller.name[:MAX_NAME_LENGTH].strip(),
        iban=doc.payee_account.iban,
        bic=doc.payee_account.bic,
        amount=to_pay,
        # Belgian banks read the OGM digits in the structured-reference field.
        reference=doc.ogm_digits,
        purpose=purpose,
    )


def make_epc_qr(transfer: EpcTransfer) -> segno.QRCode:
    """The QR code, error correction level M, character set 1 (UTF-8)."""
    return helpers.make_epc_qr(
        name=transfer.name,
        iban=transfer.iban,
        amount=transfer.amount,
        reference=transfer.reference,
        bic=transfer.bic,
        purpose=transfer.purpose,
        # Without it segno picks ISO 8859-1 (charset "2") when the text allows.
        encoding="utf-8",
    )
