"""Minutes of an assembly as structured data plus a plain-text rendering.

Secret ballots: the minutes carry counts only. ``build_minutes`` refuses
identified votes for a secret resolution instead of quietly dropping them, so
an adapter that leaks identities fails loudly in tests rather than in print.
Open ballots: the minutes list who voted how (and who held the proxy).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction

from coop_shared.clock import COOPERATIVE_TZ
from governance.domain.assembly import Assembly
from governance.domain.errors import (
    ErrorCode,
    InvalidTransition,
    InvalidValue,
    InvariantViolation,
)
from governance.domain.lifecycle import AssemblyKind, AssemblyState
from governance.domain.resolution import BallotKind, Choice, MajorityRule
from governance.domain.tally import OpenVote, Result, ResultReason

KIND_LABELS = {
    AssemblyKind.GENERAL: "General assembly",
    AssemblyKind.WORKERS: "Workers' assembly",
}
MAJORITY_LABELS = {
    MajorityRule.SIMPLE: "simple majority (more for than against)",
    MajorityRule.TWO_THIRDS: "two-thirds majority (for >= 2/3 of votes cast)",
    MajorityRule.THREE_QUARTERS: "three-quarters majority (for >= 3/4 of votes cast)",
}
REASON_LABELS = {
    ResultReason.ADOPTED: "ADOPTED",
    ResultReason.MAJORITY_NOT_REACHED: "REJECTED (majority not reached)",
    ResultReason.NO_VOTES_CAST: "REJECTED (no votes cast, all abstained)",
    ResultReason.QUORUM_NOT_REACHED: "REJECTED (quorum not reached)",
}


def _percent(value: Fraction) -> str:
    # Display only; decisions never use this rounded value.
    return f"{(Decimal(value.numerator) * 100 / Decimal(value.denominator)).quantize(Decimal('0.01'))} %"


def _stamp(at: datetime) -> str:
    return at.astimezone(COOPERATIVE_TZ).strftime("%Y-%m-%d %H:%M")


@dataclass(frozen=True, slots=True)
class RollCallEntry:
    elector: str
    choice: Choice
    proxy_holder: str | None


@dataclass(frozen=True, slots=True)
class ResolutionMinutes:
    number: int
    resolution_id: str
    text: str
    ballot: BallotKind
    majority: MajorityRule
    quorum: Fraction
    result: Result
    roll_call: tuple[RollCallEntry, ...]  # always empty for a secret ballot

    @property
    def outcome(self) -> str:
        return REASON_LABELS[self.result.reason]

    @property
    def quorum_line(self) -> str:
        r = self.result
        status = "reached" if r.quorum_reached else "NOT reached"
        share = f"{self.quorum} of the electorate ({_percent(self.quorum)})"
        return f"{share}, at least {r.quorum_required} participant(s): {status}"

    @property
    def counts_line(self) -> str:
        r = self.result
        counts = f"For: {r.votes_for}  Against: {r.votes_against}"
        return f"{counts}  Abstain: {r.abstentions}  Participants: {r.participants}"

    def lines(self) -> list[str]:
        out = [
            f"Resolution {self.number}: {self.text}",
            f"  Ballot: {self.ballot.value}",
            f"  Majority rule: {MAJORITY_LABELS[self.majority]}; abstentions excluded",
            f"  Quorum: {self.quorum_line}",
            f"  {self.counts_line} of {self.result.electorate_size}",
            f"  Outcome: {self.outcome}",
        ]
        if self.ballot is BallotKind.OPEN:
            out.append("  Votes (open ballot):")
            out.extend(
                f"    {e.elector}: {e.choice.value}" + (f" (by proxy: {e.proxy_holder})" if e.proxy_holder else "")
                for e in self.roll_call
            )
            if not self.roll_call:
                out.append("    (none)")
        else:
            out.append("  Secret ballot: individual votes are not recorded.")
        return out


@dataclass(frozen=True, slots=True)
class Minutes:
    assembly_id: str
    title: str
    kind: AssemblyKind
    convened_on: date
    opens_at: datetime
    closes_at: datetime
    electorate_size: int
    participants: int
    proxies_registered: int
    resolutions: tuple[ResolutionMinutes, ...]

    @property
    def heading(self) -> str:
        return f"Minutes - {KIND_LABELS[self.kind]}: {self.title}"

    def header_lines(self) -> list[str]:
        turnout = _percent(Fraction(self.participants, self.electorate_size))
        return [
            f"Assembly: {self.assembly_id}",
            f"Convened on: {self.convened_on.isoformat()}",
            f"Voting: {_stamp(self.opens_at)} to {_stamp(self.closes_at)} (Europe/Brussels)",
            f"Electorate: {self.electorate_size} (frozen when the assembly was convened)",
            f"Participants: {self.participants} of {self.electorate_size} ({turnout})",
            f"Proxies registered: {self.proxies_registered}",
            "One person, one vote.",
        ]

    def to_text(self) -> str:
        lines = [self.heading, "", *self.header_lines()]
        for res in self.resolutions:
            lines += ["", *res.lines()]
        return "\n".join(lines) + "\n"


def _display(member_id: str, names: Mapping[str, str]) -> str:
    name = names.get(member_id)
    return f"{name} ({member_id})" if name else member_id


def build_minutes(
    assembly: Assembly,
    total_participants: int,
    open_votes: Mapping[str, Iterable[OpenVote]],
    names: Mapping[str, str] | None = None,
    results: Mapping[str, Result] | None = None,
) -> Minutes:
    """Minutes for a closed assembly.

    ``total_participants``: distinct electors who took part in at least one
    vote. ``open_votes``: identified votes, keyed by resolution id, for OPEN
    ballots only. ``results`` default to the assembly's published results.
    """
    if assembly.state not in (AssemblyState.CLOSED, AssemblyState.RESULTS_PUBLISHED):
        raise InvalidTransition(
            ErrorCode.INVALID_TRANSITION,
            "minutes are written once voting is closed",
            "state",
        )
    convened_at = assembly.convened_at
    if convened_at is None:  # cannot happen past convening; keeps mypy and -O honest
        raise InvariantViolation(ErrorCode.INVALID_TRANSITION, "assembly was never convened", "state")
    results = assembly.results if results is None else results
    names = names or {}
    agenda_ids = {r.id for r in assembly.agenda}
    if set(results) != agenda_ids:
        raise InvalidValue(
            ErrorCode.RESULTS_INCOMPLETE,
            "one result per resolution is required",
            "results",
        )
    for rid in open_votes:
        if rid not in agenda_ids:
            raise InvalidValue(ErrorCode.UNKNOWN_RESOLUTION, f"no resolution {rid!r}", "open_votes")
        if assembly.resolution(rid).ballot is BallotKind.SECRET:
            raise InvariantViolation(
                ErrorCode.SECRET_BALLOT_DISCLOSURE,
                f"identified votes given for secret resolution {rid!r}",
                "open_votes",
            )
    size = len(assembly.electorate)
    peak = max((results[rid].participants for rid in agenda_ids), default=0)
    if not peak <= total_participants <= size:
        raise InvalidValue(
            ErrorCode.INVALID_VALUE,
            "total participants must lie between the busiest vote and the electorate",
            "total_participants",
        )

    sections = []
    for number, res in enumerate(assembly.agenda, start=1):
        result = results[res.id]
        roll_call: tuple[RollCallEntry, ...] = ()
        if res.ballot is BallotKind.OPEN:
            votes = list(open_votes.get(res.id, ()))
            counts = Counter(v.choice for v in votes)
            if (counts[Choice.FOR], counts[Choice.AGAINST], counts[Choice.ABSTAIN]) != (
                result.votes_for,
                result.votes_against,
                result.abstentions,
            ):
                # The roll call printed must be the one that was counted.
                raise InvariantViolation(
                    ErrorCode.TALLY_MISMATCH,
                    f"open votes for {res.id!r} differ from its result",
                    "open_votes",
                )
            roll_call = tuple(
                sorted(
                    (
                        RollCallEntry(
                            _display(v.elector_id, names),
                            v.choice,
                            _display(v.cast_by, names) if v.cast_by != v.elector_id else None,
                        )
                        for v in votes
                    ),
                    key=lambda e: e.elector.casefold(),
                )
            )
        sections.append(
            ResolutionMinutes(
                number,
                res.id,
                res.text,
                res.ballot,
                res.majority,
                res.quorum,
                result,
                roll_call,
            )
        )

    return Minutes(
        assembly_id=assembly.id,
        title=assembly.title,
        kind=assembly.kind,
        convened_on=convened_at.astimezone(COOPERATIVE_TZ).date(),
        opens_at=assembly.opens_at,
        closes_at=assembly.closes_at,
        electorate_size=size,
        participants=total_participants,
        proxies_registered=len(assembly.proxies),
        resolutions=tuple(sections),
    )
