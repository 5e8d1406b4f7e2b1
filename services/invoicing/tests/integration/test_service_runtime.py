"""The service on real servers: indexes at start-up, readiness, OpenAPI."""

from __future__ import annotations

from .conftest import Platform


async def test_start_up_declares_the_unique_indexes_and_reports_ready(platform: Platform) -> None:
    db = platform.runtime.db
    invoices = await db.invoices.index_information()
    for name in ("invoices_number_unique", "invoices_ogm_unique", "invoices_quote_unique",
                 "invoices_credit_note_unique"):
        assert invoices[name]["unique"] is True, name
    assert (await db.quotes.index_information())["quotes_token_unique"]["unique"] is True
    assert (await db.clients.index_information())["clients_vat_unique"]["unique"] is True
    assert (await db.processed_events.index_information())["processed_once"]["unique"] is True
    for collection, name in (("payments", "payments_application_unique"),
                             ("unmatched_payments", "unmatched_source_unique"),
                             ("bank_statements", "bank_statements_unique"), ("bank_lines", "bank_lines_key_unique"),
                             ("reminders", "reminders_once")):
        assert (await db[collection].index_information())[name]["unique"] is True, name
    ready = (await platform.http.get("/health/ready")).json()
    assert ready["status"] == "ok" and ready["checks"]["rabbitmq"]["dead_letters"] == 0
    assert ready["checks"]["rabbitmq"]["unrouted_events"] >= 0  # the alternate exchange's queue, counted


async def test_openapi_lists_every_endpoint_with_examples(platform: Platform) -> None:
    spec = (await platform.http.get("/openapi.json")).json()
    paths = spec["paths"]
    expected = {
        "/api/v1/clients": {"get", "post"}, "/api/v1/clients/{client_id}": {"get", "patch"},
        "/api/v1/quotes": {"get", "post"}, "/api/v1/quotes/{quote_id}": {"get", "patch"},
        "/api/v1/quotes/{quote_id}/send": {"post"}, "/api/v1/quotes/{quote_id}/invoice": {"post"},
        "/api/v1/public/quotes/{token}": {"get"}, "/api/v1/public/quotes/{token}/accept": {"post"},
        "/api/v1/public/quotes/{token}/request-changes": {"post"}, "/api/v1/public/quotes/{token}/reject": {"post"},
        "/api/v1/invoices": {"get", "post"}, "/api/v1/invoices/{invoice_id}": {"get", "patch", "delete"},
        "/api/v1/invoices/pricing": {"get"}, "/api/v1/vat-rates": {"get"},
        **{f"/api/v1/invoices/{{invoice_id}}/{action}": {"post"} for action in (
            "submit-for-review", "approve", "request-changes", "reject", "issue", "send", "credit-note")},
        "/api/v1/invoices/{invoice_id}/pdf": {"get"}, "/api/v1/invoices/{invoice_id}/ubl": {"get"},
        "/api/v1/invoices/{invoice_id}/write-off": {"post"},
        "/api/v1/invoices/{invoice_id}/reminders/{level}/pdf": {"get"},
        "/api/v1/payments": {"get", "post"}, "/api/v1/payments/{payment_id}": {"get"},
        "/api/v1/payments/unmatched": {"get"}, "/api/v1/payments/unmatched/{unmatched_id}": {"get"},
        "/api/v1/payments/unmatched/{unmatched_id}/assign": {"post"},
        "/api/v1/payments/unmatched/{unmatched_id}/refund": {"post"},
        "/api/v1/bank-statements": {"get", "post"}, "/api/v1/bank-statements/{statement_id}": {"get"},
        "/api/v1/bank-statements/{statement_id}/lines": {"get"}, "/api/v1/reminders/run": {"post"},
        "/api/v1/expense-claims": {"get", "post"}, "/api/v1/expense-claims/{claim_id}": {"get"},
        **{f"/api/v1/expense-claims/{{claim_id}}/{action}": {"post"}
           for action in ("submit", "approve", "request-changes", "reject")},
        "/api/v1/expense-claims/{claim_id}/attachments": {"get", "post"},
        "/api/v1/expense-claims/{claim_id}/attachments/{attachment_id}": {"get"},
    }
    for path, methods in expected.items():
        assert methods <= set(paths[path]), path
    schemas = spec["components"]["schemas"]
    assert schemas["InvoiceCreate"]["examples"] and schemas["ClientCreate"]["examples"]
    for name in ("ManualPaymentIn", "AssignIn", "ExpenseClaimCreate", "ImportOut", "WriteOffIn"):
        assert schemas[name]["examples"], name
    upload = paths["/api/v1/bank-statements"]["post"]["requestBody"]["content"]
    assert {"multipart/form-data", "application/xml"} <= set(upload)
