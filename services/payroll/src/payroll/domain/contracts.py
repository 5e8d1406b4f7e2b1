"""Fixed-term contracts for a salary request, and their Dimona declaration.

Each salary request becomes a fixed-term contract covering exactly the
requested work dates. Its legal basis is an ordinary employment contract,
or "article 1bis" (the artists' regime of the social-security law) when the
member holds an arts work attestation valid on EVERY work date: one
uncovered day would make the whole contract ineligible.

A Dimona is the declaration of employment to the Belgian social security
that must exist before work starts. Here it is a record (no call to the
government); its check makes a contract whose declaration came too late
impossible to represent.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum

from coop_shared.clock import COOPERATIVE_TZ
from payroll.domain.errors import DomainError, ErrorCode
from payroll.domain.work_days import SpansWorkDays

# Work days are Belgian calendar days: "before the first work day" means
# before midnight in Brussels, whatever timezone the timestamp was given in.


class ContractBasis(StrEnum):
    EMPLOYMENT = "employment"
    ARTICLE_1BIS = "article_1bis"


class AttestationType(StrEnum):
    ORDINARY = "ordinary"
    PLUS = "plus"
    STARTER = "starter"


class DimonaStatus(StrEnum):
    DECLARED = "declared"


@dataclass(frozen=True, slots=True)
class ArtsAttestation:
    """An arts work attestation, valid from ``valid_from`` to ``valid_to`` inclusive."""

    type: AttestationType
    valid_from: date
    valid_to: date

    def __post_init__(self) -> None:
        if self.valid_to < self.valid_from:
            raise DomainError(ErrorCode.INVALID_ATTESTATION, "attestation valid_to is before valid_from", "valid_to")

    def covers(self, day: date) -> bool:
        return self.valid_from <= day <= self.valid_to


def contract_basis(work_dates: Iterable[date], attestation: ArtsAttestation | None) -> ContractBasis:
    """Article 1bis only if the attestation covers every work date; otherwise an employment contract."""
    dates = _work_dates(work_dates)
    if attestation is not None and all(attestation.covers(day) for day in dates):
        return ContractBasis.ARTICLE_1BIS
    return ContractBasis.EMPLOYMENT


@dataclass(frozen=True, slots=True)
class FixedTermContract(SpansWorkDays):
    contract_id: str
    member_id: str
    activity_id: str
    work_dates: tuple[date, ...]
    basis: ContractBasis

    def __post_init__(self) -> None:
        for name in ("contract_id", "member_id", "activity_id"):
            if not getattr(self, name).strip():
                raise DomainError(ErrorCode.INVALID_VALUE, f"{name} must not be empty", name)
        if self.work_dates != _work_dates(self.work_dates):
            raise DomainError(ErrorCode.INVALID_WORK_DATES, "work_dates must be sorted and unique", "work_dates")


    @property
    def worked_days(self) -> int:
        return len(self.work_dates)


def fixed_term_contract(
    contract_id: str,
    member_id: str,
    activity_id: str,
    work_dates: Iterable[date],
    attestation: ArtsAttestation | None,
) -> FixedTermContract:
    """The contract for a salary request: dates normalised, basis chosen from the attestation."""
    dates = _work_dates(work_dates)
    return FixedTermContract(contract_id, member_id, activity_id, dates, contract_basis(dates, attestation))


def dimona_reference(contract_id: str) -> str:
    """A reference derived from the contract id only, so declaring twice gives the same record (idempotent)."""
    digest = int.from_bytes(hashlib.sha256(contract_id.encode("utf-8")).digest()[:8], "big")
    return f"DIM-{digest % 10**12:012d}"


@dataclass(frozen=True, slots=True)
class DimonaDeclaration:
    """A Dimona record for one contract; cannot exist if declared on or after the first work day."""

    contract_id: str
    reference: str
    status: DimonaStatus
    declared_at: datetime
    first_work_day: date
    last_work_day: date

    def __post_init__(self) -> None:
        if self.declared_at.tzinfo is None:
            raise DomainError(ErrorCode.INVALID_VALUE, "declared_at must be timezone-aware", "declared_at")
        if self.reference != dimona_reference(self.contract_id):
            raise DomainError(
                ErrorCode.INVALID_VALUE, "the Dimona reference does not belong to this contract", "reference"
            )
        if self.last_work_day < self.first_work_day:
            raise DomainError(ErrorCode.INVALID_WORK_DATES, "last_work_day is before first_work_day", "last_work_day")
        work_starts = datetime.combine(self.first_work_day, time.min, tzinfo=COOPERATIVE_TZ)
        if self.declared_at >= work_starts:
            raise DomainError(
                ErrorCode.DIMONA_TOO_LATE,
                f"the Dimona must be declared before work starts on {self.first_work_day.isoformat()}",
                "work_dates",
                {"declared_at": self.declared_at.isoformat(), "first_work_day": self.first_work_day.isoformat()},
            )


def declare_dimona(contract: FixedTermContract, declared_at: datetime) -> DimonaDeclaration:
    return DimonaDeclaration(
        contract_id=contract.contract_id,
        reference=dimona_reference(contract.contract_id),
        status=DimonaStatus.DECLARED,
        declared_at=declared_at,
        first_work_day=contract.first_work_day,
        last_work_day=contract.last_work_day,
    )


def _work_dates(work_dates: Iterable[date]) -> tuple[date, ...]:
    given = tuple(work_dates)
    # A datetime is a date subclass but does not compare with one; refuse it up front.
    if any(type(day) is not date for day in given):
        raise DomainError(ErrorCode.INVALID_WORK_DATES, "work dates must be dates (not datetimes)", "work_dates")
    if not given:
        raise DomainError(ErrorCode.INVALID_WORK_DATES, "at least one work date is required", "work_dates")
    return tuple(sorted(set(given)))
