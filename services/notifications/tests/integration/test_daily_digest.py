"""The daily digest: members who chose it get their unread, non-critical
notifications in one e-mail a day (critical ones still at once), once per day
even when the job runs many times on two replicas."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack

from coop_shared.jobs import JobBusy


async def test_a_member_who_chose_the_digest_gets_one_email_a_day(harness) -> None:  # type: ignore[no-untyped-def]
    apps = [harness.app(jobs_enabled=False) for _ in range(2)]
    member = harness.person("m-digest")
    async with AsyncExitStack() as stack:
        first, _ = [await stack.enter_async_context(harness.started(app)) for app in apps]
        app = apps[0]
        await harness.publish(app, harness.registered("m-digest", language="en", email_address="dig@example.be"))
        await harness.wait_until(lambda: len(harness.smtp.recorder.to("dig@example.be")) == 1, what="welcome")

        chosen = await first.put("/api/v1/preferences/digest", headers=member, json={"daily": True})
        assert chosen.status_code == 200 and chosen.json()["daily_digest"] is True
        assert (await first.get("/api/v1/preferences", headers=member)).json()["daily_digest"] is True
        refused = await first.put("/api/v1/preferences/digest", headers=member, json={"daily": "often"})
        assert refused.status_code == 422

        await harness.publish(app, harness.event(harness.salary_paid("m-digest"), subject="m-digest"))
        await harness.publish(app, harness.event(harness.payslip_issued("m-digest"), subject="m-digest"))

        async def inbox_size() -> bool:
            items = (await first.get("/api/v1/inbox", headers=member)).json()["items"]
            return len(items) == 3  # welcome, salary paid, payslip

        await harness.wait_until(inbox_size, what="three inbox entries")
        await harness.wait_until(lambda: len(harness.smtp.recorder.to("dig@example.be")) == 2, what="payslip mail")
        await asyncio.sleep(0.3)
        subjects = [m["Subject"] for m in harness.smtp.recorder.to("dig@example.be")]
        assert "Your salary has been paid" not in subjects  # non-critical: kept for the digest

        async def run(a: object) -> None:
            try:
                await a.state.runtime.scheduler.run_now("daily-digest")  # type: ignore[attr-defined]
            except JobBusy:
                pass  # the other replica is running it

        await asyncio.gather(*(run(a) for a in apps for _ in range(3)))
        await harness.wait_until(lambda: len(harness.smtp.recorder.to("dig@example.be")) == 3, what="the digest")
        await asyncio.sleep(0.5)  # every chance for a second digest to show up
        await asyncio.gather(*(run(a) for a in apps))
        await asyncio.sleep(0.3)
        mails = harness.smtp.recorder.to("dig@example.be")
        digests = [m for m in mails if m["Subject"].startswith("Your day at the cooperative")]
        assert len(mails) == 3 and len(digests) == 1
        # The salary only: the welcome came before the choice, the payslip is critical (sent at once).
        assert digests[0]["Subject"] == "Your day at the cooperative: 1 notification"
        text = digests[0].get_body(("plain",)).get_content()
        assert "Your salary has been paid" in text and "/inbox" in text
        [state] = [s for s in await app.state.runtime.scheduler.states() if s["name"] == "daily-digest"]
        assert state["last_outcome"] == "ok" and state["schedule"] == "daily at 18:00"
