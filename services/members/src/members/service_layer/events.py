"""Domain state -> event payloads (the contracts in coop_shared.contracts.members)."""

from __future__ import annotations

from datetime import date, datetime

from coop_shared.contracts import members as contracts
from members.domain.activities import Activity
from members.domain.member import Member
from members.domain.shares import RegisterEntry, ShareAccount, required_shares


def member_registered(member: Member) -> contracts.MemberRegistered:
    return contracts.MemberRegistered(
        member_id=member.id, email=member.email or "", full_name=member.full_name, language=member.language.value,
        role=member.role.value, iban=member.iban, registered_at=member.registered_at)


def member_updated(member: Member, changed: list[str]) -> contracts.MemberUpdated:
    return contracts.MemberUpdated(member_id=member.id, email=member.email or "", full_name=member.full_name,
                                   language=member.language.value, iban=member.iban, changed=changed)


def standing(member: Member, account: ShareAccount, today: date) -> dict[str, object]:
    return {
        "member_id": member.id, "shares_paid": account.paid_shares(),
        "shares_required": required_shares(member.usage_started_on, today),
        "in_good_standing": account.in_good_standing(member.usage_started_on, today),
        "usage_started_on": member.usage_started_on,
        "good_standing_until": account.good_standing_until(member.usage_started_on),
    }


def standing_changed(member: Member, account: ShareAccount, today: date) -> contracts.StandingChanged:
    return contracts.StandingChanged.model_validate(standing(member, account, today))


def share_subscribed(member: Member, account: ShareAccount, entry: RegisterEntry, today: date
                     ) -> contracts.ShareSubscribed:
    return contracts.ShareSubscribed.model_validate({
        **standing(member, account, today), "entry_id": entry.id, "category": entry.category.value,
        "quantity": entry.quantity, "unit_price": entry.unit_price, "amount": entry.amount})


def share_paid(member: Member, account: ShareAccount, entry: RegisterEntry, today: date) -> contracts.SharePaid:
    return contracts.SharePaid.model_validate({
        **standing(member, account, today), "entry_id": entry.id, "subscription_id": entry.settles,
        "category": entry.category.value, "quantity": entry.quantity, "amount": entry.amount,
        "paid_at": entry.recorded_at})


def share_resigned(member: Member, account: ShareAccount, entry: RegisterEntry, today: date
                   ) -> contracts.ShareResigned:
    return contracts.ShareResigned.model_validate({
        **standing(member, account, today), "entry_id": entry.id, "category": entry.category.value,
        "quantity": entry.quantity, "refund_amount": entry.amount, "refund_due_on": entry.refund_due_on})


def share_refunded(entry: RegisterEntry) -> contracts.ShareRefunded:
    return contracts.ShareRefunded(entry_id=entry.id, resignation_id=entry.settles or "", member_id=entry.member_id,
                                   category=entry.category.value, quantity=entry.quantity, amount=entry.amount,
                                   refunded_at=entry.recorded_at)


def share_transferred(sender: Member, sender_account: ShareAccount, receiver: Member,
                      receiver_account: ShareAccount, out: RegisterEntry, today: date) -> contracts.ShareTransferred:
    return contracts.ShareTransferred(
        transfer_id=out.transfer_id or "", category=out.category.value, quantity=out.quantity, amount=out.amount,
        from_member_id=sender.id, from_shares_paid=sender_account.paid_shares(),
        from_in_good_standing=sender_account.in_good_standing(sender.usage_started_on, today),
        from_good_standing_until=sender_account.good_standing_until(sender.usage_started_on),
        to_member_id=receiver.id, to_shares_paid=receiver_account.paid_shares(),
        to_in_good_standing=receiver_account.in_good_standing(receiver.usage_started_on, today),
        to_good_standing_until=receiver_account.good_standing_until(receiver.usage_started_on))


def _activity_state(activity: Activity) -> dict[str, object]:
    return {
        "activity_id": activity.id, "name": activity.name, "sector": activity.sector.value,
        "owner_id": activity.owner_id, "co_manager_ids": list(activity.co_manager_ids), "kind": activity.kind.value,
        "budget_manager_id": activity.budget_manager_id, "status": activity.status.value,
    }


def activity_opened(activity: Activity) -> contracts.ActivityOpened:
    return contracts.ActivityOpened.model_validate({**_activity_state(activity), "opened_at": activity.opened_at})


def activity_updated(activity: Activity, changed: list[str]) -> contracts.ActivityUpdated:
    return contracts.ActivityUpdated.model_validate({**_activity_state(activity), "changed": changed})


def activity_closed(activity: Activity, closed_at: datetime) -> contracts.ActivityClosed:
    return contracts.ActivityClosed.model_validate({**_activity_state(activity), "closed_at": closed_at})
