"""Quotes: drafted by a member, sent to the client with a link that needs no
login, answered there (accept / ask for changes / reject), and, once
accepted, locked and turned into a draft invoice.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

from pymongo.asynchronous.client_session import AsyncClientSession
from starlette.concurrency import run_in_threadpool

from coop_shared.auth.principal import Principal
from coop_shared.contracts.invoicing import DocumentSendRequested, QuoteAnswered, QuoteSent
from coop_shared.errors import Conflict, Gone, NotFound
from coop_shared.persistence.mongo import Document
from invoicing.adapters.document_store import FileStore, StoredFile
from invoicing.adapters.documents.from_invoice import quote_document
from invoicing.adapters.documents.pdf import render_quote_pdf
from invoicing.adapters.repositories import ClientCopy, StaleVersion
from invoicing.domain.lines import LineInput
from invoicing.domain.quote import Quote, QuoteStatus
from invoicing.domain.quote_links import new_token, token_hash
from invoicing.service_layer.clients import ClientService, activity_not_found
from invoicing.service_layer.context import Context
from invoicing.service_layer.drafting import carried_lines, lines_for, regime_for
from invoicing.service_layer.sendings import Sendings, file_refs, new_sending_id

Answer = Literal["accepted", "changes_requested", "rejected"]


def quote_not_found() -> NotFound:
    return NotFound("quote_not_found", "No such quote.", "quote_id")


def _link_invalid() -> NotFound:
    return NotFound("quote_link_invalid", "This link does not open any quote.", "token")


def _stale() -> Conflict:
    return Conflict("quote.concurrent_update", "The quote changed meanwhile; read it again.")


@dataclass
class QuoteService:
    ctx: Context
    clients: ClientService

    # -- member side ---------------------------------------------------------------

    async def create(self, principal: Principal, activity_id: str, client_id: str, valid_until: date,
                     items: Sequence[LineInput], exemption_reference: str | None) -> Document:
        activity = await self.ctx.access.require_manager(principal, activity_id, activity_not_found())
        client = await self.clients.for_document(principal, client_id, activity_id)
        quote = self._build(str(uuid.uuid4()), activity_id, client, valid_until, items, exemption_reference)
        now = self.ctx.clock.now()
        return await self.ctx.quotes.add(quote, {
            "activity_name": activity.name, "client_id": client_id, "client": client.snapshot,
            "exemption_reference": exemption_reference, "created_at": now, "updated_at": now,
            "created_by": principal.id})

    def _build(self, quote_id: str, activity_id: str, client: ClientCopy, valid_until: date,
               items: Sequence[LineInput], exemption_reference: str | None) -> Quote:
        regime = regime_for(client, exemption_reference)
        lines = lines_for(items, regime, self.ctx.clock.today(), self.ctx.settings.vat_rate_table())
        return Quote(quote_id=quote_id, activity_id=activity_id, client=client.client, regime=regime,
                     valid_until=valid_until, lines=lines)

    async def get(self, principal: Principal, quote_id: str) -> Document:
        doc = await self.ctx.quotes.get(quote_id)
        if doc is None:
            raise quote_not_found()
        await self.ctx.access.require_view(principal, doc["activity_id"], quote_not_found())
        return doc

    async def list(self, principal: Principal, activity_id: str | None, status: str | None, limit: int,
                   cursor: str | None) -> tuple[list[Document], str | None]:
        scope = await self.ctx.access.list_scope(principal, activity_id)
        if scope is None:
            return [], None
        return await self.ctx.quotes.page_of(scope.activity_ids, limit, cursor, status=status)

    async def _visible(self, principal: Principal, quote_id: str) -> tuple[Quote, Document]:
        found = await self.ctx.quotes.with_document(quote_id)
        if found is None:
            raise quote_not_found()
        await self.ctx.access.require_view(principal, found[1]["activity_id"], quote_not_found())
        return found

    async def update(self, principal: Principal, quote_id: str, changes: Document) -> Document:
        quote, current = await self._visible(principal, quote_id)
        await self.ctx.access.require_manager(principal, current["activity_id"], quote_not_found())
        if quote.status is QuoteStatus.CHANGES_REQUESTED:
            quote.revise()  # editing after the client asked for changes reopens the draft
        quote.replace_lines(quote.lines)  # raises quote.locked / quote.not_editable unless a draft
        client = ClientCopy(quote.client, current["client"])
        if "client_id" in changes and changes["client_id"] != current["client_id"]:
            client = await self.clients.for_document(principal, changes["client_id"], current["activity_id"])
        exemption = changes.get("exemption_reference", current.get("exemption_reference"))
        items = carried_lines(changes.get("lines"), quote.lines, quote.regime, regime_for(client, exemption))
        rebuilt = self._build(quote.id, quote.activity_id, client, changes.get("valid_until", quote.valid_until),
                              items, exemption)
        rebuilt.client_comment = quote.client_comment  # what the client asked stays readable
        rebuilt.version = quote.version  # the revision replaces the quote as it was read
        fields = {"client_id": client.id, "client": client.snapshot, "exemption_reference": exemption,
                  "updated_at": self.ctx.clock.now()}
        try:
            # A revised quote is a new proposal: the old link stops working.
            return await self.ctx.quotes.save(rebuilt, fields, unset=("token_hash", "token_expires_at"))
        except StaleVersion as exc:
            raise _stale() from exc

    def _link_expiry(self, valid_until: date) -> datetime:
        last_day = valid_until + timedelta(days=self.ctx.settings.quote_link_grace_days + 1)
        return datetime.combine(last_day, time(0), tzinfo=self.ctx.clock.zone)

    async def send(self, principal: Principal, quote_id: str) -> tuple[Document, str]:
        """Send to the client; returns the quote and the link token, shown this once."""
        current = await self.get(principal, quote_id)
        activity = await self.ctx.access.require_invoicing_rights(principal, current["activity_id"],
                                                                  quote_not_found(), self.ctx.clock.today())
        token = new_token()
        sendings = Sendings(self.ctx)

        async def work(session: AsyncClientSession) -> Document:
            found = await self.ctx.quotes.with_document(quote_id, session)
            if found is None:
                raise quote_not_found()
            quote, doc = found
            quote.send(self.ctx.clock.today())
            totals = quote.totals
            saved = await self.ctx.quotes.save(quote, {
                "token_hash": token_hash(token), "token_expires_at": self._link_expiry(quote.valid_until),
                "sent_by": principal.id, "activity_name": activity.name, "updated_at": self.ctx.clock.now()}, session)
            event = QuoteSent(quote_id=quote_id, activity_id=quote.activity_id, member_id=activity.owner_id,
                              client_name=quote.client.name, client_email=quote.client.email,
                              total_incl_vat=totals.total_incl_vat, valid_until=quote.valid_until)
            await self.ctx.runtime.outbox.add([self.ctx.runtime.event(event, subject=quote_id)], session=session)
            pdf = await self._pdf(saved)
            request = DocumentSendRequested(
                sending_id=new_sending_id(), document_kind="quote", document_id=quote_id,
                activity_id=quote.activity_id, activity_name=activity.name, member_id=activity.owner_id,
                client_name=quote.client.name, client_email=quote.client.email,
                client_language=doc["client"].get("language", "fr"), amount=totals.total_incl_vat,
                valid_until=quote.valid_until, client_link=sendings.public_url(f"/client/quotes/{token}"),
                member_path=f"/app/quotes/{quote_id}", files=file_refs([pdf]))
            await sendings.record(request, quote_id, principal.id, session)
            return saved

        try:
            saved: Document = await self.ctx.runtime.commit(work)
        except StaleVersion as exc:
            raise _stale() from exc
        return saved, token

    async def _pdf(self, doc: Document) -> StoredFile:
        """The quote as sent (one file per sending of a version: a revised quote is a new proposal)."""
        document = quote_document(doc, self.ctx.seller, self.ctx.clock.today())
        content = await run_in_threadpool(render_quote_pdf, document, date.fromisoformat(doc["valid_until"]))
        return await FileStore(self.ctx.runtime.db).keep(doc["_id"], f"quote-v{doc['version']}",
                                                         f"{document.number}.pdf", "application/pdf", content)

    async def renew_link(self, principal: Principal, quote_id: str) -> tuple[Document, str]:
        """A new link for a sent quote (the member lost it); the old one stops working."""
        current = await self.get(principal, quote_id)
        await self.ctx.access.require_manager(principal, current["activity_id"], quote_not_found())
        if current["status"] != QuoteStatus.SENT.value:
            raise Conflict("quote.not_sent", "Only a sent, unanswered quote gets a new link.", "status")
        token = new_token()
        update = {"token_hash": token_hash(token), "token_expires_at": self._link_expiry(
            date.fromisoformat(current["valid_until"])), "updated_at": self.ctx.clock.now()}
        try:
            saved = await self.ctx.quotes.update(quote_id, current["version"], update)
        except StaleVersion as exc:
            raise _stale() from exc
        return saved, token

    async def revoke_link(self, principal: Principal, quote_id: str) -> Document:
        """The client's link stops working at once (sent to a wrong address, say); the quote is unchanged."""
        current = await self.get(principal, quote_id)
        await self.ctx.access.require_manager(principal, current["activity_id"], quote_not_found())
        try:
            return await self.ctx.quotes.update(quote_id, current["version"], {"updated_at": self.ctx.clock.now()},
                                                unset=("token_hash", "token_expires_at"))
        except StaleVersion as exc:
            raise _stale() from exc

    # -- client side (public link) -------------------------------------------------------

    async def by_token(self, token: str) -> Document:
        doc = await self.ctx.quotes.by_token_hash(token_hash(token))
        if doc is None:
            raise _link_invalid()
        if doc["token_expires_at"] <= self.ctx.clock.now():
            raise Gone("quote_link_expired", "This link has expired; ask for a new quote.", "token")
        return doc

    async def answer(self, token: str, answer: Answer, message: str | None) -> Document:
        found = await self.by_token(token)

        async def work(session: AsyncClientSession) -> Document:
            stored = await self.ctx.quotes.with_document(found["_id"], session)
            if stored is None or stored[1].get("token_hash") != found["token_hash"]:
                raise _link_invalid()
            quote, doc = stored
            today = self.ctx.clock.today()
            if answer == "accepted":
                quote.accept(today)
            elif answer == "rejected":
                quote.reject(today, message)
            else:
                quote.request_changes(today, message or "")
            saved = await self.ctx.quotes.save(quote, {"updated_at": self.ctx.clock.now()}, session)
            activity = await self.ctx.read_model.activity(quote.activity_id)
            event = QuoteAnswered(quote_id=quote.id, activity_id=quote.activity_id,
                                  member_id=activity.owner_id if activity else doc.get("created_by", ""),
                                  answer=answer, message=quote.client_comment)
            await self.ctx.runtime.outbox.add([self.ctx.runtime.event(event, subject=quote.id)], session=session)
            return saved

        try:
            saved: Document = await self.ctx.runtime.commit(work)
        except StaleVersion as exc:
            raise _stale() from exc
        return saved
