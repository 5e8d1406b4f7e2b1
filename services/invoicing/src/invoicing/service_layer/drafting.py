"""What quotes and invoices share: the VAT regime chosen from the client, and
lines checked against the rates in force."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from coop_shared.persistence.mongo import Document
from invoicing.adapters.repositories import ClientCopy
from invoicing.domain.errors import DomainValidationError
from invoicing.domain.lines import LineInput, build_lines
from invoicing.domain.totals import InvoiceLine
from invoicing.domain.vat import SupplyType, VatRateTable, VatRegime, check_regime_for_client, decide_regime


def is_intra_cooperative(client_snapshot: Document) -> bool:
    return bool(client_snapshot.get("cooperative_activity_id"))


def regime_for(copy: ClientCopy, exemption_reference: str | None,
               supply_type: SupplyType = SupplyType.SERVICES) -> VatRegime:
    """Reverse charge for an EU business with a VAT number, outside the scope for
    services to a business outside the EU, export for goods leaving it, exempt
    when a legal reference is given, none between activities."""
    regime = decide_regime(copy.client, intra_cooperative=copy.intra_cooperative,
                           exemption_reference=exemption_reference, supply_type=supply_type)
    check_regime_for_client(regime, copy.client)
    return regime


SUPPLY_FIELDS = ("supply_date", "service_period", "supply_type")


def _day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def supply_fields(given: Document) -> Document:
    """The invoice's day (BT-72) or period (BT-73/74) of supply and its kind, as stored: checked, ISO dates."""
    supplied = _day(given.get("supply_date"))
    period = given.get("service_period")
    if supplied is not None and period:
        raise DomainValidationError("invoice.supply_date_and_period",
                                    "Give a day of supply or a service period, not both.", "service_period")
    stored: Document = {"supply_date": None if supplied is None else supplied.isoformat(), "service_period": None,
                        "supply_type": str(given.get("supply_type") or SupplyType.SERVICES.value)}
    if period:
        start, end = _day(period.get("start")), _day(period.get("end"))
        if start is None or end is None:
            raise DomainValidationError("invoice.service_period_incomplete", "A service period has a start and an end.",
                                        "service_period")
        if end < start:
            raise DomainValidationError("invoice.service_period_reversed", "The service period ends before it starts.",
                                        "service_period.end")
        stored["service_period"] = {"start": start.isoformat(), "end": end.isoformat()}
    SupplyType(stored["supply_type"])
    return stored


def document_supply_day(doc: Document) -> date | None:
    """The tax point of the whole invoice: its day of supply, or the end of its service period."""
    if doc.get("supply_date"):
        return _day(doc["supply_date"])
    period = doc.get("service_period")
    return _day(period["end"]) if period else None


def check_line_days(lines: Sequence[InvoiceLine], supply: Document) -> None:
    """A line's day of supply lies within the invoice's service period (PEPPOL-EN16931-R110/R111)."""
    period = supply.get("service_period")
    if not period:
        return
    start, end = _day(period["start"]), _day(period["end"])
    assert start is not None and end is not None
    for index, line in enumerate(lines):
        if line.supply_date is not None and not start <= line.supply_date <= end:
            raise DomainValidationError("line.supply_date_outside_period",
                                        "A line's day of supply must fall within the service period.",
                                        f"lines[{index}].supply_date")


def lines_for(items: Sequence[LineInput], regime: VatRegime, on: date,
              table: VatRateTable) -> tuple[InvoiceLine, ...]:
    """``on``: the document's day of supply (the issue date when none is given: today for a draft)."""
    return build_lines(items, regime, on, table)


def carried_lines(given: Sequence[LineInput] | None, current: Sequence[InvoiceLine], old: VatRegime,
                  new: VatRegime) -> Sequence[LineInput]:
    """Lines of an edit: those given, else the current ones, which only carry
    over while the VAT regime stays the same (a new client may need new rates)."""
    if given is not None:
        return given
    if new != old:
        raise DomainValidationError(
            "lines.required", f"The VAT regime becomes {new.treatment.value}: send the lines again.", "lines")
    # A line whose rate follows its kind of supply takes it again (the day of supply may have moved).
    return [LineInput(line.description, line.quantity, line.unit_code, line.unit_price,
                      None if line.rate_category is not None else line.vat_rate, line.supply_date,
                      line.rate_category)
            for line in current]
