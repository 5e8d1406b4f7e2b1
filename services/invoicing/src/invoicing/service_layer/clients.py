"""Clients of an activity: companies (Belgian ones checked with their VAT and
enterprise numbers, Peppol id derived) and private persons, in or outside the EU.

A client belongs to one activity; whoever may see the activity sees its
clients. Invoices keep a copy of the client as it was, so editing a client
never changes a document already made.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from pymongo.errors import DuplicateKeyError

from coop_shared.auth.principal import Principal
from coop_shared.errors import Conflict, NotFound
from coop_shared.persistence.mongo import Document
from invoicing.adapters.repositories import ClientCopy, StaleVersion
from invoicing.domain.clients import Address, Client, CompanyClient, PeppolParticipantId, PrivateClient
from invoicing.domain.errors import DomainValidationError
from invoicing.service_layer.context import Context

_EDITABLE = ("kind", "name", "email", "language", "address", "vat_number", "enterprise_number", "peppol_id",
             "cooperative_activity_id")


def client_not_found() -> NotFound:
    return NotFound("client_not_found", "No such client.", "client_id")


def activity_not_found() -> NotFound:
    return NotFound("activity_not_found", "No such activity.", "activity_id")


def build_client(data: Document) -> Client:
    """The domain value object: validates and normalises every identifier."""
    address = data.get("address") or {}
    postal = Address(street=address.get("street", ""), city=address.get("city", ""),
                     country=address.get("country", ""), postal_code=address.get("postal_code") or "")
    if data["kind"] == "person":
        for field in ("vat_number", "enterprise_number", "peppol_id"):
            if data.get(field) is not None:
                raise DomainValidationError("client.person_has_company_id",
                                            "A private person has no VAT, enterprise number or Peppol id.", field)
        return PrivateClient(name=data.get("name", ""), address=postal, email=data.get("email"))
    peppol = data.get("peppol_id")
    company = CompanyClient(name=data.get("name", ""), address=postal, vat_number=data.get("vat_number"),
                            enterprise_number=data.get("enterprise_number"),
                            peppol_id=PeppolParticipantId.parse(peppol) if peppol else None, email=data.get("email"))
    if company.country == "BE" and company.enterprise_number is None and not data.get("cooperative_activity_id"):
        # Every Belgian company has one (KBO/BCE), and an invoice to it must show it.
        raise DomainValidationError(
            "client.enterprise_number_required",
            "A Belgian company needs its enterprise number (KBO/BCE), or its VAT number to derive it from.",
            "enterprise_number")
    return company


@dataclass
class ClientService:
    ctx: Context

    async def _check_cooperative_activity(self, data: Document, activity_id: str) -> None:
        other = data.get("cooperative_activity_id")
        if other is None:
            return
        if other == activity_id or await self.ctx.read_model.activity(other) is None:
            raise DomainValidationError("client.cooperative_activity_unknown",
                                        "Name another open activity of the cooperative.", "cooperative_activity_id")
        if data["kind"] != "company":
            raise DomainValidationError("client.cooperative_activity_not_company",
                                        "An activity of the cooperative is invoiced as a company.", "kind")

    @staticmethod
    def _fields(activity_id: str, data: Document) -> Document:
        """What a client document holds besides the client's identity."""
        fields: Document = {"activity_id": activity_id, "language": data.get("language") or "fr"}
        if data.get("cooperative_activity_id"):
            fields["cooperative_activity_id"] = data["cooperative_activity_id"]
        return fields

    async def create(self, principal: Principal, activity_id: str, data: Document) -> Document:
        await self.ctx.access.require_manager(principal, activity_id, activity_not_found())
        client = build_client(data)
        await self._check_cooperative_activity(data, activity_id)
        now = self.ctx.clock.now()
        try:
            return await self.ctx.clients.add(str(uuid.uuid4()), client, {
                **self._fields(activity_id, data), "created_at": now, "updated_at": now, "created_by": principal.id})
        except DuplicateKeyError as exc:
            raise _duplicate() from exc

    async def get(self, principal: Principal, client_id: str) -> Document:
        doc = await self.ctx.clients.get(client_id)
        if doc is None:
            raise client_not_found()
        await self.ctx.access.require_view(principal, doc["activity_id"], client_not_found())
        return doc

    async def update(self, principal: Principal, client_id: str, changes: Document) -> Document:
        current = await self.get(principal, client_id)
        await self.ctx.access.require_manager(principal, current["activity_id"], client_not_found())
        data = {k: current.get(k) for k in _EDITABLE}
        data.update({k: v for k, v in changes.items() if k in _EDITABLE})
        if changes.get("kind") == "person" and current.get("kind") == "company":
            # Switching to a person drops company identifiers unless they were re-sent.
            for field in ("vat_number", "enterprise_number", "peppol_id"):
                data[field] = changes.get(field)
        if "vat_number" in changes or "enterprise_number" in changes:
            # Derived identifiers follow the new numbers unless they were sent too.
            data["peppol_id"] = changes.get("peppol_id")
            if "enterprise_number" not in changes:
                data["enterprise_number"] = None
        client = build_client(data)
        await self._check_cooperative_activity(data, current["activity_id"])
        fields = {**self._fields(current["activity_id"], data), "created_at": current["created_at"],
                  "created_by": current.get("created_by"), "updated_at": self.ctx.clock.now()}
        try:
            return await self.ctx.clients.store(current["_id"], current["version"], client, fields)
        except StaleVersion as exc:
            raise Conflict("client.concurrent_update", "The client changed meanwhile; read it again.") from exc
        except DuplicateKeyError as exc:
            raise _duplicate() from exc

    async def list(self, principal: Principal, activity_id: str | None, limit: int,
                   cursor: str | None) -> tuple[list[Document], str | None]:
        scope = await self.ctx.access.list_scope(principal, activity_id)
        if scope is None:
            return [], None
        return await self.ctx.clients.page_of(scope.activity_ids, limit, cursor)

    async def for_document(self, principal: Principal, client_id: str, activity_id: str) -> ClientCopy:
        """A client usable on a quote or invoice of ``activity_id``, as the document keeps it."""
        copy = await self.ctx.clients.copy_for(client_id, activity_id)
        if copy is None:
            raise NotFound("client_not_found", "No such client for this activity.", "client_id")
        return copy


def _duplicate() -> Conflict:
    return Conflict("client.duplicate", "This activity already has a client with this VAT number.", "vat_number")
