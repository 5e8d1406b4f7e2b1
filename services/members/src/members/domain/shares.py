"""The share register: every subscription, payment, transfer, resignation and
refund is an entry appended to it; nothing is ever rewritten. What a member
holds, and whether they are in good standing, is derived from the entries.

Rules (DOMAIN.md, "Members service"):
- a share has a nominal value (EUR 30, configurable); category A for members
  who work through the cooperative, B for supporters;
- a share counts once it is fully paid (an admin confirms the payment);
- good standing = at least one fully paid category A share per year of use;
  buying several pre-pays future years;
- a resignation makes the nominal value refundable within 3 years at most.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from members.domain.errors import Conflict, InvalidInput, NotFound
from members.domain.member import add_years

MAX_SHARES_PER_ENTRY = 1000
MAX_REFUND_DELAY_YEARS = 3  # the statutes' ceiling; a shorter delay may be configured


class Category(StrEnum):
    A = "A"  # members who work through the cooperative
    B = "B"  # supporters and clients


class EntryKind(StrEnum):
    SUBSCRIPTION = "subscription"
    PAYMENT = "payment"
    TRANSFER_OUT = "transfer_out"
    TRANSFER_IN = "transfer_in"
    RESIGNATION = "resignation"
    REFUND = "refund"


@dataclass(frozen=True)
class RegisterEntry:
    id: str
    member_id: str
    seq: int  # position in this member's register; unique per member, so concurrent writers collide
    kind: EntryKind
    category: Category
    quantity: int
    unit_price: Decimal
    amount: Decimal  # nominal value concerned: quantity x unit price
    recorded_at: datetime
    recorded_by: str
    settles: str | None = None  # payment -> its subscription, refund -> its resignation
    counterparty_id: str | None = None  # the other member of a transfer
    transfer_id: str | None = None  # links the two halves of a transfer
    refund_due_on: date | None = None  # resignations


@dataclass(frozen=True)
class Holding:
    """One category of one member's register, summed up."""

    paid: int = 0  # fully paid shares held now
    unpaid: int = 0  # subscribed, payment not confirmed yet
    refund_pending: int = 0  # resigned, nominal value not refunded yet


def required_shares(usage_started_on: date | None, today: date) -> int:
    """Fully paid shares needed today: one per year of use, started years
    counting (year 1 starts with the first activity), never fewer than one."""
    if usage_started_on is None or today <= usage_started_on:
        return 1
    years = today.year - usage_started_on.year
    if (today.month, today.day) < (usage_started_on.month, usage_started_on.day):
        years -= 1
    return years + 1


def good_standing_until(usage_started_on: date | None, paid: int) -> date | None:
    """The last day ``paid`` fully paid shares keep a member in good standing: the eve of the year of use they
    no longer cover. None when no year of use has started (the first activity starts one, and says so) or when
    they do not cover even today's."""
    if usage_started_on is None or paid < 1:
        return None
    year = usage_started_on.year + paid
    try:
        uncovered = usage_started_on.replace(year=year)
    except ValueError:  # started on 29 February: the year is counted from 1 March (see required_shares)
        uncovered = date(year, 3, 1)
    return uncovered - timedelta(days=1)


def _amount(quantity: int, unit_price: Decimal) -> Decimal:
    return (unit_price * quantity).quantize(Decimal("0.01"))


def _check_quantity(quantity: int) -> None:
    if not 1 <= quantity <= MAX_SHARES_PER_ENTRY:
        raise InvalidInput("invalid_quantity", f"quantity must be between 1 and {MAX_SHARES_PER_ENTRY}.", "quantity")


@dataclass
class ShareAccount:
    """One member's part of the register. New entries are appended to
    ``entries`` and returned; the caller stores exactly those."""

    member_id: str
    entries: list[RegisterEntry] = field(default_factory=list)

    @classmethod
    def of(cls, member_id: str, entries: Iterable[RegisterEntry]) -> ShareAccount:
        return cls(member_id, sorted(entries, key=lambda e: e.seq))

    def _next_seq(self) -> int:
        return (self.entries[-1].seq if self.entries else 0) + 1

    def _append(self, kind: EntryKind, category: Category, quantity: int, unit_price: Decimal, now: datetime,
                by: str, *, settles: str | None = None, counterparty_id: str | None = None,
                transfer_id: str | None = None, refund_due_on: date | None = None) -> RegisterEntry:
        entry = RegisterEntry(id=str(uuid.uuid4()), member_id=self.member_id, seq=self._next_seq(), kind=kind,
                              category=category, quantity=quantity, unit_price=unit_price,
                              amount=_amount(quantity, unit_price), recorded_at=now, recorded_by=by,
                              settles=settles, counterparty_id=counterparty_id, transfer_id=transfer_id,
                              refund_due_on=refund_due_on)
        self.entries.append(entry)
        return entry

    def _find(self, entry_id: str, kind: EntryKind) -> RegisterEntry:
        for entry in self.entries:
            if entry.id == entry_id and entry.kind is kind:
                return entry
        raise NotFound("share_entry_not_found", f"No such {kind.value} in the register.")

    def _settled(self, entry_id: str) -> bool:
        return any(e.settles == entry_id for e in self.entries)

    def holding(self, category: Category = Category.A) -> Holding:
        paid = unpaid = refund_pending = 0
        for e in self.entries:
            if e.category is not category:
                continue
            if e.kind is EntryKind.SUBSCRIPTION and not self._settled(e.id):
                unpaid += e.quantity
            elif e.kind in (EntryKind.PAYMENT, EntryKind.TRANSFER_IN):
                paid += e.quantity
            elif e.kind is EntryKind.TRANSFER_OUT:
                paid -= e.quantity
            elif e.kind is EntryKind.RESIGNATION:
                paid -= e.quantity
                if not self._settled(e.id):
                    refund_pending += e.quantity
        return Holding(paid=paid, unpaid=unpaid, refund_pending=refund_pending)

    def paid_shares(self, category: Category = Category.A) -> int:
        return self.holding(category).paid

    def in_good_standing(self, usage_started_on: date | None, today: date) -> bool:
        return self.paid_shares(Category.A) >= required_shares(usage_started_on, today)

    def good_standing_until(self, usage_started_on: date | None) -> date | None:
        return good_standing_until(usage_started_on, self.paid_shares(Category.A))

    def subscribe(self, *, category: Category, quantity: int, unit_price: Decimal, now: datetime,
                  by: str) -> RegisterEntry:
        _check_quantity(quantity)
        if unit_price <= 0:
            raise InvalidInput("invalid_share_price", "The share price must be positive.", "unit_price")
        return self._append(EntryKind.SUBSCRIPTION, category, quantity, unit_price, now, by)

    def confirm_payment(self, subscription_id: str, *, now: datetime, by: str) -> RegisterEntry:
        """The full nominal value was received: the subscribed shares now count."""
        subscription = self._find(subscription_id, EntryKind.SUBSCRIPTION)
        if self._settled(subscription.id):
            raise Conflict("share_already_paid", "This subscription is already paid.")
        return self._append(EntryKind.PAYMENT, subscription.category, subscription.quantity,
                            subscription.unit_price, now, by, settles=subscription.id)

    def transfer_to(self, receiver: ShareAccount, *, category: Category, quantity: int, unit_price: Decimal,
                    now: datetime, by: str) -> tuple[RegisterEntry, RegisterEntry]:
        """Fully paid shares change hands: one entry on each side, linked."""
        _check_quantity(quantity)
        if receiver.member_id == self.member_id:
            raise InvalidInput("invalid_transfer", "A member cannot transfer shares to themselves.", "to_member_id")
        held = self.paid_shares(category)
        if quantity > held:
            raise Conflict("not_enough_paid_shares", f"Only {held} fully paid {category.value} shares are held.",
                           "quantity")
        transfer_id = str(uuid.uuid4())
        out = self._append(EntryKind.TRANSFER_OUT, category, quantity, unit_price, now, by,
                           counterparty_id=receiver.member_id, transfer_id=transfer_id)
        into = receiver._append(EntryKind.TRANSFER_IN, category, quantity, unit_price, now, by,
                                counterparty_id=self.member_id, transfer_id=transfer_id)
        return out, into

    def resign(self, *, category: Category, quantity: int, unit_price: Decimal, today: date, now: datetime,
               by: str, refund_delay_years: int = MAX_REFUND_DELAY_YEARS) -> RegisterEntry:
        """Give back fully paid shares; their nominal value (never more: no
        dividends, no capital gain) is due within ``refund_delay_years``."""
        _check_quantity(quantity)
        if not 0 <= refund_delay_years <= MAX_REFUND_DELAY_YEARS:
            raise InvalidInput("invalid_refund_delay", "The refund is due within 3 years at most.")
        held = self.paid_shares(category)
        if quantity > held:
            raise Conflict("not_enough_paid_shares", f"Only {held} fully paid {category.value} shares are held.",
                           "quantity")
        return self._append(EntryKind.RESIGNATION, category, quantity, unit_price, now, by,
                            refund_due_on=add_years(today, refund_delay_years))

    def record_refund(self, resignation_id: str, *, now: datetime, by: str) -> RegisterEntry:
        resignation = self._find(resignation_id, EntryKind.RESIGNATION)
        if self._settled(resignation.id):
            raise Conflict("share_already_refunded", "This resignation is already refunded.")
        return self._append(EntryKind.REFUND, resignation.category, resignation.quantity,
                            resignation.unit_price, now, by, settles=resignation.id)
