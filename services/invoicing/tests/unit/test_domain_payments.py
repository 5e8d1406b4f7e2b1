"""Payments: finding the structured communication, what an invoice takes,
and the parts of every payment adding up to the invoice, to the cent."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from invoicing.domain.clients import Address, CompanyClient
from invoicing.domain.errors import DomainConflictError, DomainValidationError
from invoicing.domain.invoice import Invoice, InvoiceNumber, InvoiceStatus
from invoicing.domain.money import ZERO
from invoicing.domain.payments import (
    Allocation,
    LineOutcome,
    UnmatchedReason,
    allocate,
    find_reference,
    outcome_of,
    unpayable_reason,
)
from invoicing.domain.totals import InvoiceLine
from invoicing.domain.vat import VatCategoryCode, VatRegime, VatTreatment

D = Decimal
OGM = "202600000192"  # +++202/6000/00192+++
OTHER = "202600000293"
CLIENT = CompanyClient("Client SA", Address("Rue Haute 1", "Bruxelles", "BE", "1000"), vat_number="BE0123456749")
DAY = date(2026, 3, 10)


@pytest.mark.parametrize("text", [
    "+++202/6000/00192+++", "***202/6000/00192***", "202/6000/00192", "202600000192", "202 6000 00192",
    "Facture 2026-000001 +++202/6000/00192+++ merci", "communication: 202/6000/00192.",
    "ref 202600000192 paiement", "+++ 202 / 6000 / 00192 +++",
])
def test_the_reference_is_found_however_it_is_written(text: str) -> None:
    assert find_reference([], [text]).digits == OGM


def test_the_structured_reference_wins_over_free_text() -> None:
    assert find_reference(["+++202/6000/00192+++"], [f"old ref {OTHER}"]).digits == OGM
    # A structured reference with a bad checksum is no reference: the text is searched.
    assert find_reference(["+++202/6000/00193+++"], [OTHER]).digits == OTHER


@pytest.mark.parametrize(("texts", "reason"), [
    ([], UnmatchedReason.NO_REFERENCE),
    (["Facture 2026-000001"], UnmatchedReason.NO_REFERENCE),
    (["202/6000/00193"], UnmatchedReason.NO_REFERENCE),  # checksum fails
    (["BE71096123456769"], UnmatchedReason.NO_REFERENCE),  # digits of an IBAN are not a reference
    ([f"{OGM} and {OTHER}"], UnmatchedReason.AMBIGUOUS_REFERENCE),
    ([OGM, OTHER], UnmatchedReason.AMBIGUOUS_REFERENCE),
])
def test_no_guess_when_the_reference_is_missing_wrong_or_ambiguous(texts: list[str],
                                                                    reason: UnmatchedReason) -> None:
    found = find_reference([], texts)
    assert (found.digits, found.reason) == (None, reason)


def test_a_reference_split_over_two_text_lines_is_found() -> None:
    assert find_reference([], ["Paiement facture +++202/6000/", "00192+++"]).digits == OGM


def test_allocation_takes_at_most_the_outstanding_amount() -> None:
    assert allocate(D("50.00"), D("121.00")) == Allocation(D("50.00"), ZERO)
    assert allocate(D("121.00"), D("121.00")) == Allocation(D("121.00"), ZERO)
    assert allocate(D("150.00"), D("121.00")) == Allocation(D("121.00"), D("29.00"))
    assert allocate(D("10.00"), ZERO) == Allocation(ZERO, D("10.00"))
    with pytest.raises(DomainValidationError):
        allocate(D("0.00"), D("1.00"))
    with pytest.raises(DomainValidationError):
        allocate(D("0.001"), D("1.00"))


def test_outcomes_and_unpayable_reasons() -> None:
    assert outcome_of(Allocation(D("1.00"), ZERO), fully_paid=True) is LineOutcome.MATCHED
    assert outcome_of(Allocation(D("1.00"), ZERO), fully_paid=False) is LineOutcome.PARTIAL
    assert outcome_of(Allocation(D("1.00"), D("2.00")), fully_paid=True) is LineOutcome.OVERPAID
    assert outcome_of(Allocation(ZERO, D("2.00")), fully_paid=False) is LineOutcome.UNMATCHED
    assert unpayable_reason(InvoiceStatus.SENT) is None
    assert unpayable_reason(InvoiceStatus.PAID) is UnmatchedReason.INVOICE_ALREADY_PAID
    assert unpayable_reason(InvoiceStatus.WRITTEN_OFF) is UnmatchedReason.INVOICE_NOT_PAYABLE
    assert unpayable_reason(InvoiceStatus.CANCELLED) is UnmatchedReason.INVOICE_NOT_PAYABLE


def _invoice(lines: list[tuple[str, str, str]], rate: str = "6.5", intra: bool = False) -> Invoice:
    regime = VatRegime(VatTreatment.INTRA_COOPERATIVE) if intra else VatRegime(VatTreatment.NORMAL)
    items = [InvoiceLine("Work", D(q), "HUR", D(p), ZERO if intra else D(v),
                         VatCategoryCode.NOT_SUBJECT if intra else VatCategoryCode.STANDARD
                         if D(v) > 0 else VatCategoryCode.ZERO_RATED)
             for q, p, v in lines]
    invoice = Invoice(invoice_id="inv-1", activity_id="act-1", client=CLIENT, regime=regime, lines=items)
    invoice.issue(InvoiceNumber(2026, 1), DAY)
    invoice.contribution_rate = ZERO if intra else D(rate)
    return invoice


def test_a_121_euro_payment_carries_100_excl_vat_and_6_50_contribution() -> None:
    invoice = _invoice([("1", "100.00", "21")])
    split = invoice.record_payment(allocate(D("121.00"), invoice.outstanding).applied).applied
    assert split is not None
    assert (split.amount, split.excl_vat, split.vat, split.contribution, split.activity_share) == (
        D("121.00"), D("100.00"), D("21.00"), D("6.50"), D("93.50"))
    assert invoice.status is InvoiceStatus.PAID


def test_write_off_hands_over_the_unpaid_parts() -> None:
    invoice = _invoice([("1", "100.00", "21")])
    invoice.record_payment(D("60.50"))
    written = invoice.write_off()
    assert (written.outstanding_incl_vat, written.outstanding_excl_vat, written.outstanding_activity_share) == (
        D("60.50"), D("50.00"), D("46.75"))
    assert invoice.status is InvoiceStatus.WRITTEN_OFF and invoice.outstanding == ZERO
    assert not invoice.is_overdue(date(2099, 1, 1))
    with pytest.raises(DomainConflictError):
        invoice.write_off()
    with pytest.raises(DomainConflictError):
        invoice.record_payment(D("1.00"))


rates = st.sampled_from(["21", "12", "6", "0"])
line_items = st.lists(st.tuples(st.integers(1, 40).map(str),
                                st.integers(1, 500_000).map(lambda c: f"{c // 100}.{c % 100:02d}"), rates),
                      min_size=1, max_size=5)


@settings(database=None, deadline=None, max_examples=150)
@given(line_items, st.lists(st.integers(1, 10_000), min_size=1, max_size=8),
       st.sampled_from(["6.5", "5", "7.25", "0"]), st.booleans())
def test_parts_of_all_partial_payments_add_up_exactly_to_the_invoice(
        lines: list[tuple[str, str, str]], weights: list[int], rate: str, intra: bool) -> None:
    """Random invoices paid in random instalments (the last may overpay): each
    payment splits to the cent, and the parts of all of them are exactly the
    invoice's excl. VAT, VAT and contribution; an overpayment adds nothing."""
    invoice = _invoice(lines, rate, intra)
    totals = invoice.totals
    due = totals.amount_due
    received = excess = ZERO
    parts = {"excl": ZERO, "vat": ZERO, "contribution": ZERO, "share": ZERO}
    for weight in weights:
        amount = max(D("0.01"), (due * weight / 10_000).quantize(D("0.01")))
        allocation = allocate(amount, invoice.outstanding)
        received += amount
        excess += allocation.excess
        if allocation.applied == 0:
            continue
        split = invoice.record_payment(allocation.applied).applied
        assert split is not None
        assert split.excl_vat + split.vat == allocation.applied
        assert split.contribution + split.activity_share == split.excl_vat
        parts["excl"] += split.excl_vat
        parts["vat"] += split.vat
        parts["contribution"] += split.contribution
        parts["share"] += split.activity_share
    if invoice.outstanding > 0:  # the client settles the rest
        split = invoice.record_payment(invoice.outstanding).applied
        assert split is not None
        parts["excl"] += split.excl_vat
        parts["vat"] += split.vat
        parts["contribution"] += split.contribution
        parts["share"] += split.activity_share
        received += split.amount
    assert invoice.status is InvoiceStatus.PAID
    assert invoice.overpaid == ZERO  # the excess never sits on the invoice: it is kept apart
    assert received - excess == due
    assert parts["excl"] == totals.total_excl_vat
    assert parts["vat"] == totals.vat_total
    assert parts["contribution"] == invoice.contribution
    assert parts["share"] == totals.total_excl_vat - invoice.contribution
    if intra:
        assert parts["contribution"] == ZERO
