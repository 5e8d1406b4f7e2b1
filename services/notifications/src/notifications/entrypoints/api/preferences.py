"""The authenticated person's notification preferences."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from coop_shared.auth.dependencies import PersonPrincipal
from coop_shared.http.errors import ApiError
from notifications.domain.catalogue import RULES
from notifications.domain.preferences import Channel, Preferences
from notifications.entrypoints.api.deps import ContextDep

router = APIRouter(prefix="/api/v1/preferences", tags=["preferences"])

_CHOOSABLE = {rule.event_type: rule for rule in RULES if rule.notifies_people}


class Preference(BaseModel):
    event_type: str = Field(max_length=200, examples=["payroll.salary.paid.v1"])
    inbox: bool = True
    email: bool = True


class PreferenceView(Preference):
    kind: str
    critical: bool = Field(description="Always delivered to the inbox, whatever `inbox` says.")
    critical_when: str | None = Field(default=None, examples=["level=formal_notice"],
                                      description="Critical only for these events (e.g. a formal notice).")


class PreferencesIn(BaseModel):
    preferences: list[Preference] = Field(max_length=len(_CHOOSABLE) or 1, description=(
        "Choices per event type; a type left out is back to the default (every channel on)."))


class PreferencesOut(BaseModel):
    preferences: list[PreferenceView]
    daily_digest: bool = Field(default=False, description=(
        "Non-critical notifications arrive in one e-mail a day instead of one each (set with PUT .../digest)."))


class DigestIn(BaseModel):
    daily: bool = Field(description="True: one e-mail a day gathers the unread, non-critical notifications.")


def _view(preferences: Preferences) -> PreferencesOut:
    return PreferencesOut(daily_digest=preferences.daily_digest, preferences=[
        PreferenceView(event_type=event_type, kind=rule.kind, critical=rule.critical,
                       critical_when="=".join(rule.critical_if) if rule.critical_if else None,
                       inbox=preferences.allows(event_type, Channel.INBOX),
                       email=preferences.allows(event_type, Channel.EMAIL))
        for event_type, rule in sorted(_CHOOSABLE.items())
    ])


@router.get("", response_model=PreferencesOut, summary="My choices per event type and channel")
async def get_preferences(ctx: ContextDep, principal: PersonPrincipal) -> PreferencesOut:
    return _view(await ctx.preferences.get(principal.id))


@router.put("", response_model=PreferencesOut, summary="Replace my choices (idempotent)")
async def put_preferences(ctx: ContextDep, principal: PersonPrincipal, body: PreferencesIn) -> PreferencesOut:
    seen: set[str] = set()
    choices: list[tuple[str, Channel, bool]] = []
    for index, item in enumerate(body.preferences):
        field = f"preferences.{index}.event_type"
        if item.event_type not in _CHOOSABLE:
            raise ApiError(422, "unknown_event_type", f"{item.event_type!r} has no notifications to choose.",
                           field=field)
        if item.event_type in seen:
            raise ApiError(422, "duplicate_event_type", f"{item.event_type!r} appears twice.", field=field)
        seen.add(item.event_type)
        choices += [(item.event_type, Channel.INBOX, item.inbox), (item.event_type, Channel.EMAIL, item.email)]
    preferences = Preferences.from_choices(choices)
    await ctx.preferences.replace(principal.id, preferences, ctx.clock.now())
    return _view(await ctx.preferences.get(principal.id))


@router.put("/digest", response_model=PreferencesOut, summary="Choose the daily digest e-mail, or not (idempotent)")
async def put_digest(ctx: ContextDep, principal: PersonPrincipal, body: DigestIn) -> PreferencesOut:
    await ctx.preferences.set_daily_digest(principal.id, body.daily, ctx.clock.now())
    return _view(await ctx.preferences.get(principal.id))
