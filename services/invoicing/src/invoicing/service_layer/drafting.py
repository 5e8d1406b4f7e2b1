"""What quotes and invoices share: the VAT regime chosen from the client, and
lines checked against the rates in force."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from invoicing.adapters.mappers import client_from_doc
from invoicing.domain.errors import DomainValidationError
from invoicing.domain.lines import LineInput, build_lines
from invoicing.domain.totals import InvoiceLine
from invoicing.domain.vat import VatRegime, check_regime_for_client, decide_regime

Document = dict[str, Any]


def is_intra_cooperative(client_snapshot: Document) -> bool:
    return bool(client_snapshot.get("cooperative_activity_id"))


def regime_for(client_snapshot: Document, exemption_reference: str | None) -> VatRegime:
    """Reverse charge for an EU business with a VAT number, export outside the
    EU, exempt when a legal reference is given, none between activities."""
    client = client_from_doc(client_snapshot)
    regime = decide_regime(client, intra_cooperative=is_intra_cooperative(client_snapshot),
                           exemption_reference=exemption_reference)
    check_regime_for_client(regime, client)
    return regime


def lines_for(items: Sequence[LineInput], regime: VatRegime, on: date) -> tuple[InvoiceLine, ...]:
    return build_lines(items, regime, on)


def carried_lines(given: Sequence[LineInput] | None, current: Sequence[InvoiceLine], old: VatRegime,
                  new: VatRegime) -> Sequence[LineInput]:
    """Lines of an edit: those given, else the current ones, which only carry
    over while the VAT regime stays the same (a new client may need new rates)."""
    if given is not None:
        return given
    if new != old:
        raise DomainValidationError(
            "lines.required", f"The VAT regime becomes {new.treatment.value}: send the lines again.", "lines")
    return [LineInput(line.description, line.quantity, line.unit_code, line.unit_price, line.vat_rate)
            for line in current]
