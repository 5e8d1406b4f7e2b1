"""Resolutions (proposals on an assembly's agenda) and their decision rules.

All thresholds are exact rationals (``fractions.Fraction``) and compared by
cross-multiplying integers, so a boundary such as "exactly two thirds" can
never be lost to floating-point rounding.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from governance.domain.errors import ErrorCode, InvalidValue


class Choice(StrEnum):
    FOR = "for"
    AGAINST = "against"
    ABSTAIN = "abstain"


class BallotKind(StrEnum):
    OPEN = "open"
    SECRET = "secret"


class MajorityRule(StrEnum):
    """Share of votes cast (for + against; abstentions excluded) needed to adopt.

    - ``simple``: strictly more for than against; a tie is rejected.
    - ``two_thirds`` / ``three_quarters``: for >= 2/3 (resp. 3/4) of votes cast.
      The boundary is inclusive: exactly 2 for and 1 against passes a
      two-thirds rule, the usual reading of "a two-thirds majority" in
      company statutes ("at least two thirds of the votes cast").

    With no vote cast (everyone abstained) nothing is adopted, whatever the rule.
    """

    SIMPLE = "simple"
    TWO_THIRDS = "two_thirds"
    THREE_QUARTERS = "three_quarters"

    @property
    def threshold(self) -> Fraction:
        return _THRESHOLDS[self]

    @property
    def inclusive(self) -> bool:
        """Whether reaching the threshold exactly is enough."""
        return self is not MajorityRule.SIMPLE

    def is_met(self, votes_for: int, votes_against: int) -> bool:
        if votes_for < 0 or votes_against < 0:
            raise InvalidValue(ErrorCode.INVALID_VALUE, "vote counts cannot be negative")
        cast = votes_for + votes_against
        if cast == 0:
            return False
        t = self.threshold
        # votes_for / cast  (>= | >)  p/q   <=>   votes_for * q  (>= | >)  p * cast
        lhs, rhs = votes_for * t.denominator, t.numerator * cast
        return lhs >= rhs if self.inclusive else lhs > rhs


_THRESHOLDS: dict[MajorityRule, Fraction] = {
    MajorityRule.SIMPLE: Fraction(1, 2),
    MajorityRule.TWO_THIRDS: Fraction(2, 3),
    MajorityRule.THREE_QUARTERS: Fraction(3, 4),
}


def quorum_minimum(quorum: Fraction, electorate_size: int) -> int:
    """Smallest number of participants that reaches ``quorum`` of the electorate.

    Reaching the fraction exactly is enough (quorum 1/2 of 10 needs 5).
    """
    if electorate_size < 0:
        raise InvalidValue(
            ErrorCode.INVALID_VALUE,
            "electorate size cannot be negative",
            "electorate_size",
        )
    # ceil(quorum * size) with integers only.
    return -((-quorum.numerator * electorate_size) // quorum.denominator)


@dataclass(frozen=True, slots=True)
class Resolution:
    """A proposal put to the vote.

    ``quorum`` is the fraction of the electorate that must take part
    (participants include abstentions and votes cast by proxy). It must be a
    ``Fraction`` between 0 and 1; floats are refused on purpose.
    """

    id: str
    text: str
    majority: MajorityRule = MajorityRule.SIMPLE
    quorum: Fraction = Fraction(0)
    ballot: BallotKind = BallotKind.OPEN

    def __post_init__(self) -> None:
        if not self.id.strip():
            raise InvalidValue(ErrorCode.INVALID_VALUE, "resolution id is required", "id")
        if not self.text.strip():
            raise InvalidValue(ErrorCode.INVALID_VALUE, "resolution text is required", "text")
        if not isinstance(self.quorum, Fraction):
            raise InvalidValue(
                ErrorCode.INVALID_QUORUM,
                "quorum must be a Fraction (never a float)",
                "quorum",
            )
        if not 0 <= self.quorum <= 1:
            raise InvalidValue(ErrorCode.INVALID_QUORUM, "quorum must be between 0 and 1", "quorum")
        # Coerce plain strings (e.g. from a request payload) to the enums.
        try:
            object.__setattr__(self, "majority", MajorityRule(self.majority))
        except ValueError:
            raise InvalidValue(
                ErrorCode.INVALID_VALUE,
                f"unknown majority rule {self.majority!r}",
                "majority",
            ) from None
        try:
            object.__setattr__(self, "ballot", BallotKind(self.ballot))
        except ValueError:
            raise InvalidValue(
                ErrorCode.INVALID_VALUE,
                f"unknown ballot kind {self.ballot!r}",
                "ballot",
            ) from None

    def quorum_minimum(self, electorate_size: int) -> int:
        return quorum_minimum(self.quorum, electorate_size)
