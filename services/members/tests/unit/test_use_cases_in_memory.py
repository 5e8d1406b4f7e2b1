"""Use cases against in-memory repositories (cosmicpython's fake unit of work): no MongoDB, no broker.

Opening an activity (members in good standing only: the first one starts the member's first year of use)
and confirming a share payment (an admin saw the money; once per subscription). The state is read back
from the fakes, the events from the memory runtime's outbox; a refused use case stores nothing and
publishes nothing. The runtime's database client never connects, so a use case that bypassed its
repositories would fail here instead of passing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from coop_shared.auth.tokens import SigningKey
from coop_shared.clock import FakeClock, to_millis
from coop_shared.contracts import members as contracts
from coop_shared.testing.memory import MemoryRuntime, memory_runtime
from members.config import MembersSettings
from members.domain.activities import ActivityKind, ActivityStatus, Sector
from members.domain.errors import Conflict, InvalidInput, NotFound
from members.domain.identity import Language
from members.domain.member import Member, Role
from members.domain.shares import Category, EntryKind, ShareAccount
from members.service_layer.activities import OpenActivity, open_activity
from members.service_layer.context import Context
from members.service_layer.profiles import Viewer
from members.service_layer.shares import confirm_payment

from .fakes import FakeActivityRepository, FakeMemberRepository, FakeShareRegisterRepository

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
TODAY = date(2026, 3, 2)  # in Brussels
PRICE = Decimal("30.00")
KEY = SigningKey.generate()  # the context needs one; these use cases sign nothing
OWNER = Viewer("m-1", Role.MEMBER)
ADMIN = Viewer("admin-1", Role.ADMIN)


@dataclass
class InMemory:
    ctx: Context
    runtime: MemoryRuntime
    members: FakeMemberRepository
    register: FakeShareRegisterRepository
    activities: FakeActivityRepository


def in_memory() -> InMemory:
    """The production context over a memory runtime, its repositories replaced by fakes, holding two
    active members (``m-1`` and ``m-2``), neither of whom has started a year of use."""
    runtime = memory_runtime(MembersSettings(), FakeClock(NOW))
    members, register, activities = FakeMemberRepository(), FakeShareRegisterRepository(), FakeActivityRepository()
    for member_id in ("m-1", "m-2"):
        members.put(Member(id=member_id, email=f"{member_id}@example.org", full_name=f"Member {member_id}",
                           language=Language.FR, role=Role.MEMBER, registered_at=NOW - timedelta(days=30)))
    ctx = Context.with_repositories(runtime, MembersSettings(), KEY, members=members, register=register,
                                    activities=activities)
    return InMemory(ctx, runtime, members, register, activities)


def subscribed(world: InMemory, member_id: str, quantity: int, *, paid: bool) -> str:
    """A subscription (paid or not) already in the register; its entry id."""
    account = ShareAccount(member_id)
    subscription = account.subscribe(category=Category.A, quantity=quantity, unit_price=PRICE,
                                     now=NOW - timedelta(days=10), by=member_id)
    if paid:
        account.confirm_payment(subscription.id, now=NOW - timedelta(days=9), by=ADMIN.id)
    world.register.put(account.entries)
    return subscription.id


# Opening an activity --------------------------------------------------------------------------------------


async def test_the_first_activity_is_stored_starts_the_year_of_use_and_publishes_both_events() -> None:
    world = in_memory()
    subscribed(world, "m-1", 1, paid=True)

    activity = await open_activity(world.ctx, OWNER, OpenActivity(
        name="Atelier céramique", sector=Sector.ARTS_AND_CULTURE, co_manager_ids=("m-2",)))

    stored = world.activities.stored(activity.id)
    assert (stored.name, stored.sector, stored.owner_id, stored.kind, stored.status) == (
        "Atelier céramique", Sector.ARTS_AND_CULTURE, "m-1", ActivityKind.INDIVIDUAL, ActivityStatus.OPEN)
    assert stored.co_manager_ids == ("m-2",) and stored.budget_manager_id == "m-1"
    assert stored.opened_at == to_millis(NOW)
    owner = world.members.stored("m-1")
    assert owner.usage_started_on == TODAY and owner.version == 1

    assert [e.type for e in world.runtime.outbox.events] == [
        contracts.StandingChanged.event_type, contracts.ActivityOpened.event_type]
    standing_event, opened_event = world.runtime.outbox.events
    assert standing_event.subject == "m-1" and standing_event.source == "members"
    standing = standing_event.payload(contracts.StandingChanged)
    assert (standing.member_id, standing.shares_paid, standing.shares_required, standing.in_good_standing) == (
        "m-1", 1, 1, True)
    assert standing.usage_started_on == TODAY and standing.good_standing_until == date(2027, 3, 1)
    assert opened_event.subject == activity.id
    opened = opened_event.payload(contracts.ActivityOpened)
    assert (opened.activity_id, opened.name, opened.sector, opened.owner_id) == (
        activity.id, "Atelier céramique", "arts_and_culture", "m-1")
    assert (opened.kind, opened.co_manager_ids, opened.budget_manager_id, opened.status) == (
        "individual", ["m-2"], "m-1", "open")
    assert opened.opened_at == to_millis(NOW)
    assert world.runtime.commits == 1


async def test_a_later_activity_publishes_only_its_opening() -> None:
    world = in_memory()
    subscribed(world, "m-1", 1, paid=True)
    await open_activity(world.ctx, OWNER, OpenActivity(name="Atelier", sector=Sector.ARTS_AND_CULTURE))
    world.runtime.outbox.events.clear()

    second = await open_activity(world.ctx, OWNER, OpenActivity(name="Stages d'été", sector=Sector.ARTS_AND_CULTURE))

    assert len(world.activities.documents) == 2 and world.activities.stored(second.id).name == "Stages d'été"
    assert world.members.stored("m-1").version == 1  # the year of use had started: the member is not written
    assert [(e.type, e.subject) for e in world.runtime.outbox.events] == [
        (contracts.ActivityOpened.event_type, second.id)]


async def test_without_a_fully_paid_share_the_opening_is_refused_and_nothing_is_stored_or_published() -> None:
    world = in_memory()
    subscribed(world, "m-1", 1, paid=False)  # subscribed, payment not confirmed yet

    with pytest.raises(Conflict) as refused:
        await open_activity(world.ctx, OWNER, OpenActivity(name="Atelier", sector=Sector.ARTS_AND_CULTURE))

    assert refused.value.code == "membership_not_in_good_standing"
    assert world.activities.documents == {}
    owner = world.members.stored("m-1")
    assert owner.usage_started_on is None and owner.version == 0
    assert world.runtime.outbox.events == [] and world.runtime.commits == 0


async def test_an_unknown_co_manager_is_refused_before_anything_is_written() -> None:
    world = in_memory()
    subscribed(world, "m-1", 1, paid=True)

    with pytest.raises(InvalidInput) as refused:
        await open_activity(world.ctx, OWNER, OpenActivity(name="Atelier", sector=Sector.ARTS_AND_CULTURE,
                                                           co_manager_ids=("m-404",)))

    assert (refused.value.code, refused.value.field) == ("unknown_member", "co_manager_ids")
    assert world.activities.documents == {} and world.members.stored("m-1").version == 0
    assert world.runtime.outbox.events == []


# Confirming a share payment -------------------------------------------------------------------------------


async def test_a_confirmed_payment_is_appended_to_the_register_and_published() -> None:
    world = in_memory()
    subscription_id = subscribed(world, "m-1", 2, paid=False)

    payment = await confirm_payment(world.ctx, ADMIN, subscription_id)

    entries = await world.register.of_member("m-1")
    assert [(e.kind, e.seq) for e in entries] == [(EntryKind.SUBSCRIPTION, 1), (EntryKind.PAYMENT, 2)]
    stored = entries[1]
    assert stored.id == payment.id and stored.settles == subscription_id and stored.recorded_by == "admin-1"
    assert (stored.category, stored.quantity, stored.amount) == (Category.A, 2, Decimal("60.00"))
    assert stored.recorded_at == to_millis(NOW)

    [event] = world.runtime.outbox.events
    assert (event.type, event.subject) == (contracts.SharePaid.event_type, "m-1")
    paid = event.payload(contracts.SharePaid)
    assert (paid.entry_id, paid.subscription_id, paid.category, paid.quantity, paid.amount) == (
        payment.id, subscription_id, "A", 2, Decimal("60.00"))
    assert (paid.member_id, paid.shares_paid, paid.shares_required, paid.in_good_standing) == ("m-1", 2, 1, True)
    assert paid.paid_at == to_millis(NOW) and paid.usage_started_on is None and paid.good_standing_until is None


async def test_a_subscription_is_paid_once_a_second_confirmation_stores_and_publishes_nothing() -> None:
    world = in_memory()
    subscription_id = subscribed(world, "m-1", 1, paid=False)
    first = await confirm_payment(world.ctx, ADMIN, subscription_id)

    with pytest.raises(Conflict) as again:
        await confirm_payment(world.ctx, ADMIN, subscription_id)

    assert again.value.code == "share_already_paid"
    assert [e.id for e in await world.register.of_member("m-1")] == [subscription_id, first.id]
    assert [e.data["entry_id"] for e in world.runtime.outbox.of_type(contracts.SharePaid.event_type)] == [first.id]
    assert world.runtime.commits == 1


async def test_confirming_what_is_not_a_subscription_is_not_found() -> None:
    world = in_memory()
    subscribed(world, "m-1", 1, paid=True)
    [_, payment] = await world.register.of_member("m-1")

    for entry_id in ("no-such-entry", payment.id):
        with pytest.raises(NotFound) as missing:
            await confirm_payment(world.ctx, ADMIN, entry_id)
        assert missing.value.code == "share_entry_not_found"
    assert len(world.register.documents) == 2 and world.runtime.outbox.events == []
