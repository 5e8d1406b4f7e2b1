"""SEPA credit-transfer orders (pain.001.001.03) paying refunds back to clients.

Built with ``sepaxml`` and validated against the ISO 20022 schema it ships.
The message id and creation time are inputs (the stored batch's), so the same
batch downloaded twice is the same file, and a bank refuses it the second
time rather than paying twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final

from sepaxml import SepaTransfer  # type: ignore[import-untyped,unused-ignore]

SCHEMA: Final = "pain.001.001.03"


@dataclass(frozen=True, slots=True)
class RefundTransfer:
    end_to_end_id: str
    creditor_name: str
    iban: str
    amount: Decimal
    remittance: str


class _Transfer(SepaTransfer):  # type: ignore[misc,unused-ignore]
    """``SepaTransfer`` with a fixed message id and creation time (sepaxml draws them at random/now)."""

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
        for node in self._xml.iter("PmtInfId"):
            node.text = self._fixed_message_id


def refund_credit_transfer(debtor_name: str, debtor_iban: str, debtor_bic: str,
                           transfers: Sequence[RefundTransfer], execution_date: date, *, message_id: str,
                           created_at: datetime) -> bytes:
    """The pain.001 of one batch of refunds (the caller checked the IBANs), schema-validated."""
    config: dict[str, Any] = {"name": debtor_name[:70], "IBAN": debtor_iban, "BIC": debtor_bic, "batch": True,
                              "currency": "EUR"}
    order = _Transfer(config, message_id, created_at)
    for transfer in transfers:
        order.add_payment({
            "name": " ".join(transfer.creditor_name.split())[:70], "IBAN": transfer.iban,
            "amount": int(transfer.amount * 100), "execution_date": execution_date,
            "description": transfer.remittance[:140], "endtoend_id": transfer.end_to_end_id,
        })
    xml: bytes = order.export(validate=True)
    return xml
