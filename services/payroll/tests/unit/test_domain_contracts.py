"""Fixed-term contracts, article 1bis eligibility and the Dimona record."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from payroll.domain.contracts import (
    ArtsAttestation,
    AttestationType,
    ContractBasis,
    DimonaDeclaration,
    DimonaStatus,
    contract_basis,
    declare_dimona,
    dimona_reference,
    fixed_term_contract,
)
from payroll.domain.errors import DomainError

ATTESTATION = ArtsAttestation(AttestationType.ORDINARY, date(2026, 1, 1), date(2026, 6, 30))
DATES = [date(2026, 3, 10), date(2026, 3, 9), date(2026, 3, 12), date(2026, 3, 9)]


def test_article_1bis_when_the_attestation_covers_every_work_date() -> None:
    assert contract_basis(DATES, ATTESTATION) is ContractBasis.ARTICLE_1BIS
    assert contract_basis([date(2026, 1, 1), date(2026, 6, 30)], ATTESTATION) is ContractBasis.ARTICLE_1BIS


def test_employment_when_one_date_is_not_covered_or_no_attestation() -> None:
    assert contract_basis([date(2026, 6, 30), date(2026, 7, 1)], ATTESTATION) is ContractBasis.EMPLOYMENT
    assert contract_basis([date(2025, 12, 31)], ATTESTATION) is ContractBasis.EMPLOYMENT
    assert contract_basis(DATES, None) is ContractBasis.EMPLOYMENT
    assert ContractBasis.ARTICLE_1BIS.value == "article_1bis"
    assert ContractBasis.EMPLOYMENT.value == "employment"


def test_attestation_period_must_be_ordered() -> None:
    with pytest.raises(DomainError):
        ArtsAttestation(AttestationType.STARTER, date(2026, 2, 1), date(2026, 1, 31))


def test_contract_normalises_dates() -> None:
    contract = fixed_term_contract("c-1", "m-1", "a-1", DATES, ATTESTATION)
    assert contract.work_dates == (date(2026, 3, 9), date(2026, 3, 10), date(2026, 3, 12))
    assert contract.first_work_day == date(2026, 3, 9)
    assert contract.last_work_day == date(2026, 3, 12)
    assert contract.worked_days == 3
    assert contract.basis is ContractBasis.ARTICLE_1BIS


@pytest.mark.parametrize("dates", [[], [datetime(2026, 3, 9, 8, tzinfo=UTC)]])
def test_contract_needs_real_work_dates(dates: list[date]) -> None:
    with pytest.raises(DomainError) as raised:
        fixed_term_contract("c-1", "m-1", "a-1", dates, None)
    assert raised.value.code == "invalid_work_dates"


def test_dimona_reference_is_deterministic_per_contract() -> None:
    assert dimona_reference("c-1") == dimona_reference("c-1")
    assert dimona_reference("c-1") != dimona_reference("c-2")
    assert dimona_reference("c-1").startswith("DIM-")
    assert len(dimona_reference("c-1")) == 16


def test_dimona_declared_before_the_first_work_day() -> None:
    contract = fixed_term_contract("c-1", "m-1", "a-1", DATES, None)
    dimona = declare_dimona(contract, datetime(2026, 3, 8, 22, 59, tzinfo=UTC))  # 23:59 in Brussels
    assert dimona.status is DimonaStatus.DECLARED
    assert dimona.status.value == "declared"
    assert dimona.reference == dimona_reference("c-1")
    assert (dimona.first_work_day, dimona.last_work_day) == (date(2026, 3, 9), date(2026, 3, 12))


@pytest.mark.parametrize(
    "declared_at",
    [
        datetime(2026, 3, 8, 23, 0, tzinfo=UTC),  # midnight in Brussels (UTC+1 in March)
        datetime(2026, 3, 9, 0, 30, tzinfo=timezone(timedelta(hours=1))),
        datetime(2026, 3, 10, 9, 0, tzinfo=UTC),
    ],
)
def test_dimona_on_or_after_the_first_work_day_cannot_exist(declared_at: datetime) -> None:
    contract = fixed_term_contract("c-1", "m-1", "a-1", DATES, None)
    with pytest.raises(DomainError) as raised:
        declare_dimona(contract, declared_at)
    assert raised.value.code == "dimona_too_late"


def test_dimona_value_object_checks_itself() -> None:
    good = {
        "contract_id": "c-1",
        "reference": dimona_reference("c-1"),
        "status": DimonaStatus.DECLARED,
        "declared_at": datetime(2026, 3, 1, 9, 0, tzinfo=UTC),
        "first_work_day": date(2026, 3, 9),
        "last_work_day": date(2026, 3, 12),
    }
    DimonaDeclaration(**good)  # type: ignore[arg-type]
    for bad in (
        {"reference": dimona_reference("c-2")},
        {"declared_at": datetime(2026, 3, 1, 9, 0)},  # naive
        {"last_work_day": date(2026, 3, 8)},
    ):
        with pytest.raises(DomainError):
            DimonaDeclaration(**{**good, **bad})  # type: ignore[arg-type]


def test_dimona_references_do_not_collide_across_many_contracts() -> None:
    references = {dimona_reference(f"contract-{n}") for n in range(10_000)}
    assert len(references) == 10_000
