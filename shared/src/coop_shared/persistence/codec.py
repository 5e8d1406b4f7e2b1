"""Decimal <-> Decimal128 so that money never passes through a float."""

from __future__ import annotations

from datetime import UTC
from decimal import Decimal
from typing import Any

from bson.codec_options import CodecOptions, TypeCodec, TypeRegistry
from bson.decimal128 import Decimal128


class DecimalCodec(TypeCodec):
    python_type = Decimal
    bson_type = Decimal128

    def transform_python(self, value: Any) -> Decimal128:
        # Decimal128 raises rather than round when a value has more than 34
        # significant digits: an amount is stored exactly or not at all.
        return Decimal128(value)

    def transform_bson(self, value: Any) -> Decimal:
        return value.to_decimal()  # type: ignore[no-any-return]


CODEC_OPTIONS: CodecOptions[dict[str, Any]] = CodecOptions(
    type_registry=TypeRegistry([DecimalCodec()]), tz_aware=True, tzinfo=UTC
)
