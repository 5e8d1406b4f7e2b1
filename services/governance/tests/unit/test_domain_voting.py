from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from governance.domain.errors import DomainError, ErrorCode, VotingRuleViolation
from governance.domain.lifecycle import AssemblyState, VotingWindow
from governance.domain.resolution import BallotKind
from governance.domain.voting import (
    Proxy,
    VoteDecision,
    check_can_vote,
    check_proxy_registration,
    check_proxy_revocation,
)

OPENS = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
CLOSES = OPENS + timedelta(days=7)
WINDOW = VotingWindow(OPENS, CLOSES)
DURING = OPENS + timedelta(hours=1)
BEFORE = OPENS - timedelta(days=1)
ELECTORATE = frozenset({"alice", "bob", "carol", "dave", "erin"})
S = AssemblyState


def vote(
    voter: str,
    *,
    proxies: Collection[Proxy] = (),
    participation: Collection[str] = frozenset(),
    state: AssemblyState = S.VOTING_OPEN,
    now: datetime = DURING,
    ballot: BallotKind = BallotKind.OPEN,
    on_behalf_of: str | None = None,
    allow_vote_change: bool = False,
) -> VoteDecision:
    return check_can_vote(
        voter,
        ELECTORATE,
        proxies,
        participation,
        state,
        now=now,
        window=WINDOW,
        ballot=ballot,
        on_behalf_of=on_behalf_of,
        allow_vote_change=allow_vote_change,
    )


def code_of(fn: object, *args: object, **kwargs: object) -> str:
    with pytest.raises(DomainError) as err:
        fn(*args, **kwargs)  # type: ignore[operator]
    return err.value.code


# -- own vote ------------------------------------------------------------------


def test_member_of_electorate_votes_once() -> None:
    d = vote("alice")
    assert d == VoteDecision("alice", "alice", is_change=False)
    assert not d.participation.by_proxy
    assert code_of(vote, "alice", participation={"alice"}) == ErrorCode.ALREADY_VOTED


def test_outsider_cannot_vote() -> None:
    assert code_of(vote, "mallory") == ErrorCode.NOT_IN_ELECTORATE


@pytest.mark.parametrize(
    ("state", "now", "code"),
    [
        (S.DRAFT, DURING, ErrorCode.VOTING_NOT_OPEN),
        (S.CONVENED, DURING, ErrorCode.VOTING_NOT_OPEN),
        (S.VOTING_OPEN, OPENS - timedelta(seconds=1), ErrorCode.VOTING_NOT_OPEN),
        (S.VOTING_OPEN, CLOSES, ErrorCode.VOTING_CLOSED),  # the window is half-open
        (S.VOTING_OPEN, CLOSES + timedelta(days=1), ErrorCode.VOTING_CLOSED),
        (S.CLOSED, DURING, ErrorCode.VOTING_CLOSED),
        (S.RESULTS_PUBLISHED, DURING, ErrorCode.VOTING_CLOSED),
    ],
)
def test_votes_only_inside_open_window(state: AssemblyState, now: datetime, code: str) -> None:
    assert code_of(vote, "alice", state=state, now=now) == code


def test_window_edges() -> None:
    assert vote("alice", now=OPENS).elector_id == "alice"
    assert vote("alice", now=CLOSES - timedelta(microseconds=1)).elector_id == "alice"


def test_naive_time_is_refused() -> None:
    assert code_of(vote, "alice", now=datetime(2026, 6, 1, 10)) == ErrorCode.INVALID_VALUE


# -- vote change -------------------------------------------------------------------


def test_vote_change_only_when_allowed() -> None:
    assert code_of(vote, "alice", participation={"alice"}, allow_vote_change=False) == ErrorCode.ALREADY_VOTED
    d = vote("alice", participation={"alice"}, allow_vote_change=True)
    assert d.is_change and d.elector_id == "alice"


def test_secret_ballot_cannot_be_changed_even_if_allowed() -> None:
    with pytest.raises(VotingRuleViolation) as err:
        vote("alice", participation={"alice"}, allow_vote_change=True, ballot=BallotKind.SECRET)
    assert err.value.code == ErrorCode.ALREADY_VOTED
    assert "secret" in err.value.message


# -- proxies at vote time -------------------------------------------------------

P_AB = Proxy("alice", "bob", BEFORE)  # alice gives her vote to bob


def test_holder_votes_for_self_and_for_giver() -> None:
    own = vote("bob", proxies=[P_AB])
    assert own == VoteDecision("bob", "bob", False)
    for_alice = vote("bob", proxies=[P_AB], on_behalf_of="alice", participation={"bob"})
    assert for_alice == VoteDecision("alice", "bob", False)
    assert for_alice.participation.by_proxy


def test_proxy_vote_is_counted_once() -> None:
    code = code_of(vote, "bob", proxies=[P_AB], on_behalf_of="alice", participation={"alice"})
    assert code == ErrorCode.ALREADY_VOTED


def test_giver_cannot_vote_themselves() -> None:
    assert code_of(vote, "alice", proxies=[P_AB]) == ErrorCode.PROXY_GIVER_CANNOT_VOTE


def test_cannot_vote_for_someone_without_their_proxy() -> None:
    assert code_of(vote, "carol", proxies=[P_AB], on_behalf_of="alice") == ErrorCode.NOT_PROXY_HOLDER
    assert code_of(vote, "carol", on_behalf_of="dave") == ErrorCode.NOT_PROXY_HOLDER


def test_proxy_registered_after_opening_is_not_honoured() -> None:
    late = Proxy("alice", "bob", OPENS)
    assert code_of(vote, "bob", proxies=[late], on_behalf_of="alice") == ErrorCode.NOT_PROXY_HOLDER
    # ...and the would-be giver keeps their own vote.
    assert vote("alice", proxies=[late]).elector_id == "alice"


def test_on_behalf_of_self_is_an_ordinary_vote() -> None:
    assert vote("carol", on_behalf_of="carol") == VoteDecision("carol", "carol", False)


def test_proxy_vote_change_follows_the_flag() -> None:
    kwargs = {"proxies": [P_AB], "on_behalf_of": "alice", "participation": {"alice"}}
    assert vote("bob", allow_vote_change=True, **kwargs).is_change  # type: ignore[arg-type]
    assert code_of(vote, "bob", **kwargs) == ErrorCode.ALREADY_VOTED


# -- proxy registration --------------------------------------------------------


def register(
    giver: str,
    holder: str,
    existing: Collection[Proxy] = (),
    *,
    at: datetime = BEFORE,
    state: AssemblyState = S.CONVENED,
    limit: int = 1,
) -> None:
    check_proxy_registration(Proxy(giver, holder, at), ELECTORATE, existing, state, WINDOW, limit)


def test_valid_proxy_registration() -> None:
    register("alice", "bob")


@pytest.mark.parametrize(
    ("giver", "holder", "existing", "code"),
    [
        ("alice", "alice", [], ErrorCode.PROXY_TO_SELF),
        ("mallory", "bob", [], ErrorCode.NOT_IN_ELECTORATE),
        ("alice", "mallory", [], ErrorCode.NOT_IN_ELECTORATE),
        ("alice", "carol", [P_AB], ErrorCode.PROXY_ALREADY_GIVEN),
        ("carol", "alice", [P_AB], ErrorCode.PROXY_CHAIN),  # alice gave hers away
        ("bob", "carol", [P_AB], ErrorCode.PROXY_CHAIN),  # bob carries alice's
        ("carol", "bob", [P_AB], ErrorCode.PROXY_LIMIT_REACHED),  # default: one per voter
    ],
)
def test_proxy_registration_rules(giver: str, holder: str, existing: list[Proxy], code: str) -> None:
    assert code_of(register, giver, holder, existing) == code


def test_proxy_limit_is_configurable() -> None:
    register("carol", "bob", [P_AB], limit=2)
    two = [P_AB, Proxy("carol", "bob", BEFORE)]
    assert code_of(register, "dave", "bob", two, limit=2) == ErrorCode.PROXY_LIMIT_REACHED
    assert code_of(register, "alice", "bob", limit=0) == ErrorCode.PROXY_LIMIT_REACHED


@pytest.mark.parametrize(
    ("state", "at"),
    [
        (S.DRAFT, BEFORE),  # electorate not frozen yet
        (S.CONVENED, OPENS),  # at opening is already too late
        (S.CONVENED, DURING),
        (S.VOTING_OPEN, DURING),
        (S.CLOSED, CLOSES),
    ],
)
def test_proxy_must_be_registered_before_voting_opens(state: AssemblyState, at: datetime) -> None:
    assert code_of(register, "alice", "bob", at=at, state=state) == ErrorCode.PROXY_REGISTRATION_CLOSED


def test_proxy_revocation_before_opening_only() -> None:
    assert check_proxy_revocation("alice", [P_AB], S.CONVENED, WINDOW, BEFORE) == P_AB
    code = code_of(check_proxy_revocation, "alice", [P_AB], S.CONVENED, WINDOW, OPENS)
    assert code == ErrorCode.PROXY_REGISTRATION_CLOSED
    code = code_of(check_proxy_revocation, "carol", [P_AB], S.CONVENED, WINDOW, BEFORE)
    assert code == ErrorCode.PROXY_NOT_FOUND


# -- property: whatever proxies were accepted, each elector votes exactly once ----------

members = sorted(ELECTORATE)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(members), st.sampled_from(members)), max_size=8),
    st.integers(0, 3),
    st.lists(st.tuples(st.sampled_from([*members, "mallory"]), st.sampled_from([None, *members])), max_size=30),
)
def test_each_elector_is_represented_at_most_once_and_givers_never_vote(
    proxy_requests: list[tuple[str, str]],
    limit: int,
    attempts: list[tuple[str, str | None]],
) -> None:
    proxies: list[Proxy] = []
    for giver, holder in proxy_requests:
        try:
            register(giver, holder, proxies, limit=limit)
        except DomainError:
            continue
        proxies.append(Proxy(giver, holder, BEFORE))

    holders = [p.holder_id for p in proxies]
    assert all(holders.count(h) <= limit for h in holders)
    assert not {p.giver_id for p in proxies} & set(holders)  # no chains

    participation: set[str] = set()
    cast_by: dict[str, str] = {}
    for voter, behalf in attempts:
        try:
            d = vote(voter, proxies=proxies, participation=participation, on_behalf_of=behalf)
        except DomainError:
            continue
        assert d.elector_id not in participation
        participation.add(d.elector_id)
        cast_by[d.elector_id] = d.cast_by

    givers = {p.giver_id: p.holder_id for p in proxies}
    assert participation <= ELECTORATE
    for elector, caster in cast_by.items():
        assert caster not in givers  # a giver never casts anything
        assert caster == elector or givers[elector] == caster
