"""Every index the service needs, created at start-up. Each "only one" rule
of the invoicing domain has its unique index here."""

from __future__ import annotations

from coop_shared.persistence.mongo import IndexSpec
from invoicing.adapters.document_store import INDEXES as FILE_INDEXES

CLIENTS = "clients"
QUOTES = "quotes"
INVOICES = "invoices"
COUNTERS = "counters"
MEMBERS_VIEW = "members_view"
ACTIVITIES_VIEW = "activities_view"
BUDGETS_VIEW = "budgets_view"
PAYMENTS = "payments"
UNMATCHED = "unmatched_payments"
BANK_STATEMENTS = "bank_statements"
BANK_LINES = "bank_lines"
REMINDERS = "reminders"
EXPENSE_CLAIMS = "expense_claims"
EXPENSE_ATTACHMENTS = "expense_attachments"
SENDINGS = "sendings"
REFUNDS = "refunds"
REFUND_BATCHES = "refund_payment_files"
INTERNAL_TRANSFERS = "internal_transfers"
# One per document (``_id`` = the invoice or credit note): a document reaches Peppol once.
PEPPOL_TRANSMISSIONS = "peppol_transmissions"

_EXISTS = {"$exists": True}

INDEXES: list[IndexSpec] = [
    IndexSpec(CLIENTS, [("activity_id", 1), ("created_at", -1), ("_id", -1)], "clients_by_activity"),
    # One client record per company and activity (people have no number to compare).
    IndexSpec(CLIENTS, [("activity_id", 1), ("vat_number", 1)], "clients_vat_unique", unique=True,
              options={"partialFilterExpression": {"vat_number": _EXISTS}}),
    IndexSpec(QUOTES, [("activity_id", 1), ("created_at", -1), ("_id", -1)], "quotes_by_activity"),
    IndexSpec(QUOTES, [("status", 1), ("valid_until", 1)], "quotes_by_validity"),
    IndexSpec(QUOTES, [("token_hash", 1)], "quotes_token_unique", unique=True,
              options={"partialFilterExpression": {"token_hash": _EXISTS}}),
    IndexSpec(INVOICES, [("activity_id", 1), ("created_at", -1), ("_id", -1)], "invoices_by_activity"),
    IndexSpec(INVOICES, [("created_at", -1), ("_id", -1)], "invoices_by_creation"),
    # Gapless numbering: a number is given once per series and year...
    IndexSpec(INVOICES, [("series", 1), ("year", 1), ("sequence", 1)], "invoices_number_unique", unique=True,
              options={"partialFilterExpression": {"sequence": _EXISTS}}),
    # ...people look a document up by the number they read on it...
    IndexSpec(INVOICES, [("number", 1)], "invoices_by_number",
              options={"partialFilterExpression": {"number": _EXISTS}}),
    # ...bank payments are matched by structured communication, so it is unique...
    IndexSpec(INVOICES, [("structured_communication", 1)], "invoices_ogm_unique", unique=True,
              options={"partialFilterExpression": {"structured_communication": _EXISTS}}),
    # ...an accepted quote becomes one invoice, and an invoice's credit notes are counted 0, 1, 2...
    # (partial ones add up; two concurrent notes cannot both be the invoice's next one).
    IndexSpec(INVOICES, [("quote_id", 1)], "invoices_quote_unique", unique=True,
              options={"partialFilterExpression": {"quote_id": _EXISTS}}),
    IndexSpec(INVOICES, [("credited_invoice_id", 1), ("credit_index", 1)], "invoices_credit_note_unique",
              unique=True, options={"partialFilterExpression": {"credited_invoice_id": _EXISTS}}),
    IndexSpec(INVOICES, [("status", 1), ("due_date", 1)], "invoices_by_due_date"),
    # The accountants' archive of a period's sales documents.
    IndexSpec(INVOICES, [("issue_date", 1), ("number", 1)], "invoices_by_issue_date",
              options={"partialFilterExpression": {"number": _EXISTS}}),
    # A client link opens one invoice.
    IndexSpec(INVOICES, [("client_link.token_hash", 1)], "invoices_client_link_unique", unique=True,
              options={"partialFilterExpression": {"client_link.token_hash": _EXISTS}}),
    # -- sendings: each request to e-mail a document to its client ------------------------------
    IndexSpec(SENDINGS, [("subject_id", 1), ("requested_at", -1)], "sendings_by_subject"),
    IndexSpec(PEPPOL_TRANSMISSIONS, [("status", 1), ("next_attempt_at", 1)], "peppol_transmissions_due"),
    # -- payments: money is applied once and kept once ---------------------------------------
    # Each application of money to an invoice has a deterministic key (the bank
    # line, the unmatched amount and its version, the manual entry)...
    IndexSpec(PAYMENTS, [("application_key", 1)], "payments_application_unique", unique=True),
    IndexSpec(PAYMENTS, [("activity_id", 1), ("created_at", -1), ("_id", -1)], "payments_by_activity"),
    IndexSpec(PAYMENTS, [("invoice_id", 1), ("created_at", -1)], "payments_by_invoice"),
    IndexSpec(PAYMENTS, [("created_at", -1), ("_id", -1)], "payments_by_creation"),
    # ...what no invoice took is kept once per source (a bank line, an overpayment's excess)...
    IndexSpec(UNMATCHED, [("source_key", 1)], "unmatched_source_unique", unique=True),
    IndexSpec(UNMATCHED, [("status", 1), ("created_at", -1), ("_id", -1)], "unmatched_by_status"),
    IndexSpec(UNMATCHED, [("created_at", -1), ("_id", -1)], "unmatched_by_creation"),
    # ...a statement is recorded once per account, and a bank line once per account
    # across statements (its key is the bank's reference): re-imports count duplicates.
    IndexSpec(BANK_STATEMENTS, [("account_iban", 1), ("statement_id", 1)], "bank_statements_unique", unique=True),
    IndexSpec(BANK_STATEMENTS, [("created_at", -1), ("_id", -1)], "bank_statements_by_creation"),
    IndexSpec(BANK_LINES, [("line_key", 1)], "bank_lines_key_unique", unique=True),
    IndexSpec(BANK_LINES, [("statement_ref", 1), ("position", 1)], "bank_lines_by_statement"),
    # -- reminders: each level once per invoice, however often the job runs -----------------
    IndexSpec(REMINDERS, [("invoice_id", 1), ("level", 1)], "reminders_once", unique=True),
    # -- expense claims ------------------------------------------------------------------------
    IndexSpec(EXPENSE_CLAIMS, [("activity_id", 1), ("created_at", -1), ("_id", -1)], "expense_claims_by_activity"),
    IndexSpec(EXPENSE_CLAIMS, [("activity_id", 1), ("status", 1)], "expense_claims_by_status"),
    IndexSpec(EXPENSE_CLAIMS, [("created_at", -1), ("_id", -1)], "expense_claims_by_creation"),
    IndexSpec(EXPENSE_ATTACHMENTS, [("claim_id", 1), ("uploaded_at", 1)], "expense_attachments_by_claim"),
    *FILE_INDEXES,
    # -- refunds owed to clients after credit notes: one per credit note ------------------------
    IndexSpec(REFUNDS, [("credit_note_id", 1)], "refunds_credit_note_unique", unique=True),
    IndexSpec(REFUNDS, [("activity_id", 1), ("created_at", -1), ("_id", -1)], "refunds_by_activity"),
    IndexSpec(REFUNDS, [("created_at", -1), ("_id", -1)], "refunds_by_creation"),
    IndexSpec(REFUNDS, [("status", 1), ("created_at", 1)], "refunds_by_status"),
    # -- internal transfers between activities: one per internal invoice ---------------------
    IndexSpec(INTERNAL_TRANSFERS, [("invoice_id", 1)], "internal_transfers_invoice_unique", unique=True),
    IndexSpec(INTERNAL_TRANSFERS, [("seller_activity_id", 1), ("created_at", -1)], "transfers_by_seller"),
    IndexSpec(INTERNAL_TRANSFERS, [("buyer_activity_id", 1), ("created_at", -1)], "transfers_by_buyer"),
    IndexSpec(INTERNAL_TRANSFERS, [("created_at", -1), ("_id", -1)], "transfers_by_creation"),
    IndexSpec(MEMBERS_VIEW, [("advisor_id", 1)], "members_by_advisor"),
    IndexSpec(ACTIVITIES_VIEW, [("owner_id", 1)], "activities_by_owner"),
    IndexSpec(ACTIVITIES_VIEW, [("co_manager_ids", 1)], "activities_by_co_manager"),
]
