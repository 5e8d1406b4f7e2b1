"""Money rules: Decimal only, half-up to the cent."""

from __future__ import annotations

import pickle
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from invoicing.domain.errors import DomainConflictError, DomainValidationError
from invoicing.domain.money import (
    ZERO,
    format_amount,
    from_cents,
    is_whole_cents,
    percent_of,
    require_cents,
    require_decimal,
    require_non_negative,
    require_percent,
    round_cents,
    sum_money,
    to_cents,
)

FAST = settings(database=None, deadline=None, max_examples=200)


def reference_half_up(value: Decimal) -> Decimal:
    """Independent half-up rounding with integers only."""
    scaled = abs(value) * 100
    whole = int(scaled)
    if scaled - whole >= Decimal("0.5"):
        whole += 1
    cents = whole if value >= 0 else -whole
    return Decimal(cents) / 100


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0.005", "0.01"),
        ("0.015", "0.02"),
        ("0.025", "0.03"),  # banker's rounding would give 0.02
        ("2.675", "2.68"),
        ("1.004", "1.00"),
        ("1.0049999", "1.00"),
        ("-0.005", "-0.01"),  # a tie goes away from zero
        ("-2.675", "-2.68"),
        ("10", "10.00"),
        ("1E+3", "1000.00"),
    ],
)
def test_round_cents_is_half_up(raw: str, expected: str) -> None:
    result = round_cents(Decimal(raw))
    assert str(result) == expected
    assert result.as_tuple().exponent == -2


def test_round_cents_never_returns_negative_zero() -> None:
    assert str(round_cents(Decimal("-0.001"))) == "0.00"
    assert str(round_cents(Decimal("-0.004999"))) == "0.00"


@pytest.mark.parametrize(
    "fn",
    [round_cents, require_decimal, is_whole_cents, require_cents, to_cents, format_amount],
)
def test_floats_are_refused_with_type_error(fn: object) -> None:
    with pytest.raises(TypeError, match="float"):
        fn(0.1)  # type: ignore[operator]


def test_floats_and_bools_refused_by_every_helper() -> None:
    with pytest.raises(TypeError):
        percent_of(Decimal(10), 21.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        percent_of(10.0, Decimal(21))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        sum_money([Decimal(1), 2.5])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        require_decimal(True)
    with pytest.raises(TypeError):
        require_decimal("1.00")
    with pytest.raises(TypeError):
        from_cents(1.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        from_cents(True)


def test_ints_are_exact_and_accepted() -> None:
    assert require_decimal(3) == Decimal(3)
    assert isinstance(require_decimal(3), Decimal)


@pytest.mark.parametrize("raw", ["NaN", "Infinity", "-Infinity", "sNaN"])
def test_non_finite_amounts_are_domain_errors(raw: str) -> None:
    with pytest.raises(DomainValidationError) as info:
        round_cents(Decimal(raw))
    assert info.value.code == "money.not_finite"


def test_require_cents() -> None:
    assert str(require_cents(Decimal("1.5"))) == "1.50"
    assert str(require_cents(Decimal("7"))) == "7.00"
    assert str(require_cents(Decimal("1.2300"))) == "1.23"
    with pytest.raises(DomainValidationError) as info:
        require_cents(Decimal("1.005"), "amount")
    assert (info.value.code, info.value.field) == ("money.sub_cent", "amount")


def test_require_non_negative_and_percent() -> None:
    assert require_non_negative(Decimal(0)) == 0
    with pytest.raises(DomainValidationError) as info:
        require_non_negative(Decimal("-0.01"), "price")
    assert (info.value.code, info.value.field) == ("money.negative", "price")
    assert require_percent(Decimal("6.5")) == Decimal("6.5")
    for bad in (Decimal(-1), Decimal(100), Decimal(150)):
        with pytest.raises(DomainValidationError) as info:
            require_percent(bad)
        assert info.value.code == "rate.out_of_range"


def test_percent_of_rounds_half_up() -> None:
    assert percent_of(Decimal("450.00"), Decimal(21)) == Decimal("94.50")
    assert percent_of(Decimal("0.50"), Decimal(21)) == Decimal("0.11")  # 0.105
    assert percent_of(Decimal("1000"), Decimal("6.5")) == Decimal("65.00")


def test_sum_money_of_nothing_is_decimal_zero() -> None:
    total = sum_money([])
    assert isinstance(total, Decimal)
    assert str(total) == "0.00"
    assert sum_money([Decimal("0.10"), Decimal("0.20")]) == Decimal("0.30")


def test_cents_conversion_and_format() -> None:
    assert to_cents(Decimal("12.34")) == 1234
    assert from_cents(1234) == Decimal("12.34")
    assert str(from_cents(-5)) == "-0.05"
    with pytest.raises(DomainValidationError):
        to_cents(Decimal("0.001"))
    assert format_amount(Decimal("1234.5")) == "1234.50"
    assert format_amount(Decimal("1E+3")) == "1000.00"  # no exponent on documents
    assert Decimal(0) == ZERO


def test_domain_error_carries_code_message_field() -> None:
    err = DomainValidationError("x.code", "Something is wrong.", "some_field")
    assert (err.code, err.message, err.field) == ("x.code", "Something is wrong.", "some_field")
    assert isinstance(err, ValueError)
    assert "x.code" in str(err)
    assert "some_field" in str(err)
    copy = pickle.loads(pickle.dumps(err))
    assert (copy.code, copy.message, copy.field) == (err.code, err.message, err.field)
    conflict = DomainConflictError("state", "No.")
    assert isinstance(conflict, DomainValidationError)
    assert conflict.field is None


decimals = st.decimals(
    min_value=Decimal("-1000000"), max_value=Decimal("1000000"), places=6, allow_nan=False, allow_infinity=False
)


@FAST
@given(decimals)
def test_round_cents_matches_integer_reference(value: Decimal) -> None:
    assert round_cents(value) == reference_half_up(value)


@FAST
@given(decimals)
def test_round_cents_properties(value: Decimal) -> None:
    rounded = round_cents(value)
    assert isinstance(rounded, Decimal)
    assert abs(rounded - value) <= Decimal("0.005")
    assert round_cents(rounded) == rounded
    assert is_whole_cents(rounded)
    assert round_cents(-value) == -rounded  # symmetric around zero


@FAST
@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_cents_round_trip(cents: int) -> None:
    assert to_cents(from_cents(cents)) == cents
