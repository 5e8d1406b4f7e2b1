"""Belgian structured communication (OGM/VCS)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.be import ogm_vcs

from invoicing.domain.errors import DomainValidationError
from invoicing.domain.ogm import format_ogm, ogm_for_invoice, ogm_from_number, parse_ogm

FAST = settings(database=None, deadline=None, max_examples=200)
OGM_RE = re.compile(r"^\+\+\+\d{3}/\d{4}/\d{5}\+\+\+$")
bases = st.integers(min_value=1, max_value=9_999_999_999)


def test_known_values() -> None:
    assert ogm_from_number(1) == "+++000/0000/00101+++"
    # A base divisible by 97 gets check digits 97, never 00.
    assert ogm_from_number(97) == "+++000/0000/09797+++"
    assert ogm_from_number(9_999_999_999) == "+++999/9999/99948+++"  # 9999999999 mod 97 = 48
    assert ogm_vcs.validate("+++010/8068/17183+++") == "010806817183"
    assert parse_ogm("+++010/8068/17183+++") == "010806817183"


def test_invoice_communication_reads_as_the_invoice_number() -> None:
    assert ogm_for_invoice(2026, 123) == "+++202/6000/12320+++"
    assert parse_ogm(ogm_for_invoice(2026, 123)) == "202600012320"
    assert ogm_for_invoice(2026, 123) != ogm_for_invoice(2027, 123)
    assert ogm_for_invoice(2026, 123) != ogm_for_invoice(2026, 124)


@pytest.mark.parametrize(("year", "seq"), [(999, 1), (10000, 1), (2026, 0), (2026, 1_000_000)])
def test_invoice_communication_range(year: int, seq: int) -> None:
    with pytest.raises(DomainValidationError) as info:
        ogm_for_invoice(year, seq)
    assert info.value.code == "ogm.base_out_of_range"


@pytest.mark.parametrize("n", [0, -1, 10_000_000_000])
def test_base_out_of_range(n: int) -> None:
    with pytest.raises(DomainValidationError) as info:
        ogm_from_number(n)
    assert (info.value.code, info.value.field) == ("ogm.base_out_of_range", "n")


def test_base_must_be_an_int() -> None:
    with pytest.raises(TypeError):
        ogm_from_number(True)
    with pytest.raises(TypeError):
        ogm_from_number(12.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        parse_ogm(202600012320)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    [
        "+++202/6000/12320+++",
        "202/6000/12320",
        "***202/6000/12320***",
        "202 6000 12320",
        "202600012320",
        "  +++ 202 / 6000 / 12320 +++  ",
        "+++202600012320+++",
        "202.6000.12320",
        "\t202/6000/12320\n",
    ],
)
def test_parse_is_tolerant_about_presentation(text: str) -> None:
    assert parse_ogm(text) == "202600012320"


@pytest.mark.parametrize(
    "text",
    [
        "+++202/6000/12321+++",  # wrong check digits
        "+++202/6000/12300+++",  # 00 is never a check value
        "20260001232",  # 11 digits
        "2026000123200",  # 13 digits
        "+++202/6000/1232O+++",  # letter O instead of zero
        "",
        "+++//+++",
        "٢٠٢٦٠٠٠١٢٣٢٠",  # non-ASCII digits
        "000000000000",
        "Invoice 2026-000123",
    ],
)
def test_parse_rejects_invalid(text: str) -> None:
    assert parse_ogm(text) is None


def test_format_ogm() -> None:
    assert format_ogm("202600012320") == "+++202/6000/12320+++"
    with pytest.raises(DomainValidationError):
        format_ogm("2026000123")


@FAST
@given(bases)
def test_round_trip(n: int) -> None:
    text = ogm_from_number(n)
    assert OGM_RE.match(text)
    digits = parse_ogm(text)
    assert digits is not None
    assert digits[:10] == f"{n:010d}"
    assert int(digits[10:]) == (n % 97 or 97)
    assert ogm_vcs.is_valid(digits)
    assert format_ogm(digits) == text
    assert parse_ogm(digits) == digits
    assert parse_ogm(text.replace("+++", "***")) == digits
    assert parse_ogm(text.strip("+").replace("/", " ")) == digits


@FAST
@given(bases, st.integers(min_value=0, max_value=11), st.integers(min_value=1, max_value=9))
def test_any_single_digit_error_is_caught(n: int, position: int, delta: int) -> None:
    digits = ogm_from_number(n).strip("+").replace("/", "")
    wrong = (int(digits[position]) + delta) % 10
    mutated = digits[:position] + str(wrong) + digits[position + 1 :]
    assert parse_ogm(mutated) is None


@FAST
@given(bases, st.integers(min_value=0, max_value=8))
def test_swapping_two_different_neighbour_digits_of_the_base_is_caught(n: int, position: int) -> None:
    digits = ogm_from_number(n).strip("+").replace("/", "")
    a, b = digits[position], digits[position + 1]
    if a == b:
        return
    swapped = digits[:position] + b + a + digits[position + 2 :]
    assert parse_ogm(swapped) is None
