"""An event becomes notifications: inbox entries, e-mails to send and
webhook deliveries, all written in one transaction with the "event applied"
marker, so a redelivered event changes nothing."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from coop_shared.messaging.envelope import Envelope
from coop_shared.observability.logging import get_logger
from coop_shared.persistence.idempotency import apply_once
from notifications.adapters.rendering import RenderedMessage
from notifications.domain.attachments import BUILDERS
from notifications.domain.catalogue import DOCUMENT_SEND_REQUESTED, NotificationRule, concerns, minimised, rule_for
from notifications.domain.directory import DirectoryChange, Erasure, directory_changes
from notifications.domain.languages import normalise_language
from notifications.domain.preferences import Channel, Preferences, channels_for
from notifications.domain.recipients import (
    ActivityRef,
    AddressRef,
    AdvisorRef,
    MemberRef,
    Recipient,
    Reference,
    references,
    unique,
)
from notifications.service_layer.context import Context
from notifications.service_layer.sending_outcomes import report

log = get_logger("notify")

APPLIED_MARKER = "notifications.deliver"
NO_ADDRESS = "no known e-mail address for this recipient"


@dataclass
class Plan:
    inbox: list[dict[str, Any]] = field(default_factory=list)
    emails: list[dict[str, Any]] = field(default_factory=list)
    webhooks: list[dict[str, Any]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.inbox or self.emails or self.webhooks)


def read_payload(ctx: Context, envelope: Envelope) -> dict[str, Any]:
    """The event's data, validated by its contract (a ValidationError sends the
    event to the dead-letter queue). Every type the consumer hands here has a
    published contract (``handled_event_types``; the catalogue's unit test checks it)."""
    model = envelope.payload(ctx.contracts[envelope.type].model)
    return {**envelope.data, **model.model_dump(mode="json")}


async def handle_event(ctx: Context, envelope: Envelope) -> bool:
    """Returns False when there was nothing to do or the event was already applied."""
    payload = read_payload(ctx, envelope)
    for change in directory_changes(envelope.type, payload):
        if isinstance(change, DirectoryChange):
            await ctx.directory.upsert(change, as_of=envelope.time)
        else:
            await erase(ctx, change, as_of=envelope.time)
    plan = Plan()
    rule = rule_for(envelope.type)
    if rule is not None and rule.notifies_people:
        await _plan_people(ctx, rule, envelope, payload, plan)
    await _plan_webhooks(ctx, envelope, plan)
    if not plan:
        return False

    async def effect(session: AsyncClientSession) -> None:
        await ctx.inbox.add_many(plan.inbox, session)
        await ctx.emails.add_many(plan.emails, session)
        await ctx.webhook_deliveries.add_many(plan.webhooks, session)
        for email in plan.emails:
            if email["status"] == "failed":  # no address: no attempt can be made
                await report(ctx, email, "parked", 0, email.get("last_error"), session)

    applied = await apply_once(ctx.mongo, ctx.db, handler=APPLIED_MARKER, event_id=envelope.id, effect=effect)
    if applied:
        if plan.emails:
            ctx.email_wakeup.set()
        if plan.webhooks:
            ctx.webhook_wakeup.set()
    return applied


async def erase(ctx: Context, erasure: Erasure, *, as_of: datetime) -> None:
    """GDPR erasure: what this service holds about the person goes; a
    tombstone keeps older events (redelivered later) from bringing it back."""
    member_id = erasure.member_id
    await ctx.directory.upsert(DirectoryChange("member", member_id, "contact", {
        "email": None, "full_name": None, "language": None, "erased": True}), as_of=as_of)
    await ctx.preferences.delete(member_id)
    await ctx.inbox.delete_for(member_id)
    await ctx.emails.scrub_member(member_id, ctx.clock.now())
    log.info("member_erased", member_id=member_id)


async def resolve(ctx: Context, refs: list[Reference]) -> list[Recipient]:
    member_ids: list[str] = []
    external: list[Recipient] = []
    for ref in refs:
        if isinstance(ref, MemberRef):
            member_ids.append(ref.member_id)
        elif isinstance(ref, ActivityRef):
            member_ids.extend(await ctx.directory.activity_managers(ref.activity_id))
        elif isinstance(ref, AdvisorRef):
            advisor = await ctx.directory.advisor_of(ref.member_id)
            if advisor is not None:
                member_ids.append(advisor)
        elif isinstance(ref, AddressRef):
            external.append(Recipient.external(ref.email, ref.name, ref.language))
    known = await ctx.directory.members(member_ids)
    erased = await ctx.directory.erased(member_ids)
    people = []
    for member_id in member_ids:
        if member_id in erased:
            continue  # nothing is sent to a person who asked to be forgotten
        doc = known.get(member_id, {})
        # Unknown to the directory (its registration not seen yet): the inbox
        # still works; the e-mail is recorded as failed for lack of an address.
        people.append(Recipient.member(member_id, doc.get("email"), doc.get("full_name", ""),
                                       doc.get("language", "")))
    return unique([*people, *external])


async def _plan_people(ctx: Context, rule: NotificationRule, envelope: Envelope, payload: dict[str, Any],
                       plan: Plan) -> None:
    recipients = await resolve(ctx, references(rule.recipients, payload))
    if not recipients and rule.event_type == DOCUMENT_SEND_REQUESTED:
        # The client has no e-mail address: the sending is parked at once and
        # its sender told in the inbox, rather than left queued for ever.
        recipients = [Recipient(f"sending:{payload['sending_id']}", None, None, str(payload.get("client_name") or ""),
                                normalise_language(str(payload.get("client_language") or "")))]
    if not recipients:
        log.warning("notification_without_recipient", event_type=envelope.type, event_id=envelope.id)
        return
    preferences = await ctx.preferences.get_many(r.member_id for r in recipients if r.member_id)
    critical = rule.is_critical(payload)
    attachments = _attachments(ctx, rule, payload)
    now = ctx.clock.now()
    for recipient in recipients:
        template = rule.template if recipient.member_id is not None else rule.client_template
        if template is None:
            continue
        chosen = channels_for(rule.event_type, critical, recipient,
                              preferences.get(recipient.member_id or "", Preferences()))
        if not chosen:
            continue
        message = ctx.renderer.render(template, recipient.language, {
            "recipient": {"name": recipient.name, "language": recipient.language,
                          "member": recipient.member_id is not None},
            "event": {"id": envelope.id, "type": envelope.type, "time": envelope.time.isoformat(),
                      "subject": envelope.subject},
            "data": payload,
            # Members' links go to the portal, clients' to their pages (in the payload).
            "app_url": ctx.settings.app_base_url.rstrip("/") + "/app",
            "site_url": ctx.settings.app_base_url.rstrip("/"),
        })
        if Channel.INBOX in chosen and recipient.member_id is not None:
            plan.inbox.append({
                "_id": str(uuid.uuid4()), "recipient_id": recipient.member_id, "event_id": envelope.id,
                "event_type": envelope.type, "kind": rule.kind, "critical": critical,
                "title": message.subject, "body": message.summary, "subject": envelope.subject,
                "link": message.action_url or None, "occurred_at": envelope.time, "created_at": now,
                "read_at": None,
            })
        if Channel.EMAIL in chosen:
            email = _email(rule, envelope, recipient, message, attachments, now)
            if rule.event_type == DOCUMENT_SEND_REQUESTED and recipient.member_id is None:
                email.update(_document_sending(ctx, payload))
            plan.emails.append(email)


def _attachments(ctx: Context, rule: NotificationRule, payload: dict[str, Any]) -> list[dict[str, str]]:
    if rule.attachment is None:
        return []
    domain = ctx.settings.mail_from.rpartition("@")[2].strip(" >") or "coop.localhost"
    built = BUILDERS[rule.attachment](payload, domain=domain)
    return [{"filename": built.filename, "content_type": built.content_type,
             "content": base64.b64encode(built.content).decode()}]


def _document_sending(ctx: Context, payload: dict[str, Any]) -> dict[str, Any]:
    """What a document e-mail to a client carries besides its text: the files to
    fetch when it is sent, and whom to tell what became of it."""
    activity = payload.get("activity_name") or ""
    return {
        "sending_id": payload["sending_id"], "on_behalf_of": payload.get("member_id"),
        "from_name": f"{ctx.settings.mail_from_name} – {activity}" if activity else ctx.settings.mail_from_name,
        "document": {"id": payload.get("document_id"), "kind": payload.get("document_kind"),
                     "number": payload.get("number"), "member_path": payload.get("member_path")},
        "documents": [{"filename": f["filename"], "content_type": f["content_type"], "path": f["path"],
                       "sha256": f.get("sha256")} for f in payload.get("files") or []],
    }


def _email(rule: NotificationRule, envelope: Envelope, recipient: Recipient, message: RenderedMessage,
           attachments: list[dict[str, str]], now: datetime) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "_id": str(uuid.uuid4()), "event_id": envelope.id, "event_type": envelope.type, "kind": rule.kind,
        "recipient_key": recipient.key, "channel": Channel.EMAIL.value, "member_id": recipient.member_id,
        "to_address": recipient.email, "to_name": recipient.name, "language": message.language,
        "subject": message.subject, "text": message.text, "html": message.html, "attachments": attachments,
        "status": "pending", "attempts": 0, "next_attempt_at": now, "created_at": now, "updated_at": now,
    }
    if not recipient.email:
        doc.update(status="failed", last_error=NO_ADDRESS, failed_at=now)
    return doc


async def _plan_webhooks(ctx: Context, envelope: Envelope, plan: Plan) -> None:
    endpoints = await ctx.endpoints.subscribed_to(envelope.type)
    if not endpoints:
        return
    now = ctx.clock.now()
    bodies: dict[frozenset[str], str] = {}
    for endpoint in endpoints:
        bound = endpoint.get("activities")
        if bound is not None and not concerns(envelope.data, frozenset(bound)):
            continue
        # Members' personal data only to partners who may read members; the
        # body is fixed here, byte for byte the same on every retry.
        scopes = endpoint_scopes(endpoint)
        if scopes not in bodies:
            bodies[scopes] = envelope.model_copy(update={"data": minimised(envelope.data, scopes)}).to_json().decode()
        plan.webhooks.append(webhook_delivery(endpoint, envelope.id, envelope.type, bodies[scopes], now))


def endpoint_scopes(endpoint: dict[str, Any]) -> frozenset[str]:
    return frozenset(endpoint.get("scopes") or ())


def webhook_delivery(endpoint: dict[str, Any], event_id: str, event_type: str, body: str,
                     now: datetime) -> dict[str, Any]:
    return {
        "_id": str(uuid.uuid4()), "endpoint_id": endpoint["_id"], "owner_id": endpoint["owner_id"],
        "event_id": event_id, "event_type": event_type, "body": body,
        "status": "pending", "attempts": 0, "attempt_log": [], "next_attempt_at": now,
        "created_at": now, "updated_at": now,
    }
