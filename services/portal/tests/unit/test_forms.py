from decimal import Decimal

import pytest

from portal.adapters.gateway import ApiProblem
from portal.adapters.i18n import translations
from portal.domain.invoice_form import LineInput, api_lines, is_blank, lines_from_form
from portal.domain.money import parse_amount
from portal.entrypoints.web.errors import GENERIC, field_name, message_for


@pytest.mark.parametrize(("typed", "value"), [
    ("100", Decimal("100")), ("100,50", Decimal("100.50")), ("1 350,25", Decimal("1350.25")),
    ("1.350,25", Decimal("1350.25")), ("1,350.25", Decimal("1350.25")), ("\u00a012.5 ", Decimal("12.5")),
])
def test_amounts_as_people_type_them(typed: str, value: Decimal) -> None:
    assert parse_amount(typed) == value


@pytest.mark.parametrize("typed", ["", "abc", "NaN", "Infinity", None])
def test_what_is_not_an_amount(typed: str | None) -> None:
    assert parse_amount(typed) is None


def test_lines_keep_their_order_and_what_was_typed() -> None:
    form = {"lines-1-description": "Second", "lines-1-quantity": "2", "lines-1-unit_price": "5",
            "lines-1-vat_rate": "6",
            "lines-0-description": " First ", "lines-0-quantity": "1", "lines-0-unit_price": "x",
            "lines-0-vat_rate": "21", "lines-x-description": "ignored", "client_id": "c"}
    lines = lines_from_form(form)
    assert [line.description for line in lines] == ["First", "Second"]
    body, errors = api_lines(lines)
    assert errors == {"lines-0-unit_price": "Enter an amount."}
    assert body == [{"description": "Second", "quantity": "2", "unit": "C62", "unit_price": "5", "vat_rate": "6"}]


def test_an_unknown_vat_rate_is_an_error_on_its_field() -> None:
    _, errors = api_lines([LineInput("Work", "1", "10", "19")])
    assert set(errors) == {"lines-0-vat_rate"}
    assert is_blank(LineInput()) and not is_blank(LineInput(description="x"))


def test_api_fields_name_the_form_fields() -> None:
    assert field_name("lines.2.quantity") == "lines-2-quantity"
    assert field_name("address.postal_code") == "postal_code"
    assert field_name(None) == "_form"


def test_api_refusals_are_said_in_the_persons_language() -> None:
    voted = ApiProblem(409, "already_voted", "this vote has already been cast", "choice")
    assert message_for(voted, translations("en").gettext, "en") == "this vote has already been cast"
    assert message_for(voted, translations("fr").gettext, "fr") == "Ce vote a déjà été exprimé."
    assert message_for(voted, translations("nl").gettext, "nl") == "Deze stem is al uitgebracht."
    unknown = ApiProblem(409, "some.new_rule", "A rule the portal does not know yet.")
    assert message_for(unknown, translations("fr").gettext, "fr") == translations("fr").gettext(GENERIC)
    assert translations("fr").gettext(GENERIC) != GENERIC
