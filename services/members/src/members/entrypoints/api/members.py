"""/api/v1/members: one's own profile, data export and erasure; other
members' profiles for those allowed to see them (404 for everyone else)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

from coop_shared.http.idempotency import idempotent_route, no_fingerprint
from coop_shared.http.pagination import Page, decode_cursor, encode_cursor
from members.domain.identity import Address, format_niss
from members.domain.member import ProfileChanges, Role
from members.entrypoints.api import presenters, schemas
from members.entrypoints.api.deps import Ctx, CurrentViewer, Paging
from members.service_layer import gdpr, profiles, shares

router = APIRouter(prefix="/api/v1/members", tags=["members"])

MemberId = Annotated[str, Path(min_length=1, max_length=64)]
_NOT_FOUND: dict[int | str, dict[str, object]] = {404: {"description": "Unknown, or not yours to see"}}


@router.get("", response_model=Page[schemas.MemberProfile], summary="Members the caller may see",
            description="Admins: everyone; advisors: the members assigned to them; members: themselves.")
async def list_members(ctx: Ctx, viewer: CurrentViewer, page: Paging,
                       role: Annotated[Role | None, Query()] = None) -> Page[schemas.MemberProfile]:
    found, after = await profiles.list_members(ctx, viewer, limit=page.limit, cursor=decode_cursor(page.cursor),
                                               role=role)
    return Page(items=[presenters.member_profile(m, viewer, ctx.today()) for m in found],
                next_cursor=encode_cursor(after) if after else None)


@router.get("/me", response_model=schemas.MemberProfile, summary="My profile and membership standing",
            responses=_NOT_FOUND)
async def me(ctx: Ctx, viewer: CurrentViewer) -> schemas.MemberProfile:
    member = await profiles.visible_member(ctx, viewer, viewer.id)
    return presenters.member_profile(member, viewer, ctx.today(), await shares.standing_of(ctx, member))


@router.patch("/me", response_model=schemas.MemberProfile, summary="Change my profile",
              responses={422: {"description": "Invalid value, or a field that cannot be changed here (role...)"}})
@idempotent_route("members:update:{viewer.id}")
async def update_me(body: schemas.ProfileUpdate, ctx: Ctx, viewer: CurrentViewer) -> schemas.MemberProfile:
    address = None if body.address is None else Address.create(
        body.address.street, body.address.postal_code, body.address.city, body.address.country)
    changes = ProfileChanges(full_name=body.full_name, language=body.language, address=address, iban=body.iban,
                             niss=body.niss)
    member, _ = await profiles.update_profile(ctx, viewer.id, changes)
    return presenters.member_profile(member, viewer, ctx.today())


@router.get("/me/export", summary="Everything held about me, as JSON (GDPR art. 15 and 20)")
async def export_me(ctx: Ctx, viewer: CurrentViewer) -> JSONResponse:
    data = await gdpr.export(ctx, viewer.id)
    member = data["member"]
    profile = presenters.member_profile(member, viewer, ctx.today()).model_dump(mode="json")
    profile["niss"] = format_niss(member.niss) if member.niss else None  # in full: it is the member's own data
    profile["usage_started_on"] = member.usage_started_on.isoformat() if member.usage_started_on else None
    body = {
        "exported_at": data["exported_at"].isoformat(),
        "member": profile,
        "share_register": [presenters.share_entry(e).model_dump(mode="json") for e in data["share_register"]],
        "activities": [presenters.activity(a).model_dump(mode="json") for a in data["activities"]],
        "sessions": [{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in s.items()}
                     for s in data["sessions"]],
    }
    return JSONResponse(body, headers={"Content-Disposition": 'attachment; filename="my-data.json"',
                                       "Cache-Control": "no-store"})


@router.post("/me/erasure", status_code=202, response_model=schemas.ErasureResult,
             summary="Erase my personal data (GDPR art. 17)",
             description="Personal data is removed now; other services are told by the event "
                         "`members.member.erased.v1`. Records under legal retention are kept, restricted.")
@idempotent_route("members:erase:{viewer.id}", fingerprint=no_fingerprint)
async def erase_me(body: schemas.ErasureRequest, ctx: Ctx, viewer: CurrentViewer) -> schemas.ErasureResult:
    erased = await gdpr.erase(ctx, viewer.id, body.password)
    return schemas.ErasureResult(member_id=erased.member_id, erased_at=erased.erased_at,
                                 restricted=erased.restricted)


@router.get("/{member_id}", response_model=schemas.MemberProfile, summary="A member's profile",
            responses=_NOT_FOUND)
async def get_member(member_id: MemberId, ctx: Ctx, viewer: CurrentViewer) -> schemas.MemberProfile:
    member = await profiles.visible_member(ctx, viewer, member_id)
    return presenters.member_profile(member, viewer, ctx.today())
