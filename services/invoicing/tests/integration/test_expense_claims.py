"""Expense claims: checks before submission, receipt files, the advisor's
decision and the event payroll debits the activity with."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from coop_shared.clock import DayClock
from coop_shared.contracts.invoicing import ExpenseApproved, ExpenseRejected, ExpenseSubmitted

from .conftest import Platform

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<</Type/Catalog>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
TODAY = date(2026, 3, 16)


def claim(activity_id: str, **overrides: Any) -> dict[str, Any]:
    return {"activity_id": activity_id, "expense_date": "2026-03-12", "supplier": "Music Store SRL",
            "description": "Microphone cable", "amount_incl_vat": "121.00", "vat_amount": "21.00", **overrides}


async def _setup(platform: Platform, budget: str = "500.00") -> tuple[str, dict[str, str]]:
    platform.ctx.clock = DayClock(TODAY)
    _, activity, owner = await platform.member_with_activity(advisor_id="adv-1")
    await platform.budget(activity, budget)
    return activity, owner


async def _draft(platform: Platform, owner: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    response = await platform.http.post("/api/v1/expense-claims", headers=owner, json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def _attach(platform: Platform, owner: dict[str, str], claim_id: str, name: str = "receipt.pdf",
                  content: bytes = PDF, media: str = "application/pdf") -> Any:
    return await platform.http.post(f"/api/v1/expense-claims/{claim_id}/attachments", headers=owner,
                                    files={"file": (name, content, media)})


async def test_a_claim_is_filed_attached_submitted_and_approved_once(platform: Platform) -> None:
    activity, owner = await _setup(platform)
    http = platform.http
    draft = await _draft(platform, owner, claim(activity))
    assert (draft["status"], draft["deductible_vat"], draft["amount_charged"]) == ("draft", "21.00", "100.00")
    uploaded = await _attach(platform, owner, draft["id"], "../../ticket.pdf")
    assert uploaded.status_code == 201, uploaded.text
    file = uploaded.json()
    assert (file["filename"], file["content_type"], file["size"]) == ("ticket.pdf", "application/pdf", len(PDF))
    photo = await _attach(platform, owner, draft["id"], "photo.jpg", PNG, "image/jpeg")  # it is a PNG really
    assert photo.json()["content_type"] == "image/png" and photo.json()["filename"] == "photo.png"
    listed = (await http.get(f"/api/v1/expense-claims/{draft['id']}/attachments", headers=owner)).json()
    assert [a["id"] for a in listed] == [file["id"], photo.json()["id"]]
    download = await http.get(f"/api/v1/expense-claims/{draft['id']}/attachments/{file['id']}", headers=owner)
    assert (download.content, download.headers["content-type"], download.headers["x-content-type-options"]) == (
        PDF, "application/pdf", "nosniff")

    submitted = await http.post(f"/api/v1/expense-claims/{draft['id']}/submit", headers=owner)
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["status"] == "submitted"
    late_file = await _attach(platform, owner, draft["id"])
    assert (late_file.status_code, late_file.json()["error"]["code"]) == (409, "expense.not_editable")
    own = await http.post(f"/api/v1/expense-claims/{draft['id']}/approve", headers=owner)
    assert (own.status_code, own.json()["error"]["code"]) == (403, "not_reviewer")
    other_advisor = await http.post(f"/api/v1/expense-claims/{draft['id']}/approve",
                                    headers=platform.auth("adv-2", "advisor"))
    assert other_advisor.status_code == 404
    advisor = {**platform.auth("adv-1", "advisor"), "Idempotency-Key": "approve-1"}
    approved = await http.post(f"/api/v1/expense-claims/{draft['id']}/approve", headers=advisor)
    assert approved.status_code == 200, approved.text
    assert (approved.json()["status"], approved.json()["decided_by"]) == ("approved", "adv-1")
    replay = await http.post(f"/api/v1/expense-claims/{draft['id']}/approve", headers=advisor)
    assert replay.headers["idempotent-replayed"] == "true"
    twice = await http.post(f"/api/v1/expense-claims/{draft['id']}/approve", headers=platform.auth("a", "admin"))
    assert (twice.status_code, twice.json()["error"]["code"]) == (409, "expense.not_submitted")

    await platform.tap.drain()
    [event] = [ExpenseApproved.model_validate(e["data"]) for e in platform.tap.of(ExpenseApproved.event_type)]
    assert (event.expense_id, event.activity_id, event.supplier, event.expense_date) == (
        draft["id"], activity, "Music Store SRL", date(2026, 3, 12))
    assert (event.amount_incl_vat, event.vat, event.deductible_vat, event.amount_charged, event.approved_by) == (
        Decimal("121.00"), Decimal("21.00"), Decimal("21.00"), Decimal("100.00"), "adv-1")
    assert len(platform.tap.of(ExpenseSubmitted.event_type)) == 1


async def test_checks_before_submission_answer_with_a_clear_code(platform: Platform) -> None:
    activity, owner = await _setup(platform, budget="150.00")
    http = platform.http
    platform.ctx.clock = DayClock(date(2026, 2, 1))  # the day after the cut-off
    old = await http.post("/api/v1/expense-claims", headers=owner, json=claim(activity, expense_date="2025-12-20"))
    assert (old.status_code, old.json()["error"]["code"], old.json()["error"]["field"]) == (
        422, "expense.date_outside_fiscal_year", "expense_date")
    platform.ctx.clock = DayClock(date(2026, 1, 31))
    in_time = await _draft(platform, owner, claim(activity, expense_date="2025-12-20"))
    await _attach(platform, owner, in_time["id"])
    platform.ctx.clock = DayClock(date(2026, 2, 1))  # filed in time, submitted too late
    late = await http.post(f"/api/v1/expense-claims/{in_time['id']}/submit", headers=owner)
    assert (late.status_code, late.json()["error"]["code"]) == (422, "expense.date_outside_fiscal_year")
    platform.ctx.clock = DayClock(TODAY)

    bare = await _draft(platform, owner, claim(activity))
    missing = await http.post(f"/api/v1/expense-claims/{bare['id']}/submit", headers=owner)
    assert (missing.status_code, missing.json()["error"]["code"]) == (422, "expense.attachment_missing")
    limit = platform.ctx.settings.expense_attachment_max_bytes
    big = await _attach(platform, owner, bare["id"], content=PDF + b"0" * limit)
    assert (big.status_code, big.json()["error"]["code"]) == (413, "attachment.too_large")
    fake = await _attach(platform, owner, bare["id"], "receipt.pdf", b"MZ\x90\x00 an executable", "application/pdf")
    assert (fake.status_code, fake.json()["error"]["code"]) == (415, "attachment.unsupported_type")
    empty = await _attach(platform, owner, bare["id"], content=b"")
    assert empty.status_code == 422
    assert (await http.get(f"/api/v1/expense-claims/{bare['id']}", headers=owner)).json()["attachments"] == []

    # 150.00 available: a claim charging 100.00 fits, a second one waiting with it does not.
    assert (await _attach(platform, owner, bare["id"])).status_code == 201
    assert (await http.post(f"/api/v1/expense-claims/{bare['id']}/submit", headers=owner)).status_code == 200
    second = await _draft(platform, owner, claim(activity, amount_incl_vat="72.60", vat_amount="12.60"))
    await _attach(platform, owner, second["id"])
    over = await http.post(f"/api/v1/expense-claims/{second['id']}/submit", headers=owner)
    assert (over.status_code, over.json()["error"]["code"]) == (422, "expense.exceeds_available_budget")
    # Sent back for a better receipt: a draft again, the message kept, submitted anew.
    advisor = platform.auth("adv-1", "advisor")
    back = await http.post(f"/api/v1/expense-claims/{bare['id']}/request-changes", headers=advisor,
                           json={"message": "The receipt is unreadable."})
    assert (back.json()["status"], back.json()["review_message"]) == ("draft", "The receipt is unreadable."), back.text
    twice = await http.post(f"/api/v1/expense-claims/{bare['id']}/request-changes", headers=advisor,
                            json={"message": "Again"})
    assert (twice.status_code, twice.json()["error"]["code"]) == (409, "expense.not_submitted")
    by_owner = await http.post(f"/api/v1/expense-claims/{bare['id']}/request-changes", headers=owner,
                               json={"message": "mine"})
    assert by_owner.status_code == 403, by_owner.text
    assert (await _attach(platform, owner, bare["id"])).status_code == 201
    assert (await http.post(f"/api/v1/expense-claims/{bare['id']}/submit", headers=owner)).status_code == 200
    rejected = await http.post(f"/api/v1/expense-claims/{bare['id']}/reject", headers=platform.auth("adv-1", "advisor"),
                               json={"reason": "Private purchase"})
    assert (rejected.json()["status"], rejected.json()["reason"]) == ("rejected", "Private purchase")
    assert (await http.post(f"/api/v1/expense-claims/{second['id']}/submit", headers=owner)).status_code == 200
    # Payroll spent the budget meanwhile (a salary): approval checks it again.
    await platform.budget(activity, "10.00", ledger_sequence=2)
    refused = await http.post(f"/api/v1/expense-claims/{second['id']}/approve", headers=platform.auth("a", "admin"))
    assert (refused.status_code, refused.json()["error"]["code"]) == (422, "expense.exceeds_available_budget")

    bad = await http.post("/api/v1/expense-claims", headers=owner, json=claim(activity, vat_amount="130.00"))
    assert (bad.status_code, bad.json()["error"]["code"]) == (422, "expense.vat_invalid")
    await platform.tap.drain()
    assert len(platform.tap.of(ExpenseRejected.event_type)) == 1
    assert platform.tap.of(ExpenseApproved.event_type) == []


async def test_a_member_never_sees_another_members_claims(platform: Platform) -> None:
    activity, owner = await _setup(platform)
    _, other_activity, stranger = await platform.member_with_activity()
    draft = await _draft(platform, owner, claim(activity))
    file = (await _attach(platform, owner, draft["id"])).json()
    http = platform.http
    base = f"/api/v1/expense-claims/{draft['id']}"
    attempts = [
        http.get(base, headers=stranger), http.get(f"{base}/attachments", headers=stranger),
        http.get(f"{base}/attachments/{file['id']}", headers=stranger), http.post(f"{base}/submit", headers=stranger),
        http.post(f"{base}/attachments", headers=stranger, files={"file": ("r.pdf", PDF, "application/pdf")}),
        http.post(f"{base}/request-changes", headers=stranger, json={"message": "no"}),
        http.post(f"{base}/approve", headers=stranger), http.post(f"{base}/reject", headers=stranger,
                                                                   json={"reason": "no"}),
        http.post("/api/v1/expense-claims", headers=stranger, json=claim(activity)),
    ]
    for response in [await a for a in attempts]:
        assert response.status_code == 404, (response.request.url, response.text)
    assert (await http.get("/api/v1/expense-claims", headers=stranger)).json()["items"] == []
    assert (await http.get("/api/v1/expense-claims", headers=stranger,
                           params={"activity_id": activity})).json()["items"] == []
    mine = (await http.get("/api/v1/expense-claims", headers=owner, params={"status": "draft"})).json()["items"]
    assert [c["id"] for c in mine] == [draft["id"]]
    advisor = (await http.get("/api/v1/expense-claims", headers=platform.auth("adv-1", "advisor"))).json()
    assert [c["id"] for c in advisor["items"]] == [draft["id"]]
    assert other_activity not in {c["activity_id"] for c in advisor["items"]}
