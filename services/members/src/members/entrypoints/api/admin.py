"""/api/v1/admin: what only admins do (roles, advisors, attestations, payments)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from coop_shared.http.idempotency import idempotent_route, no_fingerprint
from coop_shared.http.pagination import Page, decode_cursor, encode_cursor
from members.domain.member import ArtsAttestation, Role
from members.domain.shares import EntryKind
from members.entrypoints.api import presenters, schemas
from members.entrypoints.api.deps import AdminViewer, Ctx, Paging
from members.service_layer import profiles, shares

router = APIRouter(prefix="/api/v1/admin", tags=["admin"])

Id = Annotated[str, Path(min_length=1, max_length=64)]


@router.get("/members", response_model=Page[schemas.MemberProfile], summary="All members")
async def list_members(ctx: Ctx, admin: AdminViewer, page: Paging,
                       role: Annotated[Role | None, Query()] = None) -> Page[schemas.MemberProfile]:
    found, after = await profiles.list_members(ctx, admin, limit=page.limit, cursor=decode_cursor(page.cursor),
                                               role=role)
    return Page(items=[presenters.member_profile(m, admin, ctx.today()) for m in found],
                next_cursor=encode_cursor(after) if after else None)


@router.put("/members/{member_id}/role", response_model=schemas.MemberProfile, summary="Set a member's role",
            responses={409: {"description": "Nobody changes their own role"}})
@idempotent_route("admin:role:{member_id}")
async def set_role(member_id: Id, body: schemas.RoleChange, ctx: Ctx, admin: AdminViewer) -> schemas.MemberProfile:
    return presenters.member_profile(await profiles.change_role(ctx, admin, member_id, body.role), admin,
                                ctx.today())


@router.put("/members/{member_id}/advisor", response_model=schemas.MemberProfile,
            summary="Assign (or remove) a member's advisor")
@idempotent_route("admin:advisor:{member_id}")
async def set_advisor(member_id: Id, body: schemas.AdvisorAssignment, ctx: Ctx,
                      admin: AdminViewer) -> schemas.MemberProfile:
    return presenters.member_profile(await profiles.assign_advisor(ctx, member_id, body.advisor_id), admin,
                                ctx.today())


@router.put("/members/{member_id}/attestation", response_model=schemas.MemberProfile,
            summary="Record a member's arts work attestation")
@idempotent_route("admin:attestation:{member_id}")
async def set_attestation(member_id: Id, body: schemas.ArtsAttestationIn, ctx: Ctx,
                          admin: AdminViewer) -> schemas.MemberProfile:
    attestation = ArtsAttestation.create(body.type, body.valid_from, body.valid_to)
    return presenters.member_profile(await profiles.record_attestation(ctx, member_id, attestation), admin,
                                ctx.today())


@router.get("/shares", response_model=Page[schemas.ShareEntry], summary="The share register, newest first")
async def register(ctx: Ctx, admin: AdminViewer, page: Paging,
                   member_id: Annotated[str | None, Query(max_length=64)] = None,
                   kind: Annotated[EntryKind | None, Query()] = None) -> Page[schemas.ShareEntry]:
    found, after = await shares.entries_page(ctx, limit=page.limit, cursor=decode_cursor(page.cursor),
                                             member_id=member_id, kind=kind)
    settled = await shares.settled(ctx, found)
    return Page(items=[presenters.share_entry(e, settled) for e in found],
                next_cursor=encode_cursor(after) if after else None)


@router.post("/shares/transfers", status_code=201, response_model=schemas.TransferResult,
             summary="Record a transfer of fully paid shares between two members")
@idempotent_route("admin:transfer")
async def transfer(body: schemas.TransferRequest, ctx: Ctx, admin: AdminViewer) -> schemas.TransferResult:
    out, into = await shares.transfer(ctx, admin, body.from_member_id, body.to_member_id, body.category,
                                      body.quantity)
    return schemas.TransferResult(transfer_id=out.transfer_id or "",
                                  entries=[presenters.share_entry(out), presenters.share_entry(into)])


@router.post("/shares/{entry_id}/confirm-payment", status_code=201, response_model=schemas.ShareEntry,
             summary="Confirm that a subscription is fully paid",
             responses={404: {"description": "No such subscription"}, 409: {"description": "Already paid"}})
@idempotent_route("admin:confirm-payment:{entry_id}", fingerprint=no_fingerprint)
async def confirm_payment(entry_id: Id, ctx: Ctx, admin: AdminViewer) -> schemas.ShareEntry:
    return presenters.share_entry(await shares.confirm_payment(ctx, admin, entry_id))


@router.post("/shares/{entry_id}/confirm-refund", status_code=201, response_model=schemas.ShareEntry,
             summary="Record that a resignation's nominal value was refunded",
             responses={404: {"description": "No such resignation"}, 409: {"description": "Already refunded"}})
@idempotent_route("admin:confirm-refund:{entry_id}", fingerprint=no_fingerprint)
async def confirm_refund(entry_id: Id, ctx: Ctx, admin: AdminViewer) -> schemas.ShareEntry:
    return presenters.share_entry(await shares.record_refund(ctx, admin, entry_id))
