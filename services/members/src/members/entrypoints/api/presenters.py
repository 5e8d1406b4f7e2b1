"""Domain objects -> response bodies (the only place deciding what leaves)."""

from __future__ import annotations

from datetime import date

from members.domain.activities import Activity
from members.domain.identity import format_iban, mask_iban, mask_niss
from members.domain.member import Member, Role
from members.domain.shares import Category, EntryKind, RegisterEntry
from members.entrypoints.api import schemas
from members.service_layer.profiles import Viewer
from members.service_layer.shares import Standing


def member_profile(member: Member, viewer: Viewer, today: date, standing: Standing | None = None
                   ) -> schemas.MemberProfile:
    sees_iban = viewer.id == member.id or viewer.role is Role.ADMIN
    iban = None if member.iban is None else (format_iban(member.iban) if sees_iban else mask_iban(member.iban))
    address = member.address
    attestation = member.attestation
    membership = None
    if standing is not None:
        a, b = standing.holdings[Category.A], standing.holdings[Category.B]
        membership = schemas.Membership(shares_paid=a.paid, shares_unpaid=a.unpaid, shares_b_paid=b.paid,
                                        shares_required=standing.shares_required,
                                        in_good_standing=standing.in_good_standing)
    return schemas.MemberProfile(
        id=member.id, email=member.email, full_name=member.full_name, language=member.language, role=member.role,
        address=None if address is None else schemas.MemberAddress(street=address.street,
                                                              postal_code=address.postal_code,
                                                              city=address.city, country=address.country),
        iban=iban, niss=mask_niss(member.niss) if member.niss else None, advisor_id=member.advisor_id,
        attestation=None if attestation is None else schemas.ArtsAttestationView(
            type=attestation.type, valid_from=attestation.valid_from, valid_to=attestation.valid_to,
            valid_today=attestation.is_valid_on(today)),
        registered_at=member.registered_at, membership=membership,
    )


def share_entry(entry: RegisterEntry, settled: set[str] | None = None) -> schemas.ShareEntry:
    state: schemas.ShareState | None = None
    if settled is not None and entry.kind is EntryKind.SUBSCRIPTION:
        state = "paid" if entry.id in settled else "unpaid"
    elif settled is not None and entry.kind is EntryKind.RESIGNATION:
        state = "refunded" if entry.id in settled else "refund_due"
    return schemas.ShareEntry(
        id=entry.id, member_id=entry.member_id, kind=entry.kind, category=entry.category, quantity=entry.quantity,
        unit_price=entry.unit_price, amount=entry.amount, recorded_at=entry.recorded_at, settles=entry.settles,
        counterparty_id=entry.counterparty_id, transfer_id=entry.transfer_id, refund_due_on=entry.refund_due_on,
        state=state,
    )


def activity(activity: Activity) -> schemas.ActivityView:
    return schemas.ActivityView(
        id=activity.id, name=activity.name, sector=activity.sector, owner_id=activity.owner_id,
        co_manager_ids=list(activity.co_manager_ids), kind=activity.kind,
        budget_manager_id=activity.budget_manager_id, status=activity.status, opened_at=activity.opened_at,
        updated_at=activity.updated_at, closed_at=activity.closed_at,
    )
