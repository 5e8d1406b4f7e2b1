"""Who may vote: electorates computed from read-model facts.

Governance never reads the members or payroll databases; it keeps a read
model of share-register entries and employment contracts fed by their events.
These functions turn those facts into the electorate snapshot that is frozen
when an assembly is convened: a sorted tuple of unique member ids, so the
same facts always give the same, comparable snapshot.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from governance.domain.errors import ErrorCode, InvalidValue, InvariantViolation

MemberId = str
Electorate = tuple[MemberId, ...]


class ShareEntryKind(StrEnum):
    SUBSCRIBED = "subscribed"
    PAID = "paid"
    TRANSFERRED_IN = "transferred_in"
    TRANSFERRED_OUT = "transferred_out"
    RESIGNED = "resigned"
    REFUNDED = "refunded"


# Effect of each entry on the number of *fully paid* shares held. The register
# counts whole shares: a ``paid`` entry says that many subscribed shares are now
# fully paid; a subscription alone gives no vote; transfers and refunds move
# fully paid shares (the members service only transfers or refunds paid shares).
# A resignation takes the shares out at once (their refund may come up to three
# years later); a register that records both resignation and refund feeds only
# one of the two here, or the same shares would leave twice.
_PAID_SHARE_EFFECT: dict[ShareEntryKind, int] = {
    ShareEntryKind.SUBSCRIBED: 0,
    ShareEntryKind.PAID: 1,
    ShareEntryKind.TRANSFERRED_IN: 1,
    ShareEntryKind.TRANSFERRED_OUT: -1,
    ShareEntryKind.RESIGNED: -1,
    ShareEntryKind.REFUNDED: -1,
}


@dataclass(frozen=True, slots=True)
class ShareEntry:
    """One line of the share register (the register is append-only)."""

    member_id: MemberId
    kind: ShareEntryKind
    quantity: int
    effective_on: date

    def __post_init__(self) -> None:
        if not self.member_id:
            raise InvalidValue(ErrorCode.INVALID_VALUE, "member id is required", "member_id")
        if self.quantity <= 0:
            # Direction comes from the kind; a signed quantity would double-negate.
            raise InvalidValue(
                ErrorCode.INVALID_VALUE,
                "quantity must be a positive number of shares",
                "quantity",
            )


@dataclass(frozen=True, slots=True)
class Contract:
    """An employment contract through the cooperative (both dates inclusive).

    ``end`` is None for a contract still running. ``work_days``, when known,
    lists the days actually worked; otherwise every day of the contract counts.
    """

    person_id: MemberId
    start: date
    end: date | None
    work_days: frozenset[date] | None = None

    def __post_init__(self) -> None:
        if not self.person_id:
            raise InvalidValue(ErrorCode.INVALID_VALUE, "person id is required", "person_id")
        if self.end is not None and self.end < self.start:
            raise InvalidValue(ErrorCode.INVALID_VALUE, "contract ends before it starts", "end")
        if self.work_days is not None and any(
            d < self.start or (self.end is not None and d > self.end) for d in self.work_days
        ):
            raise InvalidValue(ErrorCode.INVALID_VALUE, "work day outside the contract", "work_days")

    def has_work_day_between(self, first: date, last: date) -> bool:
        """True if a work day falls in [first, last] (inclusive)."""
        if self.work_days is not None:
            return any(first <= d <= last for d in self.work_days)
        return self.start <= last and (self.end is None or self.end >= first)


def fully_paid_shares(entries: Iterable[ShareEntry], on: date) -> dict[MemberId, int]:
    """Fully paid shares held by each member at the end of day ``on``.

    Entries effective on ``on`` itself count (a share paid on the convocation
    day gives the vote). Arrival order is irrelevant: only effective dates
    matter, because events reach the read model in no guaranteed order.
    """
    held: dict[MemberId, int] = defaultdict(int)
    for entry in entries:
        if entry.effective_on <= on:
            held[entry.member_id] += _PAID_SHARE_EFFECT[entry.kind] * entry.quantity
    for member_id, count in held.items():
        if count < 0:
            # More shares left than ever arrived: the read model is corrupt or
            # incomplete. A contestable electorate is worse than no assembly.
            raise InvariantViolation(
                ErrorCode.INCONSISTENT_SHARE_REGISTER,
                f"member {member_id} would hold {count} fully paid shares on {on.isoformat()}",
                "member_id",
            )
    return dict(held)


def general_assembly_electorate(entries: Iterable[ShareEntry], convocation_day: date) -> Electorate:
    """Members holding at least one fully paid share on the convocation day.

    One person, one vote: holding ten shares gives the same single entry.
    """
    held = fully_paid_shares(entries, convocation_day)
    return tuple(sorted(member for member, count in held.items() if count >= 1))


def workers_lookback(convocation_day: date) -> tuple[date, date]:
    """The inclusive window "12 months before the convocation day".

    From the same calendar day one year earlier up to the day before the
    convocation (29 February falls back to 28 February).
    """
    try:
        first = convocation_day.replace(year=convocation_day.year - 1)
    except ValueError:
        first = convocation_day.replace(year=convocation_day.year - 1, day=28)
    return first, convocation_day - timedelta(days=1)


def workers_assembly_electorate(contracts: Iterable[Contract], convocation_day: date) -> Electorate:
    """People with a work day under a contract in the 12 months before convocation."""
    first, last = workers_lookback(convocation_day)
    return tuple(sorted({c.person_id for c in contracts if c.has_work_day_between(first, last)}))
