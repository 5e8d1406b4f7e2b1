"""The invoice form's lines as typed, turned into the API's line objects."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from portal.domain.money import parse_amount

_LINE_FIELD = re.compile(r"^lines-(\d{1,3})-(description|quantity|unit_price|vat_rate)$")
VAT_RATES = ("21", "12", "6", "0")


def N_(message: str) -> str:
    """Marks a message for extraction; the page translates it."""
    return message


@dataclass
class LineInput:
    description: str = ""
    quantity: str = "1"
    unit_price: str = ""
    vat_rate: str = "21"


def lines_from_form(form: Mapping[str, str]) -> list[LineInput]:
    """Lines in the order of their index; a fully empty extra line is dropped."""
    found: dict[int, dict[str, str]] = {}
    for name, value in form.items():
        match = _LINE_FIELD.match(name)
        if match:
            found.setdefault(int(match.group(1)), {})[match.group(2)] = value.strip()
    return [LineInput(**found[i]) for i in sorted(found)]


def api_lines(lines: list[LineInput]) -> tuple[list[dict[str, str]], dict[str, str]]:
    """The lines for the API, and field errors (by form field name) for what is not a number."""
    body: list[dict[str, str]] = []
    errors: dict[str, str] = {}
    for index, line in enumerate(lines):
        quantity, price = parse_amount(line.quantity), parse_amount(line.unit_price)
        if quantity is None:
            errors[f"lines-{index}-quantity"] = N_("Enter a number.")
        if price is None:
            errors[f"lines-{index}-unit_price"] = N_("Enter an amount.")
        if line.vat_rate not in VAT_RATES:
            errors[f"lines-{index}-vat_rate"] = N_("Choose a VAT rate.")
        if quantity is not None and price is not None:
            body.append({"description": line.description, "quantity": str(quantity), "unit": "C62",
                         "unit_price": str(price), "vat_rate": line.vat_rate})
    return body, errors


def is_blank(line: LineInput) -> bool:
    return not line.description and not line.unit_price
