"""Events become inbox entries and e-mails, received by a real SMTP server."""

from __future__ import annotations

import asyncio

from coop_shared.auth.principal import Role


async def test_an_event_delivered_twice_gives_one_inbox_entry_and_one_email(harness) -> None:
    app = harness.app()
    envelope = harness.registered("m-twice", language="en", email_address="ada@example.be")
    async with harness.started(app) as client:
        await harness.publish(app, envelope)
        await harness.publish(app, envelope)  # the broker may deliver any event twice
        await harness.wait_until(lambda: len(harness.smtp.recorder.messages) >= 1, what="the e-mail")
        db = app.state.runtime.db
        await harness.wait_until(
            lambda: _processed(db, envelope.id, 1), what="both deliveries handled")
        await asyncio.sleep(0.5)  # every chance for a second e-mail to show up

        assert len(harness.smtp.recorder.messages) == 1
        message = harness.smtp.recorder.messages[0]
        assert message["To"] == "Ada Lovelace <ada@example.be>"
        assert message["Subject"] == "Welcome to the cooperative"
        assert message["From"] == "Coop <no-reply@coop.test>"
        # Plain text and HTML alternatives.
        assert message.get_body(("plain",)) is not None and message.get_body(("html",)) is not None
        inbox = (await client.get("/api/v1/inbox", headers=harness.person("m-twice"))).json()["items"]
        assert len(inbox) == 1 and inbox[0]["title"] == "Welcome to the cooperative"
        deliveries = await db.email_deliveries.find({"event_id": envelope.id}).to_list()
        assert [d["status"] for d in deliveries] == ["sent"]
        assert (await db.email_deliveries.index_information())["email_once_per_event_recipient"]["unique"]


async def _processed(db, event_id: str, count: int) -> bool:  # type: ignore[no-untyped-def]
    return await db.processed_events.count_documents({"event_id": event_id}) >= count


async def test_the_email_speaks_the_members_language(harness) -> None:
    app = harness.app()
    expected = {
        "fr": ("Bienvenue dans la coopérative", "Votre inscription à la coopérative est enregistrée"),
        "nl": ("Welkom bij de coöperatie", "Uw inschrijving bij de coöperatie is geregistreerd"),
        "en": ("Welcome to the cooperative", "Your registration with the cooperative is recorded"),
    }
    async with harness.started(app):
        for language in expected:
            await harness.publish(app, harness.registered(f"m-{language}", language=language,
                                                          email_address=f"{language}@example.be"))
        await harness.wait_until(lambda: len(harness.smtp.recorder.messages) == 3, what="three e-mails")
    for language, (subject, sentence) in expected.items():
        [message] = harness.smtp.recorder.to(f"{language}@example.be")
        assert message["Subject"] == subject
        assert message["Content-Language"] == language
        assert sentence in message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        assert f'<html lang="{language}">' in html and sentence in html


async def test_an_email_opt_out_is_respected_and_other_types_still_arrive(harness) -> None:
    app = harness.app()
    member = harness.person("m-optout")
    async with harness.started(app) as client:
        response = await client.put("/api/v1/preferences", headers=member, json={"preferences": [
            {"event_type": "payroll.salary.paid.v1", "inbox": True, "email": False},
        ]})
        assert response.status_code == 200, response.text
        by_type = {p["event_type"]: p for p in response.json()["preferences"]}
        assert by_type["payroll.salary.paid.v1"]["email"] is False
        assert by_type["members.member.registered.v1"]["email"] is True

        await harness.publish(app, harness.registered("m-optout", email_address="optout@example.be"))
        await harness.wait_until(lambda: len(harness.smtp.recorder.messages) == 1, what="the welcome e-mail")
        salary = harness.event(harness.salary_paid("m-optout"))
        await harness.publish(app, salary)
        await harness.wait_until(lambda: _inbox_size(client, member, 2), what="the salary in the inbox")
        await asyncio.sleep(0.3)

        assert [m["Subject"] for m in harness.smtp.recorder.messages] == ["Bienvenue dans la coopérative"]
        items = (await client.get("/api/v1/inbox", headers=member)).json()["items"]
        assert items[0]["event_type"] == "payroll.salary.paid.v1"
        assert "2\u202f150,40 €" in items[0]["body"]
        assert await app.state.runtime.db.email_deliveries.count_documents({"event_id": salary.id}) == 0


async def _inbox_size(client, headers, size: int) -> bool:  # type: ignore[no-untyped-def]
    response = await client.get("/api/v1/inbox", headers=headers)
    return len(response.json()["items"]) >= size


async def test_a_critical_notification_reaches_the_inbox_despite_the_opt_out(harness) -> None:
    app = harness.app()
    member = harness.person("m-critical")
    async with harness.started(app) as client:
        opt_out_everything = {"preferences": [
            {"event_type": "payroll.payslip.issued.v1", "inbox": False, "email": False},
            {"event_type": "payroll.salary.paid.v1", "inbox": False, "email": False},
        ]}
        response = await client.put("/api/v1/preferences", headers=member, json=opt_out_everything)
        assert response.status_code == 200
        payslip_view = next(p for p in response.json()["preferences"]
                            if p["event_type"] == "payroll.payslip.issued.v1")
        assert payslip_view["critical"] is True and payslip_view["inbox"] is False

        await harness.publish(app, harness.event(harness.salary_paid("m-critical")))
        payslip = harness.event(harness.payslip_issued("m-critical"))
        await harness.publish(app, payslip)
        await harness.wait_until(lambda: _inbox_size(client, member, 1), what="the payslip in the inbox")
        await asyncio.sleep(0.3)

        items = (await client.get("/api/v1/inbox", headers=member)).json()["items"]
        assert [(i["event_type"], i["critical"]) for i in items] == [("payroll.payslip.issued.v1", True)]
        assert items[0]["title"] == "Votre fiche de paie est disponible"
        assert harness.smtp.recorder.messages == []  # the e-mail opt-out still holds


async def test_failing_smtp_is_retried_then_parked_and_visible_to_admins(harness) -> None:
    harness.smtp.recorder.refuse_with = "451 4.3.0 Try again later"
    app = harness.app(email_max_attempts=3)
    admin = harness.person("admin-1", Role.ADMIN)
    async with harness.started(app) as client:
        await harness.publish(app, harness.registered("m-smtp", email_address="smtp@example.be"))

        async def parked() -> bool:
            response = await client.get("/api/v1/admin/email-deliveries", params={"status": "failed"},
                                        headers=admin)
            return len(response.json()["items"]) == 1

        await harness.wait_until(parked, what="the parked e-mail")
        [failed] = (await client.get("/api/v1/admin/email-deliveries", params={"status": "failed"},
                                     headers=admin)).json()["items"]
        assert failed["attempts"] == 3 and harness.smtp.recorder.attempts == 3
        assert "451" in failed["last_error"] and failed["to_address"] == "smtp@example.be"

        # Members cannot see the operators' view; a bad status is a 422 naming it.
        member = await client.get("/api/v1/admin/email-deliveries", headers=harness.person("m-smtp"))
        assert member.status_code == 403
        bad = await client.get("/api/v1/admin/email-deliveries", params={"status": "lost"}, headers=admin)
        assert bad.status_code == 422 and bad.json()["error"]["field"] == "status"

        # Once the relay is fixed, an operator sends it again.
        harness.smtp.recorder.refuse_with = None
        retried = await client.post(f"/api/v1/admin/email-deliveries/{failed['id']}/retry", headers=admin)
        assert retried.status_code == 200 and retried.json()["status"] == "pending"
        await harness.wait_until(lambda: len(harness.smtp.recorder.messages) == 1, what="the resent e-mail")
        again = await client.post(f"/api/v1/admin/email-deliveries/{failed['id']}/retry", headers=admin)
        assert again.status_code == 409


async def test_a_permanent_refusal_is_parked_without_retrying(harness) -> None:
    harness.smtp.recorder.refuse_with = "550 5.1.1 No such mailbox"
    app = harness.app(email_max_attempts=5)
    async with harness.started(app):
        await harness.publish(app, harness.registered("m-550", email_address="nobody@example.be"))
        db = app.state.runtime.db
        await harness.wait_until(lambda: _status(db, "failed"), what="the parked e-mail")
        assert harness.smtp.recorder.attempts == 1


async def _status(db, status: str) -> bool:  # type: ignore[no-untyped-def]
    return await db.email_deliveries.count_documents({"status": status}) == 1
