"""Quote lifecycle: draft → sent → accepted / changes requested / rejected / expired."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

import pytest

from invoicing.domain.clients import Address, PrivateClient
from invoicing.domain.errors import DomainConflictError, DomainValidationError
from invoicing.domain.quote import QUOTE_TRANSITIONS, Quote, QuoteStatus
from invoicing.domain.totals import InvoiceLine
from invoicing.domain.vat import VatCategoryCode, VatRegime, VatTreatment

Q = QuoteStatus
D = Decimal
SENT_ON = date(2026, 4, 1)
VALID_UNTIL = date(2026, 4, 30)
CLIENT = PrivateClient("Marie Dupont", Address("Rue 1", "Namur", "BE", "5000"))


def work(hours: str = "8") -> InvoiceLine:
    return InvoiceLine("Workshop", D(hours), "HUR", D(50), D(21), VatCategoryCode.STANDARD)


def new_quote(**kwargs: object) -> Quote:
    params: dict[str, object] = {
        "quote_id": "q-1",
        "activity_id": "act-1",
        "client": CLIENT,
        "regime": VatRegime(VatTreatment.NORMAL),
        "valid_until": VALID_UNTIL,
        "lines": [work()],
    }
    params.update(kwargs)
    return Quote(**params)  # type: ignore[arg-type]


def sent_quote() -> Quote:
    quote = new_quote()
    quote.send(SENT_ON)
    return quote


def conflict(fn: object, *args: object) -> DomainConflictError:
    with pytest.raises(DomainConflictError) as info:
        fn(*args)  # type: ignore[operator]
    return info.value


def test_transition_table() -> None:
    expected = {
        Q.DRAFT: {Q.SENT},
        Q.SENT: {Q.ACCEPTED, Q.CHANGES_REQUESTED, Q.REJECTED, Q.EXPIRED},
        Q.CHANGES_REQUESTED: {Q.DRAFT},
        Q.ACCEPTED: set(),
        Q.REJECTED: set(),
        Q.EXPIRED: set(),
    }
    assert {k: set(v) for k, v in QUOTE_TRANSITIONS.items()} == expected
    for source, target in itertools.product(Q, Q):
        assert (target in QUOTE_TRANSITIONS[source]) is (target in expected[source])


def test_draft_is_editable_and_has_totals() -> None:
    quote = new_quote(lines=[])
    quote.add_line(work("2"))
    quote.add_line(work("3"))
    quote.remove_line(0)
    quote.set_valid_until(date(2026, 5, 15))
    assert [line.quantity for line in quote.lines] == [D(3)]
    assert quote.totals.total_incl_vat == D("181.50")
    assert quote.valid_until == date(2026, 5, 15)


def test_accept_locks_the_quote() -> None:
    quote = sent_quote()
    assert (quote.status, quote.sent_on) == (Q.SENT, SENT_ON)
    quote.accept(date(2026, 4, 5))
    assert quote.status is Q.ACCEPTED
    assert quote.is_locked
    assert quote.answered_on == date(2026, 4, 5)
    before = (quote.lines, quote.valid_until, quote.totals)
    for edit in (
        lambda: quote.add_line(work()),
        lambda: quote.remove_line(0),
        lambda: quote.replace_lines([]),
        lambda: quote.set_valid_until(date(2026, 6, 1)),
    ):
        assert conflict(edit).code == "quote.locked"
    for move in (
        lambda: quote.reject(date(2026, 4, 6)),
        lambda: quote.request_changes(date(2026, 4, 6), "cheaper"),
        lambda: quote.expire(date(2026, 5, 6)),
        lambda: quote.send(date(2026, 4, 6)),
        quote.revise,
    ):
        assert conflict(move).code == "quote.locked"
    assert (quote.lines, quote.valid_until, quote.totals) == before
    assert quote.status is Q.ACCEPTED


def test_sent_quote_is_not_editable() -> None:
    quote = sent_quote()
    err = conflict(quote.add_line, work())
    assert (err.code, err.field) == ("quote.not_editable", "lines")


def test_changes_requested_then_revised_and_resent() -> None:
    quote = sent_quote()
    quote.request_changes(date(2026, 4, 2), "  Could you do 6 hours?  ")
    assert (quote.status, quote.client_comment) == (Q.CHANGES_REQUESTED, "Could you do 6 hours?")
    assert conflict(quote.add_line, work()).code == "quote.not_editable"
    quote.revise()
    assert quote.status is Q.DRAFT
    quote.replace_lines([work("6")])
    quote.send(date(2026, 4, 3))
    quote.accept(date(2026, 4, 4))
    assert quote.totals.total_excl_vat == D("300.00")


def test_changes_need_a_comment() -> None:
    quote = sent_quote()
    with pytest.raises(DomainValidationError) as info:
        quote.request_changes(date(2026, 4, 2), "   ")
    assert (info.value.code, info.value.field) == ("field.required", "comment")
    assert quote.status is Q.SENT


def test_rejected_is_final() -> None:
    quote = sent_quote()
    quote.reject(date(2026, 4, 2), "Too expensive")
    assert (quote.status, quote.client_comment) == (Q.REJECTED, "Too expensive")
    assert conflict(quote.accept, date(2026, 4, 3)).code == "quote.invalid_transition"
    assert conflict(quote.revise).code == "quote.invalid_transition"


def test_client_can_answer_until_the_last_valid_day() -> None:
    quote = sent_quote()
    quote.accept(VALID_UNTIL)
    assert quote.status is Q.ACCEPTED


@pytest.mark.parametrize(
    "answer",
    [
        lambda q: q.accept(date(2026, 5, 1)),
        lambda q: q.reject(date(2026, 5, 1)),
        lambda q: q.request_changes(date(2026, 5, 1), "x"),
    ],
)
def test_no_answer_after_validity(answer: object) -> None:
    quote = sent_quote()
    err = conflict(answer, quote)
    assert err.code == "quote.expired"
    assert quote.status is Q.SENT


def test_expiry() -> None:
    quote = sent_quote()
    assert not quote.is_expired(VALID_UNTIL)
    assert quote.is_expired(date(2026, 5, 1))
    assert conflict(quote.expire, VALID_UNTIL).code == "quote.not_expired"
    quote.expire(date(2026, 5, 1))
    assert quote.status is Q.EXPIRED
    assert quote.is_expired(date(2026, 5, 1))
    assert conflict(quote.accept, date(2026, 4, 10)).code == "quote.invalid_transition"
    assert conflict(new_quote().expire, date(2026, 5, 1)).code == "quote.invalid_transition"


def test_send_checks_content_and_validity() -> None:
    with pytest.raises(DomainValidationError) as info:
        new_quote(lines=[]).send(SENT_ON)
    assert info.value.code == "invoice.no_lines"
    with pytest.raises(DomainValidationError) as info:
        new_quote(valid_until=date(2026, 3, 31)).send(SENT_ON)
    assert info.value.code == "quote.validity_in_past"
    assert conflict(sent_quote().send, SENT_ON).code == "quote.invalid_transition"


def test_mark_invoiced_once_and_only_when_accepted() -> None:
    quote = sent_quote()
    assert conflict(quote.mark_invoiced, "inv-1").code == "quote.not_accepted"
    quote.accept(SENT_ON)
    quote.mark_invoiced("inv-1")
    assert quote.invoice_id == "inv-1"
    assert conflict(quote.mark_invoiced, "inv-2").code == "quote.already_invoiced"


def test_quote_lines_must_fit_the_treatment() -> None:
    with pytest.raises(DomainValidationError) as info:
        new_quote(regime=VatRegime(VatTreatment.EXPORT))
    assert info.value.code == "line.vat_category_not_allowed"
    with pytest.raises(DomainValidationError) as info:
        new_quote(regime=VatRegime(VatTreatment.REVERSE_CHARGE), lines=[])
    assert info.value.code == "vat.reverse_charge_not_applicable"
