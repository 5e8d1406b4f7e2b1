from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from governance.domain.errors import DomainError, ErrorCode, InvariantViolation
from governance.domain.resolution import BallotKind, Choice, MajorityRule, Resolution, quorum_minimum
from governance.domain.tally import (
    OpenBallotBox,
    OpenVote,
    Participation,
    Result,
    ResultReason,
    SecretBallotBox,
    tally,
)

F, A, X = Choice.FOR, Choice.AGAINST, Choice.ABSTAIN
SIMPLE, TWO_THIRDS, THREE_QUARTERS = MajorityRule.SIMPLE, MajorityRule.TWO_THIRDS, MajorityRule.THREE_QUARTERS
FAST = settings(max_examples=150, deadline=None)


def resolution(
    majority: MajorityRule = SIMPLE, quorum: Fraction = Fraction(0), ballot: BallotKind = BallotKind.OPEN
) -> Resolution:
    return Resolution("r1", "Approve the annual accounts", majority, quorum, ballot)


def open_box(choices: list[Choice]) -> OpenBallotBox:
    return OpenBallotBox.of(OpenVote(f"m{i}", f"m{i}", c) for i, c in enumerate(choices))


def secret_box(choices: list[Choice]) -> SecretBallotBox:
    return SecretBallotBox.of((Participation(f"m{i}", f"m{i}") for i in range(len(choices))), choices)


def run(
    choices: list[Choice],
    majority: MajorityRule = SIMPLE,
    quorum: Fraction = Fraction(0),
    electorate: int = 100,
    ballot: BallotKind = BallotKind.OPEN,
) -> Result:
    box = open_box(choices) if ballot is BallotKind.OPEN else secret_box(choices)
    return tally(resolution(majority, quorum, ballot), electorate, box)


# -- majority rules at their exact boundaries ------------------------------------


@pytest.mark.parametrize(
    ("votes_for", "against", "rule", "adopted"),
    [
        (2, 1, TWO_THIRDS, True),  # exactly 2/3 passes (documented boundary)
        (1, 1, TWO_THIRDS, False),
        (3, 2, TWO_THIRDS, False),  # 60 %
        (200, 100, TWO_THIRDS, True),
        (199, 100, TWO_THIRDS, False),  # 66.55 %: just under
        (3, 1, THREE_QUARTERS, True),  # exactly 3/4 passes
        (3, 2, THREE_QUARTERS, False),
        (2, 1, THREE_QUARTERS, False),
        (299, 100, THREE_QUARTERS, False),  # 74.94 %
        (1, 0, SIMPLE, True),
        (1, 1, SIMPLE, False),  # a tie is not a majority
        (51, 50, SIMPLE, True),
        (0, 0, SIMPLE, False),
        (0, 0, TWO_THIRDS, False),
        (0, 0, THREE_QUARTERS, False),
    ],
)
def test_majority_boundaries(votes_for: int, against: int, rule: MajorityRule, adopted: bool) -> None:
    assert rule.is_met(votes_for, against) is adopted
    result = run([F] * votes_for + [A] * against, rule, electorate=1000)
    assert result.adopted is adopted


def test_abstentions_do_not_count_for_the_majority() -> None:
    # 2 for, 1 against, 10 abstain: 2/3 of votes cast -> adopted under two thirds.
    r = run([F, F, A] + [X] * 10, TWO_THIRDS)
    assert (r.votes_for, r.votes_against, r.abstentions, r.participants) == (2, 1, 10, 13)
    assert r.votes_cast == 3
    assert r.adopted and r.reason is ResultReason.ADOPTED


def test_only_abstentions_is_rejected_with_its_own_reason() -> None:
    r = run([X, X, X])
    assert not r.adopted and r.reason is ResultReason.NO_VOTES_CAST and r.quorum_reached


def test_majority_not_reached_reason() -> None:
    r = run([F, A, A])
    assert not r.adopted and r.reason is ResultReason.MAJORITY_NOT_REACHED


# -- quorum ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quorum", "electorate", "participants", "reached"),
    [
        (Fraction(1, 2), 10, 5, True),  # exactly half is enough
        (Fraction(1, 2), 10, 4, False),
        (Fraction(1, 2), 11, 5, False),  # 5/11 < 1/2
        (Fraction(1, 2), 11, 6, True),
        (Fraction(1, 3), 9, 3, True),
        (Fraction(1, 3), 10, 3, False),  # 3/10 < 1/3
        (Fraction(1, 3), 10, 4, True),
        (Fraction(0), 10, 0, True),
        (Fraction(1), 3, 2, False),
        (Fraction(1), 3, 3, True),
    ],
)
def test_quorum_boundaries(quorum: Fraction, electorate: int, participants: int, reached: bool) -> None:
    r = run([F] * participants, quorum=quorum, electorate=electorate)
    assert r.quorum_reached is reached
    assert r.adopted is (reached and participants > 0)
    if not reached:
        assert r.reason is ResultReason.QUORUM_NOT_REACHED


def test_abstentions_and_proxy_votes_count_towards_quorum() -> None:
    votes = [OpenVote("a", "a", X), OpenVote("b", "c", X), OpenVote("c", "c", F)]
    r = tally(resolution(quorum=Fraction(3, 10)), 10, OpenBallotBox.of(votes))
    assert r.participants == 3 and r.quorum_reached and r.adopted


@FAST
@given(st.fractions(min_value=0, max_value=1), st.integers(1, 10_000))
def test_quorum_minimum_is_the_exact_ceiling(quorum: Fraction, size: int) -> None:
    need = quorum_minimum(quorum, size)
    assert Fraction(need, size) >= quorum
    assert need == 0 or Fraction(need - 1, size) < quorum


def test_quorum_must_be_an_exact_fraction_in_range() -> None:
    for bad in (Fraction(-1, 10), Fraction(11, 10)):
        with pytest.raises(DomainError) as err:
            resolution(quorum=bad)
        assert err.value.code == ErrorCode.INVALID_QUORUM
    with pytest.raises(DomainError) as err:
        Resolution("r", "t", quorum=0.5)  # type: ignore[arg-type]
    assert err.value.code == ErrorCode.INVALID_QUORUM


def test_resolution_validates_rule_and_text() -> None:
    with pytest.raises(DomainError) as err:
        Resolution("r", "t", majority="unanimity")  # type: ignore[arg-type]
    assert err.value.field == "majority"
    with pytest.raises(DomainError):
        Resolution("r", "   ")
    assert Resolution("r", "t", majority="two_thirds", ballot="secret").ballot is BallotKind.SECRET  # type: ignore[arg-type]


# -- secret ballots --------------------------------------------------------------


def test_secret_ballot_counts_anonymous_choices() -> None:
    r = run([F, F, A, X], ballot=BallotKind.SECRET)
    assert (r.votes_for, r.votes_against, r.abstentions, r.participants) == (2, 1, 1, 4)
    assert r.adopted


@pytest.mark.parametrize(("people", "ballots"), [(3, 2), (2, 3), (0, 1), (1, 0)])
def test_secret_ballot_count_must_equal_participations(people: int, ballots: int) -> None:
    box = SecretBallotBox.of((Participation(f"m{i}", f"m{i}") for i in range(people)), [F] * ballots)
    with pytest.raises(InvariantViolation) as err:
        tally(resolution(ballot=BallotKind.SECRET), 10, box)
    assert err.value.code == ErrorCode.TALLY_MISMATCH
    assert f"{ballots} ballots for {people} participants" in err.value.message


def test_secret_ballot_box_keeps_no_arrival_order() -> None:
    box = SecretBallotBox.of([Participation("a", "a"), Participation("b", "b")], [X, F])
    assert box.choices == tuple(sorted([X, F]))
    assert not hasattr(box, "__dict__")  # slots: no stray attribute can link a voter to a choice


def test_ballot_box_must_match_ballot_kind() -> None:
    with pytest.raises(InvariantViolation) as err:
        tally(resolution(ballot=BallotKind.SECRET), 10, open_box([F]))
    assert err.value.code == ErrorCode.BALLOT_KIND_MISMATCH
    with pytest.raises(InvariantViolation):
        tally(resolution(ballot=BallotKind.OPEN), 10, secret_box([F]))


# -- invariants ------------------------------------------------------------------


def test_a_person_is_counted_once() -> None:
    box = OpenBallotBox.of([OpenVote("a", "a", F), OpenVote("a", "b", F)])
    with pytest.raises(InvariantViolation) as err:
        tally(resolution(), 10, box)
    assert err.value.code == ErrorCode.DUPLICATE_PARTICIPATION
    secret = SecretBallotBox.of([Participation("a", "a"), Participation("a", "a")], [F, F])
    with pytest.raises(InvariantViolation):
        tally(resolution(ballot=BallotKind.SECRET), 10, secret)


def test_more_participants_than_electorate_is_refused() -> None:
    with pytest.raises(InvariantViolation):
        run([F, F, F], electorate=2)


def test_empty_electorate_is_refused() -> None:
    with pytest.raises(DomainError) as err:
        run([], electorate=0)
    assert err.value.code == ErrorCode.EMPTY_ELECTORATE


# -- properties ------------------------------------------------------------------

choices_st = st.lists(st.sampled_from([F, A, X]), max_size=60)
rules_st = st.sampled_from(list(MajorityRule))
quorums_st = st.fractions(min_value=0, max_value=1, max_denominator=20)
ballots_st = st.sampled_from(list(BallotKind))


@FAST
@given(choices_st, rules_st, quorums_st, ballots_st, st.integers(0, 40))
def test_counts_sum_to_participants(
    choices: list[Choice], rule: MajorityRule, quorum: Fraction, ballot: BallotKind, extra: int
) -> None:
    r = run(choices, rule, quorum, electorate=len(choices) + extra + 1, ballot=ballot)
    assert r.votes_for + r.votes_against + r.abstentions == r.participants == len(choices)
    assert r.adopted <= r.quorum_reached  # adopted implies quorum reached


@FAST
@given(choices_st, rules_st, quorums_st, ballots_st, st.integers(0, 40))
def test_adding_a_for_never_turns_adopted_into_rejected(
    choices: list[Choice], rule: MajorityRule, quorum: Fraction, ballot: BallotKind, extra: int
) -> None:
    size = len(choices) + extra + 1
    before = run(choices, rule, quorum, size, ballot)
    after = run([*choices, F], rule, quorum, size, ballot)
    assert before.adopted <= after.adopted
    assert before.quorum_reached <= after.quorum_reached


@FAST
@given(choices_st, rules_st, quorums_st, st.integers(0, 40))
def test_adding_an_against_never_turns_rejected_into_adopted(
    choices: list[Choice], rule: MajorityRule, quorum: Fraction, extra: int
) -> None:
    size = len(choices) + extra + 1
    before = run(choices, rule, quorum, size)
    after = run([*choices, A], rule, quorum, size)
    # Quorum may newly be reached, but the majority can only get harder.
    assert rule.is_met(after.votes_for, after.votes_against) <= rule.is_met(before.votes_for, before.votes_against)


@FAST
@given(choices_st, rules_st, quorums_st, st.integers(0, 40))
def test_open_and_secret_ballots_give_the_same_result(
    choices: list[Choice], rule: MajorityRule, quorum: Fraction, extra: int
) -> None:
    size = len(choices) + extra + 1
    o = run(choices, rule, quorum, size, BallotKind.OPEN)
    s = run(choices, rule, quorum, size, BallotKind.SECRET)
    assert (o.votes_for, o.votes_against, o.abstentions, o.adopted, o.reason) == (
        s.votes_for,
        s.votes_against,
        s.abstentions,
        s.adopted,
        s.reason,
    )


@FAST
@given(st.integers(0, 500), st.integers(0, 500), rules_st)
def test_majority_matches_exact_rational_definition(votes_for: int, against: int, rule: MajorityRule) -> None:
    cast = votes_for + against
    if cast == 0:
        expected = False
    elif rule is SIMPLE:
        expected = votes_for > against
    else:
        expected = Fraction(votes_for, cast) >= rule.threshold
    assert rule.is_met(votes_for, against) is expected


@FAST
@given(st.permutations([F, F, F, A, A, X, X, X]))
def test_order_of_ballots_is_irrelevant(choices: list[Choice]) -> None:
    assert run(choices) == run(sorted(choices))
