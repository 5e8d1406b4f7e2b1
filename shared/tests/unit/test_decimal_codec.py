"""The fast Decimal <-> Decimal128 conversions give bson's own answer, bit for bit, for every value."""

from __future__ import annotations

import decimal
from decimal import Decimal

import bson
import pytest
from bson.decimal128 import Decimal128
from hypothesis import example, given, settings
from hypothesis import strategies as st

from coop_shared.persistence.codec import CODEC_OPTIONS, from_decimal128, to_decimal128

# Any finite value, from cents to the edges of decimal128 and past them, and the non-finite ones.
decimals = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-10**12, max_value=10**12),
    st.builds(lambda sign, coefficient, exponent: Decimal((sign, tuple(int(d) for d in str(coefficient)), exponent)),
              st.integers(0, 1), st.integers(0, 10**36), st.integers(-6200, 6200)),
    st.decimals(allow_nan=True, allow_infinity=True),
)


def bson_answer(value: Decimal) -> bytes | type[BaseException]:
    try:
        return Decimal128(value).bid
    except (ArithmeticError, ValueError) as error:  # decimal signals, NaN with a payload
        return type(error)


@settings(max_examples=3000, deadline=None)
@given(decimals)
@example(Decimal("-0.00"))
@example(Decimal("9" * 34))
@example(Decimal("1" + "0" * 33 + "E6111"))
@example(Decimal("1E-6176"))
@example(Decimal("1E6112"))
@example(Decimal("1E-6177"))
def test_encoding_matches_bson(value: Decimal) -> None:
    expected = bson_answer(value)
    if isinstance(expected, bytes):
        assert to_decimal128(value).bid == expected
    else:
        with pytest.raises(expected):
            to_decimal128(value)


@settings(max_examples=3000, deadline=None)
@given(st.binary(min_size=16, max_size=16))
@example(Decimal128(Decimal("-1234.56")).bid)
@example(Decimal128(Decimal("Infinity")).bid)
@example(Decimal128(Decimal("NaN")).bid)
@example(Decimal128(Decimal("-0E-3")).bid)
def test_decoding_matches_bson(bid: bytes) -> None:
    stored = Decimal128.from_bid(bid)
    assert from_decimal128(stored).as_tuple() == stored.to_decimal().as_tuple()


def test_documents_round_trip_exactly() -> None:
    document = {"gross": Decimal("2473.10"), "rate": Decimal("0.1307"), "refund": Decimal("-0.01")}
    raw = bson.encode(document, codec_options=CODEC_OPTIONS)
    assert bson.decode(raw, codec_options=CODEC_OPTIONS) == document
    assert {k: str(v) for k, v in bson.decode(raw, codec_options=CODEC_OPTIONS).items()} == {
        "gross": "2473.10", "rate": "0.1307", "refund": "-0.01"}


def test_more_digits_than_decimal128_holds_is_refused() -> None:
    with pytest.raises(decimal.Inexact):
        to_decimal128(Decimal("1." + "1" * 40))
