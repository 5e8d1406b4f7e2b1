"""Access to an activity's documents, decided on the read model.

- owner and co-managers: see and manage; they invoice only while in good
  standing and while the activity is open (409 with a code saying which);
- advisors: see the activities of the members they support, review them;
- admins: see everything;
- partners (API keys of accounting tools, shops): read what their
  ``invoices:read`` scope allows, of the activities the key is bound to (all
  when not bound); an ``invoices:write`` key, always bound, drafts, issues and
  sends for its activities as their managers would, the owner's standing
  deciding whether the activity may invoice;
- anyone else: 404, exactly as if the object did not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from coop_shared.auth.principal import Principal, Role
from coop_shared.errors import Conflict, Forbidden, NotFound
from invoicing.adapters.read_models import ReadModel
from invoicing.domain.access import ActivityRecord, supported_by

READ_SCOPE = "invoices:read"
WRITE_SCOPE = "invoices:write"


def _partner_reads(principal: Principal) -> bool:
    # A write answer shows the document written: a write key sees its own activities' documents.
    return principal.has_scope(READ_SCOPE) or principal.has_scope(WRITE_SCOPE)


def _partner_writes(principal: Principal, activity_id: str) -> bool:
    return principal.has_scope(WRITE_SCOPE) and principal.activities is not None \
        and activity_id in principal.activities


@dataclass(frozen=True)
class ListScope:
    """The activities a list shows documents of; ``activity_ids`` None: all of them."""

    activity_ids: frozenset[str] | None

    @classmethod
    def of(cls, activity_id: str | None) -> ListScope:
        """One activity, or every one."""
        return cls(None if activity_id is None else frozenset({activity_id}))


class AccessPolicy:
    def __init__(self, read_model: ReadModel) -> None:
        self.read_model = read_model

    async def visible_activity_ids(self, principal: Principal) -> set[str] | None:
        """Activities whose documents ``principal`` may read; None means all of them."""
        if principal.role is Role.ADMIN:
            return None
        if principal.role is Role.PARTNER:
            if not _partner_reads(principal):
                return set()
            return None if principal.activities is None else set(principal.activities)
        ids = {a.id for a in await self.read_model.activities_managed_by(principal.id)}
        if principal.role is Role.ADVISOR:
            ids |= {a.id for a in await self.read_model.activities_supported_by(principal.id)}
        return ids

    async def list_scope(self, principal: Principal, activity_id: str | None) -> ListScope | None:
        """The activities of a list the principal may see, narrowed to one
        activity when asked; None when that activity is not theirs (an empty page)."""
        visible = await self.visible_activity_ids(principal)
        if activity_id is not None:
            if visible is not None and activity_id not in visible:
                return None
            return ListScope.of(activity_id)
        return ListScope(None if visible is None else frozenset(visible))

    async def can_view(self, principal: Principal, activity_id: str) -> bool:
        if principal.role is Role.ADMIN:
            return True
        if principal.role is Role.PARTNER:
            return _partner_reads(principal) and principal.reaches(activity_id)
        activity = await self.read_model.activity(activity_id)
        if activity is None:
            return False
        if activity.is_managed_by(principal.id):
            return True
        return principal.role is Role.ADVISOR and await self._supports(principal.id, activity)

    async def _supports(self, advisor_id: str, activity: ActivityRecord) -> bool:
        return supported_by(activity, advisor_id, await self.read_model.members(activity.managers))

    async def require_view(self, principal: Principal, activity_id: str, missing: NotFound) -> None:
        if not await self.can_view(principal, activity_id):
            raise missing

    async def require_manager(self, principal: Principal, activity_id: str, missing: NotFound) -> ActivityRecord:
        """Owner or co-manager of the activity (clients, quotes, invoices)."""
        activity = await self.read_model.activity(activity_id)
        if principal.role is Role.PARTNER:
            if activity is not None and _partner_writes(principal, activity_id):
                return activity
            if activity is not None and await self.can_view(principal, activity_id):
                raise Forbidden("insufficient_scope", "This API key may read this activity's documents, "
                                "not change them (it needs invoices:write, bound to the activity).")
            raise missing
        if activity is not None and activity.is_managed_by(principal.id):
            return activity
        if activity is not None and await self.can_view(principal, activity_id):
            raise Forbidden("not_activity_manager", "Only the activity's owner or co-managers can do this.",
                            "activity_id")
        raise missing

    async def require_invoicing_rights(self, principal: Principal, activity_id: str, missing: NotFound,
                                       today: date) -> ActivityRecord:
        """A manager in good standing, on an open activity: what invoicing needs."""
        activity = await self.require_manager(principal, activity_id, missing)
        if not activity.is_open:
            raise Conflict("activity_not_open", f"The activity is {activity.status}: it cannot invoice.",
                           "activity_id")
        # A partner acts for the activity: its owner's standing decides.
        member = await self.read_model.member(activity.owner_id if principal.role is Role.PARTNER else principal.id)
        if member is None or not member.in_good_standing(today):
            raise Conflict("member_not_in_good_standing",
                           "Invoicing needs one fully paid share per started year of use.", "member")
        return activity

    async def require_reviewer(self, principal: Principal, activity_id: str, missing: NotFound) -> None:
        """An admin, or the advisor of one of the activity's managers."""
        if not await self.can_view(principal, activity_id):
            raise missing
        if principal.role is Role.ADMIN:
            return
        activity = await self.read_model.activity(activity_id)
        if principal.role is Role.ADVISOR and activity is not None and await self._supports(principal.id, activity):
            return
        raise Forbidden("not_reviewer", "Only the member's advisor or an admin reviews invoices.")

    async def require_admin_or_manager(self, principal: Principal, activity_id: str,
                                       missing: NotFound) -> ActivityRecord | None:
        """Managers and admins (credit notes: no standing needed to cancel a mistake)."""
        if principal.role is Role.ADMIN:
            return await self.read_model.activity(activity_id)
        return await self.require_manager(principal, activity_id, missing)
