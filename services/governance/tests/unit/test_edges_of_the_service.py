"""Fast checks of the service's edges: consumer views against the producers'
contracts, error statuses, request validation, the clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError

from coop_shared.clock import FakeClock, to_millis
from coop_shared.contracts import by_type
from coop_shared.contracts import governance as contract
from coop_shared.contracts.members import MemberErased, MemberUpdated, SharePaid, ShareResigned, ShareTransferred
from coop_shared.contracts.payroll import ContractCreated
from coop_shared.contracts.views import view_problems
from coop_shared.messaging.envelope import EventPayload
from governance.domain.errors import ErrorCode, InvalidTransition, InvalidValue, InvariantViolation, VotingRuleViolation
from governance.entrypoints.api.errors import status_of
from governance.entrypoints.api.schemas import CreateResolution
from governance.service_layer import handlers
from governance.service_layer.errors import Conflict, NotFound

AT = datetime(2026, 5, 4, 22, 30, tzinfo=UTC)  # already 5 May in Brussels

PRODUCED: list[tuple[EventPayload, type[EventPayload]]] = [
    (MemberUpdated(member_id="m", email="m@example.be", full_name="M", language="fr"), handlers.MemberNamed),
    (MemberErased(member_id="m", erased_at=AT), handlers.MemberErased),
    (SharePaid(member_id="m", shares_paid=1, shares_required=1, in_good_standing=True, entry_id="e",
               subscription_id="s", category="A", quantity=2, amount=Decimal(60), paid_at=AT), handlers.SharePaid),
    (ShareTransferred(transfer_id="t", category="B", quantity=1, amount=Decimal(30), from_member_id="a",
                      from_shares_paid=0, from_in_good_standing=False, to_member_id="b", to_shares_paid=1,
                      to_in_good_standing=True), handlers.ShareTransferred),
    (ShareResigned(member_id="m", shares_paid=0, shares_required=1, in_good_standing=False, entry_id="e",
                   category="A", quantity=1, refund_amount=Decimal(30), refund_due_on=date(2029, 1, 1)),
     handlers.ShareResigned),
    (ContractCreated(contract_id="c", member_id="m", activity_id="a", basis="article_1bis",
                     first_day=date(2026, 1, 5), last_day=date(2026, 1, 9), work_days=5, dimona_reference="d"),
     handlers.ContractCreated),
]


@pytest.mark.parametrize(("produced", "view"), PRODUCED, ids=lambda v: getattr(v, "event_type", ""))
def test_our_views_read_what_the_producers_publish(produced: EventPayload, view: type[EventPayload]) -> None:
    parsed = view.model_validate(produced.model_dump(mode="json"))
    assert parsed.model_dump().items() <= produced.model_dump().items()


def test_every_consumed_type_is_in_the_catalogue_and_lists_governance_as_consumer() -> None:
    catalogue = by_type()
    for event_type in handlers.EFFECTS:
        assert event_type in catalogue, event_type
        assert "governance" in catalogue[event_type].consumers, event_type


def test_governance_contracts_are_catalogued_for_notifications() -> None:
    produced = [c for c in by_type().values() if c.producer == "governance"]
    assert {c.event_type for c in produced} == {
        "governance.assembly.convened.v1", "governance.voting.opened.v1", "governance.voting.closed.v1",
        "governance.results.published.v1", "governance.recommendation.submitted.v1",
        "governance.recommendation.status_changed.v1"}
    assert all(c.consumers == ("notifications",) for c in produced)
    batch = contract.VotingOpened(assembly_id="a", kind="general", title="t", electorate_size=3,
                                  member_ids=["x"], batch=2, batches=3, opened_at=AT, closes_at=AT)
    assert contract.VotingOpened.model_validate({**batch.model_dump(mode="json"), "future_field": 1}) == batch


@pytest.mark.parametrize(("error", "status"), [
    (VotingRuleViolation(ErrorCode.NOT_IN_ELECTORATE, "x"), 403),
    (VotingRuleViolation(ErrorCode.PROXY_GIVER_CANNOT_VOTE, "x"), 403),
    (VotingRuleViolation(ErrorCode.ALREADY_VOTED, "x"), 409),
    (VotingRuleViolation(ErrorCode.PROXY_LIMIT_REACHED, "x"), 409),
    (VotingRuleViolation(ErrorCode.PROXY_TO_SELF, "x"), 422),
    (InvalidTransition(ErrorCode.VOTING_NOT_OPEN, "x"), 409),
    (InvalidTransition(ErrorCode.VOTING_CLOSED, "x"), 409),
    (InvalidValue(ErrorCode.EMPTY_ELECTORATE, "x"), 409),
    (InvalidValue(ErrorCode.INVALID_VOTING_WINDOW, "x"), 422),
    (InvariantViolation(ErrorCode.INCONSISTENT_SHARE_REGISTER, "x"), 409),
    (InvariantViolation(ErrorCode.TALLY_MISMATCH, "x"), 500),
    (NotFound("assembly_not_found", "x"), 404),
    (Conflict("concurrent_update", "x"), 409),
])
def test_error_statuses(error: Exception, status: int) -> None:
    assert status_of(error) == status  # type: ignore[arg-type]


@pytest.mark.parametrize(("given", "stored"), [("1/2", "1/2"), ("0.25", "1/4"), ("0", "0/1"), ("2/4", "1/2"),
                                               ("1", "1/1")])
def test_quorum_is_an_exact_fraction(given: str, stored: str) -> None:
    assert CreateResolution(text="x", quorum=given).quorum == stored


@pytest.mark.parametrize("bad", ["3/2", "-1/2", "1/0", "half", "0.5.1", ""])
def test_quorum_outside_zero_to_one_or_malformed_is_refused(bad: str) -> None:
    with pytest.raises(ValidationError):
        CreateResolution(text="x", quorum=bad)


def test_day_of_an_event_is_the_brussels_day() -> None:
    assert handlers._day(AT) == date(2026, 5, 5)


def test_fixed_clock_and_millisecond_storage() -> None:
    clock = FakeClock(AT)
    clock.advance(timedelta(microseconds=1_234_567))
    assert clock.now() == AT + timedelta(seconds=1, microseconds=234_567)
    assert to_millis(clock.now()).microsecond == 234_000


def test_a_resignation_takes_the_shares_out_from_its_day() -> None:
    from governance.domain.electorate import ShareEntry, ShareEntryKind, general_assembly_electorate

    entries = [ShareEntry("ann", ShareEntryKind.PAID, 2, date(2026, 1, 1)),
               ShareEntry("ann", ShareEntryKind.RESIGNED, 2, date(2026, 3, 1)),
               ShareEntry("bob", ShareEntryKind.PAID, 1, date(2026, 1, 1)),
               ShareEntry("bob", ShareEntryKind.RESIGNED, 1, date(2026, 3, 1))]
    assert general_assembly_electorate(entries, date(2026, 2, 28)) == ("ann", "bob")
    assert general_assembly_electorate(entries, date(2026, 3, 1)) == ()


GOVERNANCE_VIEWS: dict[type[EventPayload], tuple[str, ...]] = {
    handlers.MemberNamed: ("members.member.registered.v1", "members.member.updated.v1"),
    handlers.MemberErased: ("members.member.erased.v1",),
    handlers.SharePaid: ("members.share.paid.v1",),
    handlers.ShareTransferred: ("members.share.transferred.v1",),
    handlers.ShareResigned: ("members.share.resigned.v1",),
    handlers.ContractCreated: ("payroll.contract.created.v1",),
}


@pytest.mark.parametrize("view", GOVERNANCE_VIEWS, ids=lambda v: v.__name__)
def test_each_view_reads_only_what_its_producer_publishes(view: type[EventPayload]) -> None:
    assert view_problems(view, GOVERNANCE_VIEWS[view], consumer="governance") == []
    assert {t for types in GOVERNANCE_VIEWS.values() for t in types} == set(handlers.EFFECTS)
