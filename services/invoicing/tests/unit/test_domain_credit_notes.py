"""Full and partial credit notes: what they cancel of the unpaid amount, what they refund, to the cent."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from invoicing.domain.clients import Address, CompanyClient
from invoicing.domain.contribution import PaymentSplit
from invoicing.domain.errors import DomainConflictError, DomainValidationError
from invoicing.domain.invoice import CreditLine, Invoice, InvoiceNumber, InvoiceStatus
from invoicing.domain.totals import InvoiceLine, compute_totals
from invoicing.domain.vat import VatCategoryCode, VatRegime, VatTreatment

D = Decimal
DAY = date(2026, 3, 10)
CLIENT = CompanyClient("Client SA", Address("Rue Haute 1", "Bruxelles", "BE", "1000"), vat_number="BE0123456749")
_numbers = iter(range(1, 10_000))


def line(quantity: str, price: str, rate: str = "21") -> InvoiceLine:
    category = VatCategoryCode.ZERO_RATED if rate == "0" else VatCategoryCode.STANDARD
    return InvoiceLine("Work", D(quantity), "HUR", D(price), D(rate), category)


def issued(*lines: InvoiceLine) -> Invoice:
    invoice = Invoice(invoice_id="inv", activity_id="a", client=CLIENT, regime=VatRegime(VatTreatment.NORMAL),
                      lines=lines or (line("10", "100.00"),))
    invoice.issue(InvoiceNumber(2026, 1), DAY)
    return invoice


def note_number() -> InvoiceNumber:
    return InvoiceNumber(2026, next(_numbers), "CN-")


def test_a_full_credit_note_after_full_payment_refunds_exactly_what_the_payments_booked() -> None:
    invoice = issued()
    first, second = invoice.record_payment(D("400.00")).applied, invoice.record_payment(D("810.00")).applied
    assert first is not None and second is not None
    applied = invoice.apply_credit_note(invoice.create_credit_note(note_number(), DAY, "Annulé"))
    assert applied.full and invoice.status is InvoiceStatus.CANCELLED
    assert applied.unpaid_amount == 0 and applied.unpaid_vat == 0 and applied.unpaid_activity_share == 0
    booked = PaymentSplit(first.excl_vat + second.excl_vat, first.vat + second.vat,
                          first.contribution + second.contribution, first.activity_share + second.activity_share)
    assert applied.refund == booked == PaymentSplit(D("1000.00"), D("210.00"), D("65.00"), D("935.00"))


def test_after_a_partial_payment_only_the_paid_part_is_refunded() -> None:
    invoice = issued()
    paid = invoice.record_payment(D("300.00")).applied
    assert paid is not None
    applied = invoice.apply_credit_note(invoice.create_credit_note(note_number(), DAY, "Annulé"))
    assert applied.refund == paid  # the same cut: 247.93 + 52.07, contribution 16.12
    assert applied.unpaid_amount == D("910.00") and applied.unpaid_vat == D("210.00") - paid.vat
    assert applied.unpaid_activity_share == D("935.00") - paid.activity_share


def test_partial_credit_notes_cancel_the_unpaid_part_first_and_never_exceed_the_invoice() -> None:
    invoice = issued(line("10", "100.00"), line("4", "25.00", "6"))
    invoice.record_payment(D("1000.00"))
    small = invoice.apply_credit_note(invoice.create_credit_note(note_number(), DAY, "x",
                                                                 lines=[CreditLine(1, D("2"))]))
    assert small.refund is None and small.unpaid_amount == D("53.00") and not small.full
    assert invoice.outstanding == D("1210.00") + D("106.00") - D("1000.00") - D("53.00")
    with pytest.raises(DomainValidationError) as too_many:
        invoice.create_credit_note(note_number(), DAY, "x", lines=[CreditLine(1, D("3"))])
    assert too_many.value.code == "credit_note.quantity_exceeds_line"
    with pytest.raises(DomainValidationError) as several_rates:
        invoice.create_credit_note(note_number(), DAY, "x", amount_excl_vat=D("10.00"))
    assert several_rates.value.code == "credit_note.amount_needs_one_rate"
    with pytest.raises(DomainConflictError) as whole:
        invoice.create_credit_note(note_number(), DAY, "x")
    assert whole.value.code == "credit_note.partial_exists"
    big = invoice.apply_credit_note(invoice.create_credit_note(note_number(), DAY, "x",
                                                               lines=[CreditLine(0, D("5"))]))
    assert big.unpaid_amount == D("263.00") and big.refund is not None and big.refund.amount == D("342.00")
    assert invoice.status is InvoiceStatus.PAID and invoice.outstanding == 0
    rest = invoice.apply_credit_note(invoice.create_credit_note(
        note_number(), DAY, "x", lines=[CreditLine(0, D("5")), CreditLine(1, D("2"))]))
    assert rest.full and invoice.status is InvoiceStatus.CANCELLED
    assert invoice.refunded.amount == D("1000.00")  # everything received, and not a cent more
    with pytest.raises(DomainConflictError):
        invoice.create_credit_note(note_number(), DAY, "x", lines=[CreditLine(0, D("1"))])


def test_an_amount_credit_on_a_one_rate_invoice_and_the_rest_paid_adds_up() -> None:
    invoice = issued()
    note = invoice.create_credit_note(note_number(), DAY, "Geste", amount_excl_vat=D("100.00"))
    assert note.totals.total_incl_vat == D("121.00")
    applied = invoice.apply_credit_note(note)
    assert (applied.unpaid_vat, applied.unpaid_activity_share) == (D("21.00"), D("93.50"))
    last = invoice.record_payment(D("1089.00")).applied
    assert last == PaymentSplit(D("900.00"), D("189.00"), D("58.50"), D("841.50"))
    assert invoice.status is InvoiceStatus.PAID


def test_credit_notes_unit_by_unit_share_the_invoices_vat_to_the_cent_and_cancel_it() -> None:
    # 3 × 0.03 at 21 %: the invoice charges 0.02 VAT, each unit alone would round to 0.01.
    invoice = issued(line("3", "0.03"), line("7", "33.33", "6"))
    vats: list[Decimal] = []
    for index, units in ((0, 3), (1, 7)):
        for _ in range(units):
            note = invoice.create_credit_note(note_number(), DAY, "Non livré", lines=[CreditLine(index, D(1))])
            invoice.apply_credit_note(note)
            vats.append(note.totals.vat_total)
    assert vats[:3] == [D("0.01"), D("0.00"), D("0.01")]
    assert sum(vats, D(0)) == invoice.totals.vat_total == D("14.02")
    assert invoice.credited == invoice.totals.total_incl_vat and invoice.status is InvoiceStatus.CANCELLED
    assert invoice.credited_groups == {(VatCategoryCode.STANDARD, D(21)): (D("0.09"), D("0.02")),
                                       (VatCategoryCode.STANDARD, D(6)): (D("233.31"), D("14.00"))}


def test_a_credit_note_never_moves_vat_by_more_than_a_cent() -> None:
    with pytest.raises(DomainValidationError):
        compute_totals([line("1", "10.00")], vat_rounding={(VatCategoryCode.STANDARD, D(21)): D("0.02")})
