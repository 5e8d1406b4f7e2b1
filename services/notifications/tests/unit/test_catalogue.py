"""The event table: every entry is complete, and every event other services
address to notifications is handled."""

from __future__ import annotations

import pytest

from coop_shared.contracts import CATALOGUE, by_type
from notifications.adapters.rendering import TemplateRenderer
from notifications.domain.catalogue import RULES, minimised, partner_event_types, rule_for
from notifications.domain.directory import PROJECTIONS
from notifications.domain.languages import SUPPORTED_LANGUAGES
from notifications.service_layer.handlers import handled_event_types

from .samples import sample_payload

renderer = TemplateRenderer()


def test_one_entry_per_event_type_and_every_one_is_a_published_contract() -> None:
    assert len({r.event_type for r in RULES}) == len(RULES)
    contracts = by_type()
    for event_type in [r.event_type for r in RULES] + list(PROJECTIONS):
        assert event_type in contracts, f"{event_type} is no published contract (typo, or renamed?)"


def test_every_event_addressed_to_notifications_is_handled_or_deliberately_ignored() -> None:
    # Events the producers list us as a consumer of but that tell people nothing new.
    ignored = {
        "members.attestation.recorded.v1", "members.share.subscribed.v1", "members.share.transferred.v1",
        "members.share.resigned.v1", "members.share.refunded.v1", "invoicing.quote.sent.v1",
        "invoicing.invoice.sent.v1", "invoicing.invoice.written_off.v1", "invoicing.expense.submitted.v1",
        "members.member.token_version_changed.v1",  # consumed by the shared token checks, not a message
    }
    addressed = {c.event_type for c in CATALOGUE if "notifications" in c.consumers}
    handled = set(handled_event_types())
    assert addressed - handled - ignored == set(), "new events for notifications: add an entry or ignore them"
    assert ignored <= addressed


@pytest.mark.parametrize("rule", [r for r in RULES if r.notifies_people], ids=lambda r: r.event_type)
@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_message_exists_in_every_language_and_renders(rule, language: str) -> None:  # type: ignore[no-untyped-def]
    templates = [t for t in (rule.template, rule.client_template) if t]
    for template in templates:
        assert renderer.has(template, language), f"{language}/{template}.txt.j2 is missing"
        payload = sample_payload(rule.event_type)
        message = renderer.render(template, language, {
            "recipient": {"name": "Ada", "language": language, "member": True}, "data": payload,
            "event": {"id": "e-1"}, "app_url": "https://app.example"})
        assert message.language == language
        assert message.subject and message.summary and message.text.startswith(
            {"fr": "Bonjour Ada,", "nl": "Hallo Ada,", "en": "Hello Ada,"}[language])
        assert f'<html lang="{language}">' in message.html
        # Nothing left unrendered: every field the template uses exists in the contract.
        assert "{{" not in message.text and "None" not in message.subject, message.text


def test_critical_entries_and_partner_offer() -> None:
    payslip = rule_for("payroll.payslip.issued.v1")
    reminder = rule_for("invoicing.invoice.reminder_sent.v1")
    convened = rule_for("governance.assembly.convened.v1")
    assert payslip is not None and payslip.is_critical({})
    assert convened is not None and convened.is_critical({}) and convened.attachment == "calendar"
    # The client's letter comes with its PDF, as a document sending.
    assert reminder is not None and reminder.client_template is None
    document = rule_for("invoicing.document.send_requested.v1")
    assert document is not None and document.client_template == "client_document" and document.notifies_people
    assert reminder.is_critical({"level": "formal_notice"}) and not reminder.is_critical({"level": "first_reminder"})
    offered = partner_event_types()
    assert offered["invoicing.payment.received.v1"] == "payments:read"
    assert offered["payroll.payslip.issued.v1"] == "payroll:read"
    # Assembly events stay between the cooperative and its members.
    assert "governance.assembly.convened.v1" not in offered


def test_every_published_event_but_governance_is_offered_to_partners_and_consumed() -> None:
    offered = partner_event_types()
    published = {c.event_type for c in CATALOGUE}
    # Governance stays between the cooperative and its members; notifications' own
    # events (sending outcomes) are internal feedback to invoicing.
    assert set(offered) == {t for t in published if not t.startswith(("governance.", "notifications."))}
    assert len(offered) >= 39
    assert set(offered) <= set(handled_event_types())
    assert set(offered) <= {c.event_type for c in CATALOGUE if "notifications" in c.consumers}


def test_member_data_is_minimised_without_members_read() -> None:
    data = {"member_id": "m-1", "email": "ada@example.be", "full_name": "Ada", "net": "2150.40",
            "payments": [{"iban": "BE68539007547034", "amount": "10.00"}]}
    assert minimised(data, frozenset({"payroll:read"})) == {"member_id": "m-1", "net": "2150.40",
                                                            "payments": [{"amount": "10.00"}]}
    assert minimised(data, frozenset({"payroll:read", "members:read"})) == data
    assert minimised(data, frozenset({"members:read"}))["payments"] == [{"amount": "10.00"}]  # no IBAN


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_the_member_is_told_of_a_failed_sending_in_every_language(language: str) -> None:
    message = renderer.render("sending_failed", language, {
        "recipient": {"name": "", "language": language, "member": True}, "site_url": "https://coop.example",
        "data": {"label": "2026-000001", "client_name": "Jan", "to": "jan@x.invalid", "error": "550 no such domain",
                 "member_path": "/app/invoices/i-1"}})
    assert message.language == language and "jan@x.invalid" in message.summary
    assert "https://coop.example/app/invoices/i-1" in message.text
