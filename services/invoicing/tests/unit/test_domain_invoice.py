"""Invoice lifecycle, numbering, payments and credit notes."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from invoicing.domain.clients import Address, CompanyClient
from invoicing.domain.contribution import DEFAULT_CONTRIBUTION_SCHEDULE, ContributionRate, PaymentSplit
from invoicing.domain.errors import DomainConflictError, DomainValidationError
from invoicing.domain.invoice import (
    ALLOWED_TRANSITIONS,
    CREDIT_NOTE_TYPE_CODE,
    DEFAULT_PAYMENT_TERM_DAYS,
    INVOICE_TYPE_CODE,
    CreditNote,
    Invoice,
    InvoiceNumber,
    InvoiceStatus,
    can_transition,
    format_invoice_number,
    parse_invoice_number,
)
from invoicing.domain.quote import Quote
from invoicing.domain.totals import InvoiceLine
from invoicing.domain.vat import RateCategory, VatCategoryCode, VatRegime, VatTreatment

D = Decimal
St = InvoiceStatus
ISSUE_DAY = date(2026, 3, 10)
CLIENT = CompanyClient("Client SA", Address("Rue Haute 1", "Bruxelles", "BE", "1000"), vat_number="BE0123456749")
FR_CLIENT = CompanyClient("Client SARL", Address("Rue 1", "Paris", "FR", "75001"), vat_number="FR40303265045")
NORMAL = VatRegime(VatTreatment.NORMAL)


def work(hours: str = "10", rate: str = "100") -> InvoiceLine:
    return InvoiceLine("Design work", D(hours), "HUR", D(rate), D(21), VatCategoryCode.STANDARD)


def draft(**kwargs: object) -> Invoice:
    params: dict[str, object] = {
        "invoice_id": "inv-1",
        "activity_id": "act-1",
        "client": CLIENT,
        "regime": NORMAL,
        "lines": [work()],
    }
    params.update(kwargs)
    return Invoice(**params)  # type: ignore[arg-type]


def issued(**kwargs: object) -> Invoice:
    invoice = draft(**kwargs)
    invoice.issue(InvoiceNumber(2026, 123), ISSUE_DAY)
    return invoice


def conflict(fn: object, *args: object, **kwargs: object) -> DomainConflictError:
    with pytest.raises(DomainConflictError) as info:
        fn(*args, **kwargs)  # type: ignore[operator]
    return info.value


# -- numbering -----------------------------------------------------------------


def test_invoice_number_format_and_parse() -> None:
    assert format_invoice_number(2026, 123) == "2026-000123"
    assert format_invoice_number(2026, 999_999) == "2026-999999"
    assert parse_invoice_number("2026-000123") == InvoiceNumber(2026, 123)
    assert parse_invoice_number(" 2026-000123 ") == InvoiceNumber(2026, 123)
    assert str(InvoiceNumber(2026, 1)) == "2026-000001"
    assert InvoiceNumber(2026, 2) > InvoiceNumber(2026, 1)
    assert InvoiceNumber(2027, 1) > InvoiceNumber(2026, 999_999)


@pytest.mark.parametrize(
    "text", ["2026-123", "26-000123", "2026-0001234", "2026/000123", "2026-000000", "2026-00012a", "", "x"]
)
def test_invalid_invoice_numbers(text: str) -> None:
    with pytest.raises(DomainValidationError) as info:
        parse_invoice_number(text)
    assert info.value.code in {"invoice_number.invalid", "field.required"}
    assert info.value.field == "number"


@pytest.mark.parametrize(("year", "seq"), [(999, 1), (10_000, 1), (2026, 0), (2026, 1_000_000), (2026, -1)])
def test_number_range(year: int, seq: int) -> None:
    with pytest.raises(DomainValidationError):
        format_invoice_number(year, seq)


@settings(database=None, deadline=None, max_examples=100)
@given(st.integers(min_value=1000, max_value=9999), st.integers(min_value=1, max_value=999_999))
def test_number_round_trip(year: int, seq: int) -> None:
    text = format_invoice_number(year, seq)
    assert len(text) == 11
    assert parse_invoice_number(text) == InvoiceNumber(year, seq)


# -- transitions ---------------------------------------------------------------

EXPECTED_TRANSITIONS = {
    St.DRAFT: {St.IN_REVIEW, St.ISSUED},
    St.IN_REVIEW: {St.DRAFT, St.ISSUED, St.CANCELLED},
    St.ISSUED: {St.SENT, St.PARTIALLY_PAID, St.PAID, St.CANCELLED, St.WRITTEN_OFF},
    St.SENT: {St.PARTIALLY_PAID, St.PAID, St.CANCELLED, St.WRITTEN_OFF},
    St.PARTIALLY_PAID: {St.PAID, St.CANCELLED, St.WRITTEN_OFF},
    St.PAID: {St.CANCELLED},
    St.CANCELLED: set(),
    St.WRITTEN_OFF: set(),
}


def test_transition_table() -> None:
    assert {k: set(v) for k, v in ALLOWED_TRANSITIONS.items()} == EXPECTED_TRANSITIONS
    for source, target in itertools.product(St, St):
        assert can_transition(source, target) is (target in EXPECTED_TRANSITIONS[source])
    assert not any(can_transition(s, St.DRAFT) for s in St if s is not St.IN_REVIEW)  # issued never goes back
    with pytest.raises(TypeError):
        ALLOWED_TRANSITIONS[St.DRAFT] = frozenset()  # type: ignore[index]


def test_happy_path_with_review() -> None:
    invoice = draft(review_required=True)
    seen = [invoice.status]
    invoice.submit_for_review()
    seen.append(invoice.status)
    invoice.issue(InvoiceNumber(2026, 123), ISSUE_DAY)
    seen.append(invoice.status)
    invoice.mark_sent(ISSUE_DAY)
    seen.append(invoice.status)
    invoice.record_payment(D("210.00"))
    seen.append(invoice.status)
    invoice.record_payment(D("1000.00"))
    seen.append(invoice.status)
    assert seen == [St.DRAFT, St.IN_REVIEW, St.ISSUED, St.SENT, St.PARTIALLY_PAID, St.PAID]
    assert invoice.sent_on == ISSUE_DAY
    assert invoice.outstanding == 0


def test_review_is_optional_unless_required() -> None:
    invoice = draft()
    invoice.issue(InvoiceNumber(2026, 1), ISSUE_DAY)
    assert invoice.status is St.ISSUED
    required = draft(review_required=True)
    err = conflict(required.issue, InvoiceNumber(2026, 2), ISSUE_DAY)
    assert err.code == "invoice.review_required"
    assert required.number is None and required.status is St.DRAFT


def test_advisor_can_send_back_to_draft() -> None:
    invoice = draft()
    invoice.submit_for_review()
    assert conflict(invoice.add_line, work()).code == "invoice.not_editable"
    invoice.request_changes()
    assert invoice.status is St.DRAFT
    invoice.add_line(work("1"))
    assert len(invoice.lines) == 2
    assert conflict(invoice.request_changes).code == "invoice.invalid_transition"


def test_advisor_rejects_an_invoice_in_review_before_it_has_a_number() -> None:
    invoice = draft()
    assert conflict(invoice.reject).code == "invoice.invalid_transition"  # a draft is the member's own
    invoice.submit_for_review()
    invoice.reject()
    assert (invoice.status, invoice.number, invoice.can_be_deleted) == (St.CANCELLED, None, False)
    assert conflict(invoice.issue, InvoiceNumber(2026, 3), ISSUE_DAY).code == "invoice.invalid_transition"
    assert conflict(invoice.add_line, work()).code == "invoice.not_editable"


@pytest.mark.parametrize(
    ("setup", "action"),
    [
        ("draft", lambda i: i.mark_sent(ISSUE_DAY)),
        ("issued", lambda i: i.submit_for_review()),
        ("issued", lambda i: i.issue(InvoiceNumber(2026, 9), ISSUE_DAY)),
        ("sent", lambda i: i.mark_sent(ISSUE_DAY)),
        ("paid", lambda i: i.mark_sent(ISSUE_DAY)),
    ],
)
def test_forbidden_transitions_raise(setup: str, action: object) -> None:
    invoice = draft() if setup == "draft" else issued()
    if setup == "sent":
        invoice.mark_sent(ISSUE_DAY)
    if setup == "paid":
        invoice.record_payment(invoice.totals.amount_due)
    before = invoice.status
    err = conflict(action, invoice)
    assert (err.code, err.field) == ("invoice.invalid_transition", "status")
    assert invoice.status is before


def test_empty_draft_cannot_be_reviewed_or_issued() -> None:
    invoice = draft(lines=[])
    with pytest.raises(DomainValidationError) as info:
        invoice.submit_for_review()
    assert info.value.code == "invoice.no_lines"
    with pytest.raises(DomainValidationError):
        invoice.issue(InvoiceNumber(2026, 1), ISSUE_DAY)
    assert invoice.status is St.DRAFT and invoice.number is None


# -- issue ---------------------------------------------------------------------


def test_issue_assigns_number_communication_and_due_date() -> None:
    invoice = issued()
    assert invoice.number == InvoiceNumber(2026, 123)
    assert invoice.issue_date == ISSUE_DAY
    assert invoice.structured_communication == "+++202/6000/12320+++"
    assert DEFAULT_PAYMENT_TERM_DAYS == 30
    assert invoice.due_date == ISSUE_DAY + timedelta(days=30)
    assert invoice.contribution_rate == D("6.5")
    assert invoice.contribution == D("65.00")
    assert INVOICE_TYPE_CODE == "380"


def test_due_date_is_configurable() -> None:
    a = draft()
    a.issue(InvoiceNumber(2026, 1), ISSUE_DAY, payment_term_days=15)
    assert a.due_date == date(2026, 3, 25)
    b = draft()
    b.issue(InvoiceNumber(2026, 2), ISSUE_DAY, due_date=date(2026, 4, 30))
    assert b.due_date == date(2026, 4, 30)
    c = draft()
    with pytest.raises(DomainValidationError) as info:
        c.issue(InvoiceNumber(2026, 3), ISSUE_DAY, due_date=date(2026, 3, 9))
    assert info.value.code == "invoice.due_before_issue"
    with pytest.raises(DomainValidationError) as info:
        c.issue(InvoiceNumber(2026, 3), ISSUE_DAY, payment_term_days=-1)
    assert info.value.code == "invoice.payment_term_negative"
    assert c.status is St.DRAFT


def test_number_must_belong_to_the_issue_year() -> None:
    invoice = draft()
    with pytest.raises(DomainValidationError) as info:
        invoice.issue(InvoiceNumber(2025, 1), ISSUE_DAY)
    assert (info.value.code, info.value.field) == ("invoice.number_year_mismatch", "number")
    assert invoice.number is None


def test_issue_freezes_the_contribution_rate_of_its_day() -> None:
    schedule = DEFAULT_CONTRIBUTION_SCHEDULE.with_rate(ContributionRate(D(7), date(2027, 1, 1)))
    old = draft()
    old.issue(InvoiceNumber(2026, 1), date(2026, 12, 31), contribution_schedule=schedule)
    new = draft()
    new.issue(InvoiceNumber(2027, 1), date(2027, 1, 1), contribution_schedule=schedule)
    assert (old.contribution_rate, new.contribution_rate) == (D("6.5"), D(7))


def test_intra_cooperative_invoice_has_no_vat_and_no_contribution() -> None:
    regime = VatRegime(VatTreatment.INTRA_COOPERATIVE)
    line = InvoiceLine.with_vat("Shared studio", D(1), "MON", D(300), regime.line_vat(RateCategory.STANDARD, ISSUE_DAY))
    invoice = draft(regime=regime, lines=[line])
    invoice.issue(InvoiceNumber(2026, 5), ISSUE_DAY)
    assert invoice.totals.vat_total == 0
    assert invoice.contribution_rate == 0
    assert invoice.contribution == 0
    outcome = invoice.record_payment(D("300.00"))
    assert outcome.applied == PaymentSplit(D("300.00"), D("0.00"), D("0.00"), D("300.00"))


def test_lines_must_match_the_vat_treatment() -> None:
    reverse = VatRegime(VatTreatment.REVERSE_CHARGE)
    with pytest.raises(DomainValidationError) as info:
        draft(client=FR_CLIENT, regime=reverse, lines=[work()])
    assert info.value.code == "line.vat_category_not_allowed"
    ok = draft(client=FR_CLIENT, regime=reverse, lines=[InvoiceLine("x", D(1), "C62", D(10), D(0), "AE")])  # type: ignore[arg-type]
    assert ok.regime.mention == "Autoliquidation"
    with pytest.raises(DomainValidationError) as info:
        draft(regime=reverse, lines=[])  # Belgian client: no reverse charge
    assert info.value.code == "vat.reverse_charge_not_applicable"


# -- immutability once issued --------------------------------------------------


@pytest.mark.parametrize(
    "edit",
    [
        lambda i: i.add_line(work("1")),
        lambda i: i.remove_line(0),
        lambda i: i.replace_lines([work("1")]),
        lambda i: i.set_prepaid(D("10.00")),
        lambda i: i.set_buyer_reference("PO-1"),
    ],
)
@pytest.mark.parametrize("stage", ["issued", "sent", "partially_paid", "paid", "cancelled"])
def test_issued_invoice_can_never_change(edit: object, stage: str) -> None:
    invoice = issued()
    if stage == "sent":
        invoice.mark_sent(ISSUE_DAY)
    elif stage == "partially_paid":
        invoice.record_payment(D("1.00"))
    elif stage == "paid":
        invoice.record_payment(invoice.totals.amount_due)
    elif stage == "cancelled":
        invoice.cancel(invoice.create_credit_note(InvoiceNumber(2026, 200), ISSUE_DAY, "Error"))
    before = (invoice.lines, invoice.prepaid, invoice.buyer_reference, invoice.totals)
    err = conflict(edit, invoice)
    assert err.code == "invoice.not_editable"
    assert (invoice.lines, invoice.prepaid, invoice.buyer_reference, invoice.totals) == before


def test_lines_are_exposed_read_only() -> None:
    invoice = issued()
    assert isinstance(invoice.lines, tuple)
    assert not invoice.can_be_deleted
    assert draft().can_be_deleted


def test_draft_editing() -> None:
    invoice = draft(lines=[])
    invoice.add_line(work("1"))
    invoice.add_line(work("2"))
    invoice.remove_line(0)
    assert [line.quantity for line in invoice.lines] == [D(2)]
    with pytest.raises(DomainValidationError) as info:
        invoice.remove_line(5)
    assert info.value.code == "line.not_found"
    invoice.set_buyer_reference("  PO-42 ")
    assert invoice.buyer_reference == "PO-42"
    invoice.set_buyer_reference("")
    assert invoice.buyer_reference is None
    invoice.set_prepaid(D("10"))
    assert invoice.totals.amount_due == D("232.00")


# -- overdue -------------------------------------------------------------------


def test_overdue_after_the_due_date_while_unpaid() -> None:
    invoice = issued()
    due = invoice.due_date
    assert due is not None
    assert not invoice.is_overdue(due)
    assert invoice.is_overdue(due + timedelta(days=1))
    invoice.record_payment(D("100.00"))
    assert invoice.is_overdue(due + timedelta(days=1))  # partially paid is still overdue
    invoice.record_payment(invoice.outstanding)
    assert not invoice.is_overdue(due + timedelta(days=1))


def test_drafts_and_cancelled_invoices_are_never_overdue() -> None:
    assert not draft().is_overdue(date(2099, 1, 1))
    invoice = issued()
    invoice.cancel(invoice.create_credit_note(InvoiceNumber(2026, 124), ISSUE_DAY, "Duplicate"))
    assert not invoice.is_overdue(date(2099, 1, 1))


# -- payments ------------------------------------------------------------------


def test_payments_and_overpayment_are_kept() -> None:
    invoice = issued()  # 1000 + 210 VAT
    first = invoice.record_payment(D("605.00"))
    assert first.applied == PaymentSplit(D("500.00"), D("105.00"), D("32.50"), D("467.50"))
    assert first.overpayment == 0
    assert invoice.outstanding == D("605.00")
    second = invoice.record_payment(D("700.00"))
    assert second.applied == PaymentSplit(D("500.00"), D("105.00"), D("32.50"), D("467.50"))
    assert second.overpayment == D("95.00")
    assert invoice.status is St.PAID
    third = invoice.record_payment(D("5.00"))
    assert third.applied is None and third.overpayment == D("5.00")
    assert invoice.overpaid == D("100.00")
    assert invoice.amount_paid == D("1210.00")


def test_payment_before_sending_is_accepted() -> None:
    invoice = issued()
    invoice.record_payment(D("1210.00"))
    assert invoice.status is St.PAID


def test_prepaid_invoice_is_settled_by_the_rest() -> None:
    invoice = draft(prepaid=D("210.00"))
    invoice.issue(InvoiceNumber(2026, 7), ISSUE_DAY)
    assert invoice.outstanding == D("1000.00")
    outcome = invoice.record_payment(D("1000.00"))
    assert invoice.status is St.PAID
    assert outcome.applied is not None
    assert outcome.applied.excl_vat + outcome.applied.vat == D("1000.00")


def test_payments_refused_on_drafts_and_cancelled_invoices() -> None:
    assert conflict(draft().record_payment, D("10.00")).code == "invoice.not_payable"
    invoice = issued()
    invoice.cancel(invoice.create_credit_note(InvoiceNumber(2026, 124), ISSUE_DAY, "Error"))
    assert conflict(invoice.record_payment, D("10.00")).code == "invoice.not_payable"
    with pytest.raises(DomainValidationError) as info:
        issued().record_payment(D("0"))
    assert info.value.code == "payment.amount_not_positive"
    with pytest.raises(TypeError):
        issued().record_payment(10.0)  # type: ignore[arg-type]


@settings(database=None, deadline=None, max_examples=60)
@given(st.lists(st.integers(min_value=1, max_value=50_000), min_size=1, max_size=8))
def test_any_payment_sequence_settles_exactly(payments_in_cents: list[int]) -> None:
    invoice = issued()
    splits = []
    for cents in payments_in_cents:
        outcome = invoice.record_payment(D(cents) / 100)
        if outcome.applied is not None:
            splits.append(outcome.applied)
    received = sum((D(c) / 100 for c in payments_in_cents), D(0))
    assert invoice.amount_paid + invoice.overpaid == received
    assert invoice.amount_paid + invoice.outstanding == invoice.totals.amount_due
    assert invoice.status is (St.PAID if received >= D("1210.00") else St.PARTIALLY_PAID)
    if invoice.status is St.PAID:
        assert sum(s.excl_vat for s in splits) == D("1000.00")
        assert sum(s.vat for s in splits) == D("210.00")
        assert sum(s.contribution for s in splits) == invoice.contribution == D("65.00")


# -- credit notes ----------------------------------------------------------------


def test_credit_note_references_and_cancels_the_invoice() -> None:
    invoice = issued()
    note = invoice.create_credit_note(InvoiceNumber(2026, 130), date(2026, 3, 20), "Wrong client")
    assert note.type_code == CREDIT_NOTE_TYPE_CODE == "381"
    assert note.invoice_number == InvoiceNumber(2026, 123)
    assert note.invoice_issue_date == ISSUE_DAY
    assert note.lines == invoice.lines
    assert note.totals == invoice.totals
    assert (invoice.status, invoice.credit_note_number) == (St.ISSUED, None)  # the note alone changes nothing
    invoice.cancel(note)
    assert invoice.status is St.CANCELLED
    assert invoice.credit_note_number == InvoiceNumber(2026, 130)
    assert invoice.outstanding == 0
    assert conflict(invoice.cancel, note).code == "invoice.invalid_transition"
    assert conflict(invoice.create_credit_note, InvoiceNumber(2026, 131), ISSUE_DAY, "x").code == (
        "invoice.already_cancelled"
    )


def test_paid_invoice_can_be_credited() -> None:
    invoice = issued()
    invoice.record_payment(D("1210.00"))
    invoice.cancel(invoice.create_credit_note(InvoiceNumber(2026, 130), ISSUE_DAY, "Refund"))
    assert invoice.status is St.CANCELLED


def test_cancel_only_through_a_matching_full_credit_note() -> None:
    invoice = issued()
    other = draft(invoice_id="inv-2")
    other.issue(InvoiceNumber(2026, 124), ISSUE_DAY)
    foreign = other.create_credit_note(InvoiceNumber(2026, 125), ISSUE_DAY, "x")
    with pytest.raises(DomainValidationError) as info:
        invoice.cancel(foreign)
    assert info.value.code == "credit_note.wrong_invoice"
    partial = CreditNote(
        number=InvoiceNumber(2026, 126),
        invoice_number=InvoiceNumber(2026, 123),
        invoice_issue_date=ISSUE_DAY,
        issue_date=ISSUE_DAY,
        client=CLIENT,
        regime=NORMAL,
        lines=(work("1"),),
        reason="Discount",
    )
    with pytest.raises(DomainValidationError) as info:
        invoice.cancel(partial)
    assert info.value.code == "credit_note.partial"
    with pytest.raises(TypeError):
        invoice.cancel("2026-000126")  # type: ignore[arg-type]
    assert invoice.status is St.ISSUED


def test_credit_note_rules() -> None:
    assert conflict(draft().create_credit_note, InvoiceNumber(2026, 1), ISSUE_DAY, "x").code == "invoice.not_issued"
    invoice = issued()
    with pytest.raises(DomainValidationError) as info:
        invoice.create_credit_note(InvoiceNumber(2026, 130), date(2026, 3, 9), "x")
    assert info.value.code == "credit_note.before_invoice"
    with pytest.raises(DomainValidationError) as info:
        invoice.create_credit_note(InvoiceNumber(2026, 123), ISSUE_DAY, "x")
    assert info.value.code == "credit_note.number_reused"
    with pytest.raises(DomainValidationError) as info:
        invoice.create_credit_note(InvoiceNumber(2026, 130), ISSUE_DAY, " ")
    assert (info.value.code, info.value.field) == ("field.required", "reason")


# -- from a quote ----------------------------------------------------------------


def accepted_quote() -> Quote:
    quote = Quote(
        quote_id="q-1",
        activity_id="act-1",
        client=CLIENT,
        regime=NORMAL,
        valid_until=date(2026, 4, 30),
        lines=[work()],
    )
    quote.send(date(2026, 4, 1))
    quote.accept(date(2026, 4, 2))
    return quote


def test_invoice_from_accepted_quote() -> None:
    quote = accepted_quote()
    invoice = Invoice.from_quote(quote, "inv-9")
    assert invoice.status is St.DRAFT
    assert invoice.quote_id == "q-1"
    assert (invoice.client, invoice.regime, invoice.lines, invoice.activity_id) == (
        quote.client,
        quote.regime,
        quote.lines,
        quote.activity_id,
    )
    quote.mark_invoiced(invoice.id)
    assert conflict(Invoice.from_quote, quote, "inv-10").code == "quote.already_invoiced"


def test_invoice_not_from_an_unaccepted_quote() -> None:
    quote = Quote(
        quote_id="q-2", activity_id="a", client=CLIENT, regime=NORMAL, valid_until=date(2026, 4, 30), lines=[work()]
    )
    assert conflict(Invoice.from_quote, quote, "inv-11").code == "quote.not_accepted"
