from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

import pytest

from governance.domain.assembly import Assembly, AssemblyKind, AssemblyState, convocation_day
from governance.domain.errors import DomainError, ErrorCode
from governance.domain.lifecycle import ASSEMBLY_TRANSITIONS, VotingWindow
from governance.domain.resolution import BallotKind, Choice, MajorityRule, Resolution
from governance.domain.tally import OpenBallotBox, OpenVote, Participation, SecretBallotBox

OPENS = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
CLOSES = OPENS + timedelta(days=7)
CONVENE = OPENS - timedelta(days=15)
DURING = OPENS + timedelta(hours=2)
AFTER = CLOSES + timedelta(minutes=1)
S = AssemblyState
R1 = Resolution("r1", "Approve the accounts", MajorityRule.SIMPLE, Fraction(1, 4))
R2 = Resolution("r2", "Amend the statutes", MajorityRule.TWO_THIRDS, Fraction(1, 2), BallotKind.SECRET)


def new_assembly(**kwargs: object) -> Assembly:
    a = Assembly("as-1", AssemblyKind.GENERAL, "AGM 2026", VotingWindow(OPENS, CLOSES), **kwargs)  # type: ignore[arg-type]
    a.add_resolution(R1)
    a.add_resolution(R2)
    return a


def convened(**kwargs: object) -> Assembly:
    a = new_assembly(**kwargs)
    a.convene(["d", "b", "a", "c", "a"], CONVENE)
    return a


def voting(**kwargs: object) -> Assembly:
    a = convened(**kwargs)
    a.open_voting(OPENS)
    return a


def closed() -> Assembly:
    a = voting()
    a.close_voting(CLOSES)
    return a


def code_of(fn: object, *args: object, **kwargs: object) -> str:
    with pytest.raises(DomainError) as err:
        fn(*args, **kwargs)  # type: ignore[operator]
    return err.value.code


def test_defaults() -> None:
    a = new_assembly()
    assert a.state is S.DRAFT
    assert a.allow_vote_change is False
    assert a.max_proxies_per_voter == 1
    assert (a.opens_at, a.closes_at) == (OPENS, CLOSES)


def test_happy_path_through_every_state_with_events() -> None:
    a = convened()
    states = [a.state]
    assert a.electorate == ("a", "b", "c", "d")  # sorted, unique snapshot
    a.open_voting(OPENS)
    states.append(a.state)
    a.close_voting(CLOSES)
    states.append(a.state)
    results = {
        "r1": a.tally("r1", OpenBallotBox.of([OpenVote("a", "a", Choice.FOR)])),
        "r2": a.tally("r2", SecretBallotBox.of([Participation("a", "a")], [Choice.FOR])),
    }
    a.publish_results(results, AFTER)
    states.append(a.state)
    assert states == [S.CONVENED, S.VOTING_OPEN, S.CLOSED, S.RESULTS_PUBLISHED]
    adopted = [r.id for r in a.agenda if a.results[r.id].adopted]
    assert adopted == ["r1"]  # r2 missed its 1/2 quorum
    assert len(a.electorate) == 4


def test_lifecycle_is_linear() -> None:
    assert all(len(nxt) <= 1 for nxt in ASSEMBLY_TRANSITIONS.values())
    assert ASSEMBLY_TRANSITIONS[S.RESULTS_PUBLISHED] == frozenset()


@pytest.mark.parametrize(
    ("build", "action"),
    [
        (new_assembly, lambda a: a.open_voting(OPENS)),
        (new_assembly, lambda a: a.close_voting(AFTER)),
        (new_assembly, lambda a: a.publish_results({}, AFTER)),
        (convened, lambda a: a.convene(["a"], CONVENE)),
        (convened, lambda a: a.close_voting(AFTER)),
        (voting, lambda a: a.open_voting(DURING)),
        (closed, lambda a: a.open_voting(AFTER)),
    ],
)
def test_invalid_transitions(build: object, action: object) -> None:
    a = build()  # type: ignore[operator]
    before = a.state
    with pytest.raises(DomainError) as err:
        action(a)  # type: ignore[operator]
    assert err.value.code in (ErrorCode.INVALID_TRANSITION, ErrorCode.AGENDA_LOCKED)
    assert a.state is before


def test_cannot_open_before_window_nor_close_before_it_ends() -> None:
    a = convened()
    assert code_of(a.open_voting, OPENS - timedelta(seconds=1)) == ErrorCode.VOTING_NOT_OPEN
    a.open_voting(OPENS)
    assert code_of(a.close_voting, CLOSES - timedelta(seconds=1)) == ErrorCode.INVALID_TRANSITION
    assert a.state is S.VOTING_OPEN


def test_agenda_editable_only_in_draft() -> None:
    a = new_assembly()
    a.replace_resolution(Resolution("r1", "Approve the 2025 accounts"))
    assert a.resolution("r1").text == "Approve the 2025 accounts"
    a.remove_resolution("r2")
    assert [r.id for r in a.agenda] == ["r1"]
    assert code_of(a.add_resolution, Resolution("r1", "dup")) == ErrorCode.DUPLICATE_RESOLUTION
    assert code_of(a.remove_resolution, "nope") == ErrorCode.UNKNOWN_RESOLUTION

    c = convened()
    for fn, arg in [
        (c.add_resolution, Resolution("r3", "late item")),
        (c.replace_resolution, Resolution("r1", "changed")),
        (c.remove_resolution, "r1"),
        (c.reschedule, VotingWindow(OPENS, CLOSES + timedelta(days=1))),
    ]:
        assert code_of(fn, arg) == ErrorCode.AGENDA_LOCKED
    assert [r.id for r in c.agenda] == ["r1", "r2"]


def test_convening_preconditions() -> None:
    empty = Assembly("x", AssemblyKind.WORKERS, "WA", VotingWindow(OPENS, CLOSES))
    assert code_of(empty.convene, ["a"], CONVENE) == ErrorCode.EMPTY_AGENDA
    assert code_of(new_assembly().convene, [], CONVENE) == ErrorCode.EMPTY_ELECTORATE
    assert code_of(new_assembly().convene, ["a"], OPENS) == ErrorCode.INVALID_VOTING_WINDOW
    assert code_of(new_assembly().convene, ["a"], datetime(2026, 5, 1)) == ErrorCode.INVALID_VALUE


def test_electorate_is_frozen_at_convening() -> None:
    source = ["b", "a"]
    a = new_assembly()
    a.convene(source, CONVENE)
    source.append("c")
    assert a.electorate == ("a", "b")
    assert isinstance(a.electorate, tuple)


def test_convocation_day_is_a_brussels_day() -> None:
    # 23:30 UTC on 31 May is already 1 June in Brussels (UTC+2 in summer).
    assert convocation_day(datetime(2026, 5, 31, 23, 30, tzinfo=UTC)) == date(2026, 6, 1)
    a = convened()
    assert a.convocation_day == date(2026, 5, 17)


def test_voting_window_must_be_ordered_and_aware() -> None:
    with pytest.raises(DomainError) as err:
        VotingWindow(OPENS, OPENS)
    assert err.value.code == ErrorCode.INVALID_VOTING_WINDOW
    with pytest.raises(DomainError):
        VotingWindow(datetime(2026, 6, 1), datetime(2026, 6, 2))


def test_invalid_assembly_settings() -> None:
    with pytest.raises(DomainError):
        new_assembly(max_proxies_per_voter=-1)
    with pytest.raises(DomainError) as err:
        Assembly("x", "annual", "t", VotingWindow(OPENS, CLOSES))  # type: ignore[arg-type]
    assert err.value.field == "kind"


def test_proxies_through_the_assembly() -> None:
    a = convened()
    a.register_proxy("a", "b", CONVENE + timedelta(days=1))
    assert code_of(a.register_proxy, "c", "b", CONVENE + timedelta(days=1)) == ErrorCode.PROXY_LIMIT_REACHED
    a.revoke_proxy("a", CONVENE + timedelta(days=2))
    assert a.proxies == []
    a.register_proxy("c", "b", CONVENE + timedelta(days=3))
    a.open_voting(OPENS)
    assert code_of(a.register_proxy, "d", "a", DURING) == ErrorCode.PROXY_REGISTRATION_CLOSED
    assert code_of(a.revoke_proxy, "c", DURING) == ErrorCode.PROXY_REGISTRATION_CLOSED
    assert code_of(a.check_can_vote, "c", "r1", [], DURING) == ErrorCode.PROXY_GIVER_CANNOT_VOTE
    d = a.check_can_vote("b", "r1", ["b"], DURING, on_behalf_of="c")
    assert (d.elector_id, d.cast_by) == ("c", "b")


def test_configurable_proxy_limit() -> None:
    a = convened(max_proxies_per_voter=2)
    a.register_proxy("a", "b", CONVENE)
    a.register_proxy("c", "b", CONVENE)
    assert code_of(a.register_proxy, "d", "b", CONVENE) == ErrorCode.PROXY_LIMIT_REACHED


def test_no_proxies_before_convening() -> None:
    assert code_of(new_assembly().register_proxy, "a", "b", CONVENE) == ErrorCode.PROXY_REGISTRATION_CLOSED


def test_assembly_vote_checks() -> None:
    a = voting()
    assert a.check_can_vote("a", "r1", [], DURING).elector_id == "a"
    assert code_of(a.check_can_vote, "z", "r1", [], DURING) == ErrorCode.NOT_IN_ELECTORATE
    assert code_of(a.check_can_vote, "a", "r1", ["a"], DURING) == ErrorCode.ALREADY_VOTED
    assert code_of(a.check_can_vote, "a", "nope", [], DURING) == ErrorCode.UNKNOWN_RESOLUTION
    # Participation is per resolution: having voted on r1 does not block r2.
    assert a.check_can_vote("a", "r2", [], DURING).elector_id == "a"
    changeable = voting(allow_vote_change=True)
    assert changeable.check_can_vote("a", "r1", ["a"], DURING).is_change
    assert code_of(changeable.check_can_vote, "a", "r2", ["a"], DURING) == ErrorCode.ALREADY_VOTED  # secret


def test_no_tally_while_voting() -> None:
    a = voting()
    assert code_of(a.tally, "r1", OpenBallotBox.of([])) == ErrorCode.INVALID_TRANSITION


def test_tally_uses_frozen_electorate_size() -> None:
    a = closed()
    r = a.tally("r1", OpenBallotBox.of([OpenVote("a", "a", Choice.FOR)]))
    assert r.electorate_size == 4 and r.quorum_required == 1 and r.adopted


def test_publish_requires_one_matching_result_per_resolution() -> None:
    a = closed()
    r1 = a.tally("r1", OpenBallotBox.of([]))
    assert code_of(a.publish_results, {"r1": r1}, AFTER) == ErrorCode.RESULTS_INCOMPLETE
    r2 = a.tally("r2", SecretBallotBox.of([], []))
    assert code_of(a.publish_results, {"r1": r1, "r2": r1}, AFTER) == ErrorCode.TALLY_MISMATCH
    assert a.state is S.CLOSED
    a.publish_results({"r1": r1, "r2": r2}, AFTER)
    assert a.results == {"r1": r1, "r2": r2}
    assert code_of(a.publish_results, {"r1": r1, "r2": r2}, AFTER) == ErrorCode.INVALID_TRANSITION


def test_entity_identity_is_its_id() -> None:
    a, b = new_assembly(), new_assembly()
    b.title = "renamed"
    assert a == b and hash(a) == hash(b)
