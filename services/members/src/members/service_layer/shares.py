"""Share register use cases: subscribe, confirm a payment, transfer, resign,
record a refund. Each reads the member's entries inside its transaction,
lets the domain decide, and appends the new entries with their events."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from members.domain.errors import Conflict, InvalidInput, NotFound
from members.domain.member import Member, Role
from members.domain.shares import Category, EntryKind, Holding, RegisterEntry, ShareAccount, required_shares
from members.service_layer import events
from members.service_layer.context import Context
from members.service_layer.profiles import Viewer, active_member

T = TypeVar("T")
_ATTEMPTS = 3


@dataclass(frozen=True)
class Standing:
    holdings: dict[Category, Holding]
    shares_required: int
    in_good_standing: bool


async def _append(ctx: Context, work: Callable[[AsyncClientSession], Awaitable[T]], settled_code: str) -> T:
    """Run a register write; a lost race on a member's ``seq`` is retried from
    a fresh read, a second settlement of the same entry is a conflict."""
    for attempt in range(_ATTEMPTS):
        try:
            return await ctx.commit(work)
        except DuplicateKeyError as exc:
            if "register_settles_unique" in str(exc):
                raise Conflict(settled_code, "This register entry is already settled.") from exc
            if attempt == _ATTEMPTS - 1:
                raise Conflict("concurrent_update", "The register changed meanwhile; retry.") from exc
    raise AssertionError("unreachable")


async def _account(ctx: Context, member_id: str, session: AsyncClientSession | None = None) -> ShareAccount:
    return ShareAccount.of(member_id, await ctx.register.of_member(member_id, session))


async def standing_of(ctx: Context, member: Member) -> Standing:
    account = await _account(ctx, member.id)
    today = ctx.today()
    return Standing(holdings={c: account.holding(c) for c in Category},
                    shares_required=required_shares(member.usage_started_on, today),
                    in_good_standing=account.in_good_standing(member.usage_started_on, today))


async def subscribe(ctx: Context, member_id: str, category: Category, quantity: int) -> RegisterEntry:
    member = await active_member(ctx, member_id)

    async def work(session: AsyncClientSession) -> RegisterEntry:
        account = await _account(ctx, member.id, session)
        entry = account.subscribe(category=category, quantity=quantity, unit_price=ctx.settings.share_price,
                                  now=ctx.now(), by=member.id)
        await ctx.register.append([entry], session)
        await ctx.emit([(events.share_subscribed(member, account, entry, ctx.today()), member.id)], session)
        return entry

    return await _append(ctx, work, "share_already_paid")


async def confirm_payment(ctx: Context, admin: Viewer, entry_id: str) -> RegisterEntry:
    """An admin saw the money arrive: the subscription becomes fully paid shares."""
    subscription = await ctx.register.get(entry_id)
    if subscription is None or subscription.kind is not EntryKind.SUBSCRIPTION:
        raise NotFound("share_entry_not_found", "No such subscription in the register.")
    member = await active_member(ctx, subscription.member_id)

    async def work(session: AsyncClientSession) -> RegisterEntry:
        account = await _account(ctx, member.id, session)
        payment = account.confirm_payment(entry_id, now=ctx.now(), by=admin.id)
        await ctx.register.append([payment], session)
        await ctx.emit([(events.share_paid(member, account, payment, ctx.today()), member.id)], session)
        return payment

    return await _append(ctx, work, "share_already_paid")


async def transfer(ctx: Context, admin: Viewer, from_member_id: str, to_member_id: str, category: Category,
                   quantity: int) -> tuple[RegisterEntry, RegisterEntry]:
    """Fully paid shares move from one member to another (approved by an admin)."""
    sender = await active_member(ctx, from_member_id)
    try:
        receiver = await active_member(ctx, to_member_id)
    except NotFound as exc:
        raise InvalidInput("unknown_member", "No such member to receive the shares.", "to_member_id") from exc

    async def work(session: AsyncClientSession) -> tuple[RegisterEntry, RegisterEntry]:
        from_account = await _account(ctx, sender.id, session)
        to_account = await _account(ctx, receiver.id, session)
        out, into = from_account.transfer_to(to_account, category=category, quantity=quantity,
                                              unit_price=ctx.settings.share_price, now=ctx.now(), by=admin.id)
        await ctx.register.append([out, into], session)
        event = events.share_transferred(sender, from_account, receiver, to_account, out, ctx.today())
        await ctx.emit([(event, sender.id)], session)
        return out, into

    return await _append(ctx, work, "share_already_paid")


async def resign(ctx: Context, member_id: str, category: Category, quantity: int) -> RegisterEntry:
    member = await active_member(ctx, member_id)

    async def work(session: AsyncClientSession) -> RegisterEntry:
        account = await _account(ctx, member.id, session)
        entry = account.resign(category=category, quantity=quantity, unit_price=ctx.settings.share_price,
                               today=ctx.today(), now=ctx.now(), by=member.id,
                               refund_delay_years=ctx.settings.share_refund_delay_years)
        await ctx.register.append([entry], session)
        await ctx.emit([(events.share_resigned(member, account, entry, ctx.today()), member.id)], session)
        return entry

    return await _append(ctx, work, "share_already_refunded")


async def record_refund(ctx: Context, admin: Viewer, resignation_id: str) -> RegisterEntry:
    resignation = await ctx.register.get(resignation_id)
    if resignation is None or resignation.kind is not EntryKind.RESIGNATION:
        raise NotFound("share_entry_not_found", "No such resignation in the register.")

    # The refund is owed even to a member who has since asked for erasure.
    async def work(session: AsyncClientSession) -> RegisterEntry:
        account = await _account(ctx, resignation.member_id, session)
        refund = account.record_refund(resignation_id, now=ctx.now(), by=admin.id)
        await ctx.register.append([refund], session)
        await ctx.emit([(events.share_refunded(refund), refund.member_id)], session)
        return refund

    return await _append(ctx, work, "share_already_refunded")


async def visible_entry(ctx: Context, viewer: Viewer, entry_id: str) -> RegisterEntry:
    entry = await ctx.register.get(entry_id)
    if entry is None or not await _may_see_register_of(ctx, viewer, entry.member_id):
        raise NotFound("share_entry_not_found", "No such register entry.")
    return entry


async def _may_see_register_of(ctx: Context, viewer: Viewer, member_id: str) -> bool:
    if viewer.id == member_id or viewer.is_admin:
        return True
    if viewer.role is Role.ADVISOR:
        member = await ctx.members.get(member_id)
        return member is not None and member.is_active and member.advisor_id == viewer.id
    return False


async def entries_page(ctx: Context, *, limit: int, cursor: dict[str, Any] | None, member_id: str | None,
                       kind: EntryKind | None = None) -> tuple[list[RegisterEntry], dict[str, Any] | None]:
    return await ctx.register.page(limit=limit, cursor=cursor, member_id=member_id, kind=kind)


async def settled(ctx: Context, entries: list[RegisterEntry]) -> set[str]:
    """Which of these subscriptions/resignations are paid/refunded (for listings)."""
    ids = [e.id for e in entries if e.kind in (EntryKind.SUBSCRIPTION, EntryKind.RESIGNATION)]
    return await ctx.register.settled_ids(ids) if ids else set()
