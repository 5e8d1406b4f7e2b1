"""What each event means to people: one entry per event type.

An entry names the notification kind, who receives it (recipient rules read
from the payload), whether it is critical (it reaches the inbox whatever the
preferences say), the templates (members', and clients' for client-facing
documents), an attachment, and the partner scope needed to receive the event
on a webhook. Adding an event is adding an entry here and its templates in
fr, nl and en (a unit test checks they exist and render).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from coop_shared.contracts import CATALOGUE
from notifications.domain.recipients import (
    ActivityManagers,
    AdvisorOf,
    ClientAddress,
    ListedMembers,
    RecipientRule,
    TheMember,
)

DOCUMENT_SEND_REQUESTED = "invoicing.document.send_requested.v1"

# Partner scopes, as the gateway grants them to API keys.
MEMBERS_READ, INVOICES_READ, PAYMENTS_READ, PAYROLL_READ = "members:read", "invoices:read", "payments:read", \
    "payroll:read"


@dataclass(frozen=True)
class NotificationRule:
    event_type: str
    kind: str
    template: str | None = None  # None: offered to webhooks only, no message to people
    recipients: tuple[RecipientRule, ...] = ()
    critical: bool = False
    # Critical only when a payload field has a value (a reminder that is a formal notice).
    critical_if: tuple[str, str] | None = None
    # For people outside the cooperative (ClientAddress recipients).
    client_template: str | None = None
    attachment: Literal["calendar"] | None = None
    # Scope a partner needs to subscribe a webhook to this event (None: not offered to partners).
    partner_scope: str | None = None

    @property
    def notifies_people(self) -> bool:
        return (self.template is not None or self.client_template is not None) and bool(self.recipients)

    @property
    def may_be_critical(self) -> bool:
        return self.critical or self.critical_if is not None

    def is_critical(self, payload: Mapping[str, Any]) -> bool:
        if self.critical:
            return True
        if self.critical_if is None:
            return False
        field, value = self.critical_if
        return payload.get(field) == value


_MEMBER = (TheMember(),)
# The activity's co-managers, and its owner named by the event even when the
# activity is not (yet) in the directory; a person named twice is told once.
_ACTIVITY = (ActivityManagers(), TheMember())
_ELECTORS = (ListedMembers(),)
R = NotificationRule

RULES: tuple[NotificationRule, ...] = (
    # members
    R("members.member.registered.v1", "member.welcome", "member_registered", _MEMBER, partner_scope=MEMBERS_READ),
    R("members.share.paid.v1", "share.paid", "share_paid", _MEMBER, partner_scope=MEMBERS_READ),
    # invoicing
    R("invoicing.quote.answered.v1", "quote.answered", "quote_answered", _ACTIVITY, partner_scope=INVOICES_READ),
    R("invoicing.invoice.reviewed.v1", "invoice.reviewed", "invoice_reviewed", _ACTIVITY,
      partner_scope=INVOICES_READ),
    R("invoicing.invoice.issued.v1", "invoice.issued", "invoice_issued", _ACTIVITY, partner_scope=INVOICES_READ),
    R("invoicing.invoice.paid.v1", "invoice.paid", "invoice_paid", _ACTIVITY, partner_scope=INVOICES_READ),
    R("invoicing.invoice.overdue.v1", "invoice.overdue", "invoice_overdue", (*_ACTIVITY, AdvisorOf()),
      partner_scope=INVOICES_READ),
    # The client's letter comes as a document sending (invoicing.document.send_requested.v1, with its PDF).
    R("invoicing.invoice.reminder_sent.v1", "invoice.reminder", "invoice_reminder",
      (*_ACTIVITY, AdvisorOf()), critical_if=("level", "formal_notice"), partner_scope=INVOICES_READ),
    # A document e-mailed to a member's client, its files fetched from invoicing when sent.
    R(DOCUMENT_SEND_REQUESTED, "document.sent", recipients=(ClientAddress(),), client_template="client_document"),
    R("invoicing.invoice.credited.v1", "invoice.credited", partner_scope=INVOICES_READ),
    R("invoicing.payment.received.v1", "payment.received", partner_scope=PAYMENTS_READ),
    R("invoicing.expense.approved.v1", "expense.approved", "expense_approved", _MEMBER),
    R("invoicing.expense.rejected.v1", "expense.rejected", "expense_rejected", _MEMBER),
    # payroll
    R("payroll.payslip.issued.v1", "payroll.payslip_issued", "payslip_issued", _MEMBER, critical=True),
    R("payroll.salary.paid.v1", "payroll.salary_paid", "salary_paid", _MEMBER, partner_scope=PAYROLL_READ),
    R("payroll.advance.granted.v1", "payroll.advance_granted", "advance_granted", _ACTIVITY),
    # governance: the convocation is a legal document
    R("governance.assembly.convened.v1", "assembly.convened", "assembly_convened", _ELECTORS, critical=True,
      attachment="calendar"),
    R("governance.voting.opened.v1", "assembly.voting_opened", "voting_opened", _ELECTORS),
    R("governance.voting.closed.v1", "assembly.voting_closed", "voting_closed", _ELECTORS),
    R("governance.results.published.v1", "assembly.results", "results_published", _ELECTORS),
    R("governance.recommendation.submitted.v1", "recommendation.submitted", "recommendation_submitted", _MEMBER),
    R("governance.recommendation.status_changed.v1", "recommendation.updated", "recommendation_updated", _MEMBER),
)

_BY_TYPE = {rule.event_type: rule for rule in RULES}
assert len(_BY_TYPE) == len(RULES), "one entry per event type"


def rule_for(event_type: str) -> NotificationRule | None:
    return _BY_TYPE.get(event_type)


# Which scope receiving an event needs, by the start of its type. Governance
# events (assemblies, votes, recommendations) are the members' democratic
# life and are offered to no partner.
PARTNER_SCOPE_BY_PREFIX: tuple[tuple[str, str], ...] = (
    ("members.", MEMBERS_READ),
    ("invoicing.payment.", PAYMENTS_READ),
    ("invoicing.", INVOICES_READ),
    ("payroll.", PAYROLL_READ),
)
# Personal data about members, and the scopes a partner needs to receive it
# (a bank account is payroll data on top of the contact details).
MEMBER_PERSONAL_FIELDS: dict[str, frozenset[str]] = {
    **dict.fromkeys(("email", "full_name", "language", "first_name", "last_name", "birth_date", "phone",
                     "address"), frozenset({MEMBERS_READ})),
    "iban": frozenset({MEMBERS_READ, PAYROLL_READ}),
    "national_number": frozenset({MEMBERS_READ, PAYROLL_READ}),
}


def partner_scope_of(event_type: str) -> str | None:
    rule = _BY_TYPE.get(event_type)
    if rule is not None and rule.partner_scope is not None:
        return rule.partner_scope
    return next((scope for prefix, scope in PARTNER_SCOPE_BY_PREFIX if event_type.startswith(prefix)), None)


def partner_event_types() -> dict[str, str]:
    """Event types partners may subscribe to (every published one but
    governance's), with the scope each one needs."""
    offered = {contract.event_type: partner_scope_of(contract.event_type) for contract in CATALOGUE}
    return {event_type: scope for event_type, scope in offered.items() if scope is not None}


def minimised(data: Any, scopes: frozenset[str]) -> Any:
    """``data`` without the members' personal fields ``scopes`` do not allow."""
    if isinstance(data, dict):
        return {k: minimised(v, scopes) for k, v in data.items()
                if k not in MEMBER_PERSONAL_FIELDS or MEMBER_PERSONAL_FIELDS[k] <= scopes}
    if isinstance(data, list):
        return [minimised(item, scopes) for item in data]
    return data


# Where an event names the activities it is about.
ACTIVITY_FIELDS = ("activity_id", "seller_activity_id", "buyer_activity_id")


def concerns(data: Any, activities: frozenset[str]) -> bool:
    """Whether an event's data is about one of ``activities`` (an event about no activity is about none)."""
    if not isinstance(data, dict):
        return False
    return any(data.get(name) in activities for name in ACTIVITY_FIELDS)
