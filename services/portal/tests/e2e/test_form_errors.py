"""An error the API returns is shown next to its field, in the person's language, and nothing typed is lost."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Platform

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("language", ["en", "nl"])
def test_a_refused_sign_up_keeps_what_was_typed_and_names_the_field(platform: Platform, visitor_factory,
                                                                   language: str) -> None:
    visitor = visitor_factory(language)
    visitor.page.goto(platform.gateway + "/app/signup")
    visitor.label("Full name").fill("Nora Typo")
    visitor.label("E-mail").fill("nora.typo@example.be")
    visitor.label("Password").fill("a long enough passphrase 123")
    visitor.label("Street").fill("Kerkstraat 5")
    visitor.label("Postal code").fill("9000")
    visitor.label("City").fill("Gent")
    visitor.label("Country").fill("BE")
    visitor.label("IBAN").fill("BE00 0000 0000 0000")
    visitor.button("Create account").click()
    iban = visitor.label("IBAN")
    expect(iban).to_have_attribute("aria-invalid", "true")
    error = visitor.page.locator("#iban-error")
    expect(error).to_be_visible()
    assert iban.get_attribute("aria-describedby") == "iban-error"
    if language == "nl":
        expect(error).to_have_text(visitor._("This value is not valid."))
    for label, typed in [("Full name", "Nora Typo"), ("E-mail", "nora.typo@example.be"), ("City", "Gent"),
                         ("IBAN", "BE00 0000 0000 0000")]:
        expect(visitor.label(label)).to_have_value(typed)
    visitor.check("signup-error")
