"""Events of the other services reach the right people: electors, an
activity's co-managers, the advisor, the client; the directory follows the
members service (updates, erasure)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from coop_shared.auth.principal import Role
from coop_shared.contracts.governance import AgendaItem, AssemblyConvened
from coop_shared.contracts.invoicing import DocumentSendRequested, InvoicePaid, ReminderSent
from coop_shared.contracts.members import ActivityOpened, AdvisorAssigned, MemberErased, MemberUpdated
from coop_shared.contracts.notifications import SendingStatusChanged
from coop_shared.messaging.envelope import Envelope


async def _inbox(client, headers):  # type: ignore[no-untyped-def]
    return (await client.get("/api/v1/inbox", headers=headers)).json()["items"]


async def _settled(app, event_id: str) -> bool:  # type: ignore[no-untyped-def]
    return await app.state.runtime.db.processed_events.count_documents({"event_id": event_id}) == 1


async def test_an_assembly_convocation_reaches_every_elector_with_a_calendar_invitation(harness) -> None:
    app = harness.app()
    async with harness.started(app) as client:
        await harness.publish(app, harness.registered("el-1", language="fr", email_address="el1@example.be"))
        await harness.publish(app, harness.registered("el-2", language="nl", email_address="el2@example.be"))
        await harness.wait_until(lambda: len(harness.smtp.recorder.messages) == 2, what="the welcome e-mails")
        convened = harness.event(AssemblyConvened(
            assembly_id="as-1", kind="general", title="AG 2026", electorate_size=3,
            member_ids=["el-1", "el-2", "el-unknown"], convened_at=datetime(2026, 5, 1, tzinfo=UTC),
            convocation_day=date(2026, 5, 1), opens_at=datetime(2026, 6, 1, 8, tzinfo=UTC),
            closes_at=datetime(2026, 6, 8, 18, tzinfo=UTC),
            agenda=[AgendaItem(resolution_id="r-1", number=1, text="Comptes 2025", majority="simple", quorum="0",
                               ballot="open")]))
        await harness.publish(app, convened)
        await harness.wait_until(lambda: len(harness.smtp.recorder.messages) == 4, what="two convocations")
        await harness.wait_until(lambda: _settled(app, convened.id), what="the event handled")

        [fr] = [m for m in harness.smtp.recorder.to("el1@example.be") if "AG 2026" in m["Subject"]]
        [nl] = [m for m in harness.smtp.recorder.to("el2@example.be") if "AG 2026" in m["Subject"]]
        assert fr["Subject"] == "Convocation : AG 2026" and nl["Subject"] == "Oproeping: AG 2026"
        assert "1er juin 2026 à 10:00" in fr.get_body(("plain",)).get_content()  # Brussels time
        [invitation] = list(fr.iter_attachments())
        assert invitation.get_filename() == "assembly.ics" and invitation.get_content_type() == "text/calendar"
        calendar = invitation.get_content()
        calendar = calendar.decode() if isinstance(calendar, bytes) else calendar
        assert "DTSTART:20260601T080000Z" in calendar and "SUMMARY:AG 2026" in calendar

        for member in ("el-1", "el-2", "el-unknown"):
            [entry] = [e for e in await _inbox(client, harness.person(member))
                       if e["event_type"] == "governance.assembly.convened.v1"]
            assert entry["critical"] is True
        # Someone the directory does not know still gets the inbox entry; the e-mail is parked, visibly.
        unknown = await app.state.runtime.db.email_deliveries.find_one({"member_id": "el-unknown"})
        assert unknown["status"] == "failed" and "address" in unknown["last_error"]


async def test_co_managers_advisor_and_client_of_a_formal_notice(harness) -> None:
    app = harness.app()
    owner, partner_in_activity = harness.person("own-1"), harness.person("co-1")
    async with harness.started(app) as client:
        for member_id, language in (("own-1", "fr"), ("co-1", "en"), ("adv-1", "nl")):
            await harness.publish(app, harness.registered(member_id, language=language,
                                                          email_address=f"{member_id}@example.be"))
        await harness.publish(app, harness.event(ActivityOpened(
            activity_id="act-9", name="Atelier", sector="crafts", owner_id="own-1", co_manager_ids=["co-1"],
            kind="collective", status="open", opened_at=datetime(2026, 1, 1, tzinfo=UTC))))
        await harness.publish(app, harness.event(AdvisorAssigned(member_id="own-1", advisor_id="adv-1")))
        # The owner opted out of everything about reminders; a formal notice still reaches the inbox.
        await client.put("/api/v1/preferences", headers=owner, json={"preferences": [
            {"event_type": "invoicing.invoice.reminder_sent.v1", "inbox": False, "email": False}]})
        await harness.wait_until(lambda: len(harness.smtp.recorder.messages) == 3, what="the welcome e-mails")
        activity_ready = app.state.runtime.db.directory_activities

        async def ready() -> bool:
            members = app.state.runtime.db.directory_members
            return (await activity_ready.count_documents({}) == 1
                    and await members.count_documents({"advisor_id": "adv-1"}) == 1)

        await harness.wait_until(ready, what="the directory")

        paid = harness.event(InvoicePaid(invoice_id="inv-1", number="2026-000007", activity_id="act-9",
                                         member_id="own-1", paid_on=date(2026, 3, 2)))
        notice = harness.event(ReminderSent(invoice_id="inv-1", number="2026-000007", activity_id="act-9",
                                            member_id="own-1", level="formal_notice",
                                            client_email="client@example.be",
                                            outstanding_incl_vat=Decimal("605.00")))
        # The letter itself reaches the client as a document sending (no files here: the text alone).
        letter = harness.event(DocumentSendRequested(
            sending_id="s-1", document_kind="reminder", document_id="inv-1", number="2026-000007",
            activity_id="act-9", activity_name="Atelier", member_id="own-1", client_name="Client",
            client_email="client@example.be", client_language="", amount=Decimal("605.00"), level="formal_notice",
            structured_communication="+++090/9337/55493+++", member_path="/app/invoices/inv-1"))
        await harness.publish(app, paid)
        await harness.publish(app, notice)
        await harness.publish(app, letter)
        await harness.wait_until(lambda: _settled(app, notice.id), what="the notice handled")
        await harness.wait_until(lambda: _settled(app, letter.id), what="the letter handled")
        await harness.wait_until(lambda: _settled(app, paid.id), what="the payment handled")
        await harness.wait_until(lambda: len(harness.smtp.recorder.messages) == 3 + 2 + 3, what="all e-mails")
        await asyncio.sleep(0.2)

        recorder = harness.smtp.recorder
        # Invoice paid: the owner once (named twice: owner and manager) and the co-manager, in their languages.
        assert [m["Subject"] for m in recorder.to("own-1@example.be")][1:] == ["Facture 2026-000007 payée"]
        # Two e-mails of one invoice leave through concurrent senders: their order at the relay is not kept.
        assert sorted(m["Subject"] for m in recorder.to("co-1@example.be")[1:]) == sorted([
            "Invoice 2026-000007 paid", "Formal notice sent for invoice 2026-000007"])
        assert [m["Subject"] for m in recorder.to("adv-1@example.be")][1:] == [
            "Ingebrekestelling verstuurd voor factuur 2026-000007"]
        [to_client] = recorder.to("client@example.be")
        # No language known: French; from the cooperative, naming the member's activity.
        assert to_client["Subject"] == "Mise en demeure : facture 2026-000007 – Atelier"
        assert "Atelier" in to_client["From"]
        assert "605,00 €" in to_client.get_body(("plain",)).get_content()
        assert "préférences" not in to_client.get_body(("plain",)).get_content()  # not a member

        # The two events of one invoice are handled by concurrent consumers: the inbox
        # holds both (newest first), in the order they were handled.
        owner_inbox = await _inbox(client, owner)
        assert sorted((e["event_type"], e["critical"]) for e in owner_inbox[:2]) == [
            ("invoicing.invoice.paid.v1", False), ("invoicing.invoice.reminder_sent.v1", True)]
        partner = [e["event_type"] for e in await _inbox(client, partner_in_activity)]
        assert sorted(partner[:2]) == ["invoicing.invoice.paid.v1", "invoicing.invoice.reminder_sent.v1"]
        assert partner[2:] == ["members.member.registered.v1"]


async def test_a_document_for_a_client_without_an_address_is_parked_and_its_sender_told(harness) -> None:
    app = harness.app()
    async with harness.started(app) as client:
        await harness.publish(app, harness.registered("own-2", language="en", email_address="own-2@example.be"))
        await harness.wait_until(lambda: len(harness.smtp.recorder.messages) == 1, what="the welcome e-mail")
        sending = harness.event(DocumentSendRequested(
            sending_id="s-no-address", document_kind="invoice", document_id="inv-2", number="2026-000008",
            activity_id="act-2", activity_name="Studio", member_id="own-2", client_name="Walk-in client",
            client_email=None, client_language="nl", amount=Decimal("121.00"),
            member_path="/app/invoices/inv-2"))
        await harness.publish(app, sending)
        await harness.wait_until(lambda: _settled(app, sending.id), what="the sending handled")

        db = app.state.runtime.db
        delivery = await db.email_deliveries.find_one({"sending_id": "s-no-address"})
        assert delivery["status"] == "failed" and "address" in delivery["last_error"]
        # Invoicing hears at once that nothing can be sent (the invoice shows it parked), not "queued" for ever.
        [told] = [json.loads(doc["body"]) async for doc in db.outbox.find({"type": SendingStatusChanged.event_type})]
        assert (told["data"]["sending_id"], told["data"]["status"]) == ("s-no-address", "parked")
        [entry] = [e for e in await _inbox(client, harness.person("own-2"))
                   if e["event_type"] == SendingStatusChanged.event_type]
        assert entry["critical"] is True and "2026-000008" in entry["title"]
        assert entry["link"].endswith("/app/invoices/inv-2")
        assert len(harness.smtp.recorder.messages) == 1  # nothing went out

        # An operator sends it again before the address is known: it is parked again, not left "sending".
        admin = harness.person("admin-1", Role.ADMIN)
        retried = await client.post(f"/api/v1/admin/email-deliveries/{delivery['_id']}/retry", headers=admin)
        assert retried.status_code == 200, retried.text

        async def parked_again() -> bool:
            doc = await db.email_deliveries.find_one({"_id": delivery["_id"]})
            return doc["status"] == "failed" and doc.get("retries") == 1

        await harness.wait_until(parked_again, what="the second parking")
        statuses = [json.loads(doc["body"])["data"]["status"]
                    async for doc in db.outbox.find({"type": SendingStatusChanged.event_type})]
        assert statuses == ["parked", "parked"]
        entries = [e for e in await _inbox(client, harness.person("own-2"))
                   if e["event_type"] == SendingStatusChanged.event_type]
        assert len(entries) == 2  # told each time


async def test_the_directory_follows_updates_in_order_and_forgets_erased_members(harness) -> None:
    app = harness.app()
    member = harness.person("m-dir")
    async with harness.started(app) as client:
        registered = harness.registered("m-dir", language="fr", email_address="old@example.be")
        updated = harness.event(MemberUpdated(member_id="m-dir", email="new@example.be", full_name="Ada L.",
                                              language="nl", changed=["email", "language"]))
        # The update overtakes the registration: the older event must not undo it.
        late_registration = Envelope(**{**registered.model_dump(), "time": updated.time - timedelta(seconds=5)})
        await harness.publish(app, updated)
        await harness.publish(app, late_registration)
        await harness.wait_until(lambda: _settled(app, late_registration.id), what="the registration handled")
        person = await app.state.runtime.db.directory_members.find_one({"_id": "m-dir"})
        assert (person["email"], person["language"], person["full_name"]) == ("new@example.be", "nl", "Ada L.")
        # Whatever order they were handled in, what comes next uses the newest address and language.
        salary = harness.event(harness.salary_paid("m-dir"))
        await harness.publish(app, salary)
        await harness.wait_until(lambda: len(harness.smtp.to_subject("Uw loon is betaald")) == 1, what="the e-mail")
        [paid] = harness.smtp.to_subject("Uw loon is betaald")
        assert paid["To"].addresses[0].addr_spec == "new@example.be"
        sent_before_erasure = len(harness.smtp.recorder.messages)

        await client.put("/api/v1/preferences", headers=member, json={"preferences": [
            {"event_type": "payroll.salary.paid.v1", "email": False}]})
        erased = harness.event(MemberErased(member_id="m-dir", erased_at=datetime.now(UTC)))
        await harness.publish(app, erased)
        await harness.wait_until(lambda: _settled_projection(app), what="the erasure")

        db = app.state.runtime.db
        assert await _inbox(client, member) == []
        assert await db.preferences.count_documents({}) == 0
        person = await db.directory_members.find_one({"_id": "m-dir"})
        assert person["erased"] is True and person["email"] is None and person["full_name"] is None
        async for delivery in db.email_deliveries.find({"member_id": "m-dir"}):
            assert delivery["to_address"] is None and delivery["text"] == ""
        # Nothing more is sent to them; a late copy of an old event does not bring them back.
        await harness.publish(app, harness.event(harness.salary_paid("m-dir")))
        replayed = Envelope(**{**late_registration.model_dump(), "id": "replayed-from-a-dead-letter-queue"})
        await harness.publish(app, replayed)
        await asyncio.sleep(0.5)
        assert await _inbox(client, member) == []
        assert len(harness.smtp.recorder.messages) == sent_before_erasure
        assert (await db.directory_members.find_one({"_id": "m-dir"}))["erased"] is True


async def _settled_projection(app) -> bool:  # type: ignore[no-untyped-def]
    # The erasure's last step scrubs the e-mails sent: wait for it, not only for the directory.
    db = app.state.runtime.db
    person = await db.directory_members.find_one({"_id": "m-dir"})
    addressed = await db.email_deliveries.count_documents({"member_id": "m-dir", "to_address": {"$ne": None}})
    return bool(person and person.get("erased")) and addressed == 0
