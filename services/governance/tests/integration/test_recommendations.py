"""Recommendations: any member proposes, every member sees, admins track to an outcome."""

from __future__ import annotations

from datetime import timedelta

from .conftest import Gov


async def test_recommendation_is_tracked_to_an_outcome_in_the_open(gov: Gov) -> None:
    created = await gov.client.post("/api/v1/recommendations", headers=gov.member("ann"), json={
        "title": "Monthly fund report", "text": "Publish the guarantee fund's balance every month."})
    assert created.status_code == 201
    rec = created.json()
    assert (rec["author_id"], rec["status"], rec["history"]) == ("ann", "submitted", [])

    # Visible to every member, not only the author.
    listed = await gov.client.get("/api/v1/recommendations", headers=gov.member("bob"))
    assert [r["id"] for r in listed.json()["items"]] == [rec["id"]]
    one = await gov.client.get(f"/api/v1/recommendations/{rec['id']}", headers=gov.member("bob"))
    assert one.json()["title"] == "Monthly fund report"

    path = f"/api/v1/recommendations/{rec['id']}/status"
    by_member = await gov.client.patch(path, headers=gov.member("ann"), json={"status": "done"})
    assert by_member.status_code == 403
    skip = await gov.client.patch(path, headers=gov.admin, json={"status": "done"})
    assert skip.status_code == 409 and skip.json()["error"]["code"] == "invalid_transition"
    unknown = await gov.client.patch(path, headers=gov.admin, json={"status": "maybe"})
    assert unknown.status_code == 422 and unknown.json()["error"]["field"] == "status"

    for status in ("in_progress", "postponed"):
        gov.clock.advance(timedelta(days=1))
        moved = await gov.client.patch(path, headers=gov.admin, json={"status": status})
        assert moved.status_code == 200 and moved.json()["status"] == status
    no_reason = await gov.client.patch(path, headers=gov.admin, json={"status": "not_done"})
    assert no_reason.status_code == 422 and no_reason.json()["error"]["field"] == "note"
    gov.clock.advance(timedelta(days=1))
    final = await gov.client.patch(path, headers=gov.admin, json={"status": "not_done", "note": "No budget"})
    assert final.status_code == 200
    assert [(h["from_status"], h["to_status"]) for h in final.json()["history"]] == [
        ("submitted", "in_progress"), ("in_progress", "postponed"), ("postponed", "not_done")]
    reopened = await gov.client.patch(path, headers=gov.admin, json={"status": "in_progress"})
    assert reopened.status_code == 409  # an outcome told to members is not rewritten

    filtered = await gov.client.get("/api/v1/recommendations", params={"status": "not_done"},
                                    headers=gov.member("cas"))
    assert len(filtered.json()["items"]) == 1
    missing = await gov.client.get("/api/v1/recommendations/nope", headers=gov.member("cas"))
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "recommendation_not_found"
    empty = await gov.client.post("/api/v1/recommendations", headers=gov.member("ann"),
                                  json={"title": " ", "text": "x"})
    assert empty.status_code == 422 and empty.json()["error"]["field"] == "title"
    unknown_assembly = await gov.client.post("/api/v1/recommendations", headers=gov.member("ann"),
                                             json={"title": "t", "text": "x", "assembly_id": "nope"})
    assert unknown_assembly.status_code == 404
    anonymous = await gov.client.get("/api/v1/recommendations")
    assert anonymous.status_code == 401
