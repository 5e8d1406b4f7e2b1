"""Accounts: registration, login, refresh-token rotation, logout, password
change, and the bootstrap of the first admin."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import NoReturn

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from coop_shared.auth.principal import Role as TokenRole
from coop_shared.auth.tokens import issue_access_token
from coop_shared.observability.logging import get_logger
from members.adapters.sessions import StoredRefreshToken
from members.domain.errors import AuthenticationFailed, Conflict, InvalidInput, NotFound, Throttled
from members.domain.identity import (
    Address,
    Language,
    check_full_name,
    check_password_policy,
    normalize_email,
    normalize_iban,
    normalize_niss,
)
from members.domain.member import Member, Role
from members.domain.sessions import (
    RefreshOutcome,
    RefreshStatus,
    hash_refresh_token,
    new_refresh_token,
    refresh_outcome,
    throttle_key,
)
from members.service_layer import events
from members.service_layer.context import Context
from members.service_layer.revocation import revoke_access_tokens, revoked

log = get_logger("members.accounts")


def _bad_credentials() -> AuthenticationFailed:
    # One answer for an unknown e-mail and a wrong password: no account oracle.
    return AuthenticationFailed("invalid_credentials", "The e-mail address or the password is incorrect.")


def _invalid_refresh() -> AuthenticationFailed:
    return AuthenticationFailed("invalid_refresh_token", "The refresh token is invalid or expired; log in again.")


@dataclass(frozen=True)
class RegisterMember:
    email: str
    password: str
    full_name: str
    language: Language
    address: Address
    iban: str
    niss: str | None = None


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    member_id: str
    token_type: str = "Bearer"


async def register(ctx: Context, cmd: RegisterMember) -> Member:
    """Open a member account (always with the member role: staff roles are
    granted by an admin, never asked for)."""
    email = normalize_email(cmd.email)
    check_password_policy(cmd.password, email=email, full_name=cmd.full_name)
    member = Member(
        id=str(uuid.uuid4()), email=email, full_name=check_full_name(cmd.full_name), language=cmd.language,
        role=Role.MEMBER, registered_at=ctx.now(), address=cmd.address, iban=normalize_iban(cmd.iban),
        niss=normalize_niss(cmd.niss) if cmd.niss else None,
    )
    if await ctx.members.by_email(email) is not None:  # spares an Argon2 hash; the unique index decides races
        raise _email_taken()
    password_hash = await ctx.passwords.hash(cmd.password)
    await _create(ctx, member, password_hash)
    return member


def _email_taken() -> Conflict:
    return Conflict("email_taken", "An account with this e-mail address already exists.", "email")


async def _create(ctx: Context, member: Member, password_hash: str) -> None:
    async def work(session: AsyncClientSession) -> None:
        await ctx.members.add(member, password_hash, session)
        await ctx.emit([(events.member_registered(member), member.id)], session)

    try:
        await ctx.commit(work)
    except DuplicateKeyError as exc:
        raise _email_taken() from exc


async def ensure_admin(ctx: Context, email: str, password: str, full_name: str = "Administrator"
                       ) -> tuple[Member, bool]:
    """Create the admin account unless the e-mail already has an account.
    Idempotent: every replica runs it at start-up; the unique e-mail index
    lets exactly one of them create the account. An existing account is left
    as it is (never silently promoted)."""
    address = normalize_email(email, strict=False, field="BOOTSTRAP_ADMIN_EMAIL")
    check_password_policy(password, email=address, field="BOOTSTRAP_ADMIN_PASSWORD")
    existing = await ctx.members.by_email(address)
    if existing is not None:
        if existing.role is not Role.ADMIN:
            log.warning("bootstrap_admin_exists_without_admin_role", member_id=existing.id)
        return existing, False
    admin = Member(id=str(uuid.uuid4()), email=address, full_name=check_full_name(full_name),
                   language=Language.FR, role=Role.ADMIN, registered_at=ctx.now())
    try:
        await _create(ctx, admin, await ctx.passwords.hash(password))
    except Conflict:
        raced = await ctx.members.by_email(address)
        if raced is None:
            raise
        return raced, False
    log.info("bootstrap_admin_created", member_id=admin.id)
    return admin, True


async def guard_password_attempt(ctx: Context, email: str) -> str:
    """Count this attempt before any hashing; refuse when over the limit."""
    key = throttle_key(email)
    now = ctx.now()
    policy = ctx.throttle
    wait = policy.retry_after(await ctx.login_attempts.locked_until(key), now)
    if wait is None:
        attempts = await ctx.login_attempts.count_attempt(key, now, policy)
        if not policy.exceeded(attempts):
            return key
        wait = policy.retry_after(await ctx.login_attempts.lock(key, policy.lock_until(now)), now)
    log.warning("login_throttled", account=key[:12])
    raise Throttled("too_many_attempts", "Too many failed attempts for this account; try again later.",
                    retry_after=wait or policy.lockout_seconds)


async def login(ctx: Context, email: str, password: str) -> TokenPair:
    key = await guard_password_attempt(ctx, email)
    member = await ctx.members.by_email(email.strip().lower())
    stored = await ctx.members.password_hash(member.id) if member is not None and member.is_active else None
    if not await ctx.passwords.verify(stored, password) or member is None or stored is None:
        raise _bad_credentials()
    await ctx.login_attempts.clear(key)
    if ctx.passwords.needs_rehash(stored):
        # Cost parameters were raised since this hash was made: upgrade it now that we know the password.
        await ctx.members.set_password_hash(member.id, await ctx.passwords.hash(password), ctx.now(),
                                            expected=stored)
    return await _start_family(ctx, member, str(uuid.uuid4()))


def _access_token(ctx: Context, member: Member) -> str:
    s = ctx.settings
    return issue_access_token(ctx.signing_key, subject=member.id, role=TokenRole(member.role.value),
                              ttl_seconds=s.access_token_ttl_seconds, language=member.language.value,
                              audience=s.jwt_audience, issuer=s.jwt_issuer, token_version=member.token_version)


def _new_refresh(ctx: Context, member: Member, family_id: str) -> tuple[str, StoredRefreshToken]:
    token = new_refresh_token()
    now = ctx.now()
    stored = StoredRefreshToken(token_hash=hash_refresh_token(token), family_id=family_id, member_id=member.id,
                                status=RefreshStatus.ACTIVE, created_at=now,
                                expires_at=now + timedelta(seconds=ctx.settings.refresh_token_ttl_seconds))
    return token, stored


def _pair(ctx: Context, member: Member, refresh_token: str) -> TokenPair:
    return TokenPair(access_token=_access_token(ctx, member), refresh_token=refresh_token,
                     expires_in=ctx.settings.access_token_ttl_seconds, member_id=member.id)


async def _start_family(ctx: Context, member: Member, family_id: str) -> TokenPair:
    token, stored = _new_refresh(ctx, member, family_id)
    await ctx.refresh_tokens.add(stored)
    return _pair(ctx, member, token)


async def refresh(ctx: Context, refresh_token: str) -> TokenPair:
    """Exchange a refresh token for a new pair; the presented one is retired.
    Presenting a retired token revokes its whole family."""
    now = ctx.now()
    token_hash = hash_refresh_token(refresh_token)
    stored = await ctx.refresh_tokens.find(token_hash)
    if stored is None:
        raise _invalid_refresh()
    outcome = refresh_outcome(stored.status, stored.expires_at, now)
    if outcome is RefreshOutcome.REUSE:
        await _reuse_detected(ctx, stored)
    if outcome is RefreshOutcome.INVALID:
        raise _invalid_refresh()
    member = await ctx.members.get(stored.member_id)
    if member is None or not member.is_active:
        await ctx.refresh_tokens.revoke_family(stored.family_id, now)
        raise _invalid_refresh()
    token, successor = _new_refresh(ctx, member, stored.family_id)

    async def work(session: AsyncClientSession) -> bool:
        if not await ctx.refresh_tokens.mark_rotated(token_hash, now, session):
            return False  # a concurrent refresh retired it first
        await ctx.refresh_tokens.add(successor, session)
        return True

    if not await ctx.commit(work):
        await _reuse_detected(ctx, stored)
    # The role and language come from the account now, not from the old token.
    return _pair(ctx, member, token)


async def _reuse_detected(ctx: Context, stored: StoredRefreshToken) -> NoReturn:
    revoked = await ctx.refresh_tokens.revoke_family(stored.family_id, ctx.now())
    log.warning("refresh_token_reuse", member_id=stored.member_id, family_id=stored.family_id, revoked=revoked)
    raise AuthenticationFailed("refresh_token_reused",
                               "This refresh token was already used: its sessions are revoked; log in again.")


async def logout(ctx: Context, refresh_token: str) -> None:
    """End the session the token belongs to (its whole family). Unknown tokens
    are accepted silently: logout must not tell which tokens exist."""
    stored = await ctx.refresh_tokens.find(hash_refresh_token(refresh_token))
    if stored is not None:
        await ctx.refresh_tokens.revoke_family(stored.family_id, ctx.now())


async def change_password(ctx: Context, member_id: str, current: str, new: str) -> int:
    """Set a new password after checking the current one (throttled like a
    login), and end every session: returns how many were revoked."""
    member = await ctx.members.get(member_id)
    if member is None or not member.is_active or member.email is None:
        raise NotFound("member_not_found", "No such member.")
    key = await guard_password_attempt(ctx, member.email)
    stored = await ctx.members.password_hash(member.id)
    if not await ctx.passwords.verify(stored, current):
        raise InvalidInput("invalid_current_password", "The current password is incorrect.", "current_password")
    await ctx.login_attempts.clear(key)
    check_password_policy(new, email=member.email, full_name=member.full_name, field="new_password")
    if new == current:
        raise InvalidInput("password_unchanged", "The new password must differ from the current one.",
                           "new_password")
    new_hash = await ctx.passwords.hash(new)
    now = ctx.now()

    async def work(session: AsyncClientSession) -> int:
        await ctx.members.set_password_hash(member.id, new_hash, now, session)
        await revoke_access_tokens(ctx, member, "password_changed", session)
        await ctx.members.save(member, session)
        return await ctx.refresh_tokens.revoke_member(member.id, now, session)

    count: int = await ctx.commit(work)
    revoked(ctx, member)
    return count


async def logout_everywhere(ctx: Context, member_id: str) -> int:
    """End every session of the member and revoke every access token already
    issued (a lost phone, a shared computer): returns how many sessions ended."""
    member = await ctx.members.get(member_id)
    if member is None or not member.is_active:
        raise NotFound("member_not_found", "No such member.")
    now = ctx.now()

    async def work(session: AsyncClientSession) -> int:
        await revoke_access_tokens(ctx, member, "logout_everywhere", session)
        await ctx.members.save(member, session)
        return await ctx.refresh_tokens.revoke_member(member.id, now, session)

    count: int = await ctx.commit(work)
    revoked(ctx, member)
    return count
